import { describe, expect, it } from 'vitest';
import { conversationTypeFor, wantsFile, type UserModality } from '../../src/ingest/file-selection.js';
import { fromArchive, fromCloudRecording } from '../../src/ingest/listed-files.js';
import type { ArchiveMeeting, RecordingMeeting } from '../../src/zoom/index.js';

// Unit tests of the meeting rules that decide what is archived: which files a recorded user needs
// (DESIGN "CDR fields", by modality) and what a listing row becomes (the meeting reference and the
// tracked files, with Zoom's quirks). Every expected value is written out by hand.

describe('which files a recorded user needs', () => {
  const voice: UserModality = { modality: 'voice', individualAudio: false, email: 'ann@example.com' };
  const video: UserModality = { modality: 'video', individualAudio: false, email: 'ann@example.com' };
  const screen: UserModality = { modality: 'screen', individualAudio: true };
  const voiceWithIndividual: UserModality = { modality: 'voice', individualAudio: true, email: 'ann@example.com' };
  const shared = (fileType: string) => ({ fileType, participantZoomUserId: null });
  const individual = (fileType: string, owner: string) => ({ fileType, participantZoomUserId: owner });

  it('the meeting\'s shared files: the MP4 for video and screen, everything else for everyone, in any case', () => {
    const types = ['MP4', 'mp4', 'M4A', 'MP3', 'CHAT', 'TRANSCRIPT', 'CC', 'CSV', 'TIMELINE', 'SUMMARY'];
    expect(types.map((t) => [t, wantsFile(voice, shared(t)), wantsFile(video, shared(t)), wantsFile(screen, shared(t))])).toEqual([
      ['MP4', false, true, true],
      ['mp4', false, true, true],
      ['M4A', true, true, true],
      ['MP3', true, true, true],
      ['CHAT', true, true, true],
      ['TRANSCRIPT', true, true, true],
      ['CC', true, true, true],
      ['CSV', true, true, true],
      ['TIMELINE', true, true, true],
      ['SUMMARY', true, true, true],
    ]);
  });

  it('the user\'s own individual files (named by email, any case): audio always, video unless voice-only, nothing else', () => {
    const own = (t: string) => individual(t, 'Ann@Example.com');
    expect(['M4A', 'mp3', 'MP4', 'CHAT'].map((t) => [t, wantsFile(voice, own(t)), wantsFile(video, own(t))])).toEqual([
      ['M4A', true, true],
      ['mp3', true, true],
      ['MP4', false, true],
      ['CHAT', false, false],
    ]);
  });

  it('someone else\'s individual files: their audio only for a user who asked for individual audio', () => {
    const other = (t: string) => individual(t, 'bob@example.com');
    expect(['M4A', 'MP3', 'MP4', 'CHAT'].map((t) => [t, wantsFile(video, other(t)), wantsFile(voiceWithIndividual, other(t)), wantsFile(screen, other(t))])).toEqual([
      ['M4A', false, true, true],
      ['MP3', false, true, true],
      ['MP4', false, false, false],
      ['CHAT', false, false, false],
    ]);
    // Without an email of their own, no individual file is the user's own.
    expect(wantsFile({ modality: 'video', individualAudio: false }, individual('M4A', 'participant'))).toBe(false);
  });

  it('a voice user\'s conversation is voice; video and screen users\' is a screen share', () => {
    expect([conversationTypeFor('voice'), conversationTypeFor('video'), conversationTypeFor('screen')]).toEqual(['voice', 'screen_share', 'screen_share']);
  });
});

const UUID = 'abc/def+gh==';
const ENCODED = 'abc%2Fdef%2Bgh%3D%3D';

function cloudMeeting(over: Partial<RecordingMeeting> = {}): RecordingMeeting {
  return {
    uuid: UUID, id: 81234567890, host_id: 'host-1', topic: 'Weekly', type: 2, start_time: '2026-03-02T10:00:00Z', duration: 59,
    recording_files: [], ...over,
  };
}

describe('a cloud recording listing row', () => {
  it('becomes the meeting reference (start normalised, UUID kept as Zoom gave it)', () => {
    expect(fromCloudRecording('acme', cloudMeeting()).ref).toEqual({
      uuid: UUID, meetingNumber: '81234567890', topic: 'Weekly', hostId: 'host-1', startTime: '2026-03-02T10:00:00.000Z', durationMinutes: 59,
    });
  });

  it('tracks a complete file with Zoom\'s size, status and URL, under the meeting\'s start and its own id', () => {
    const { files } = fromCloudRecording('acme', cloudMeeting({
      recording_files: [{
        id: 'f1', meeting_id: UUID, file_type: 'mp4', file_extension: 'mp4', file_size: 1234, status: 'COMPLETED', recording_type: 'shared_screen_with_speaker_view',
        recording_start: '2026-03-02T10:00:05Z', recording_end: '2026-03-02T10:59:00Z', download_url: 'https://zoom.us/rec/download/f1',
      }],
    }));
    expect(files).toEqual([{
      zoomFileId: 'f1', fileType: 'MP4', fileExtension: 'MP4', recordingType: 'shared_screen_with_speaker_view', participantZoomUserId: null,
      recordingStartedAt: new Date('2026-03-02T10:00:05Z'), zoomSize: 1234, zoomStatus: 'completed', downloadUrl: 'https://zoom.us/rec/download/f1',
      storageKey: `acme/meetings/2026/03/02/${ENCODED}/f1.mp4`,
    }]);
  });

  it('gives CC and TIMELINE files (listed without id, size or extension) an id derived from what identifies them, the same at every listing', () => {
    const cc = { meeting_id: UUID, file_type: 'CC', recording_start: '2026-03-02T10:00:05Z', recording_end: '2026-03-02T10:59:00Z', download_url: 'https://zoom.us/rec/download/cc' };
    const timeline = { meeting_id: UUID, file_type: 'TIMELINE', recording_type: 'shared_screen', recording_start: '2026-03-02T10:00:05Z', download_url: 'https://zoom.us/rec/download/tl' };
    const bare = { meeting_id: UUID, file_type: 'CC', download_url: 'https://zoom.us/rec/download/bare' };
    const listed = fromCloudRecording('acme', cloudMeeting({ recording_files: [cc, timeline, bare] })).files;
    // sha256("abc/def+gh==|CC||2026-03-02T10:00:05Z|2026-03-02T10:59:00Z") and
    // sha256("abc/def+gh==|TIMELINE|shared_screen|2026-03-02T10:00:05Z|") and sha256("abc/def+gh==|CC|||"),
    // first 32 hex digits (sha256sum).
    // A stored derived id must never change: the file would be archived again under a new key.
    expect(listed.map((f) => [f.zoomFileId, f.fileExtension, f.zoomSize, f.recordingType, f.storageKey])).toEqual([
      ['derived-07d8cf4ac648b197ef5e1704f6e81f4e', 'VTT', null, null, `acme/meetings/2026/03/02/${ENCODED}/derived-07d8cf4ac648b197ef5e1704f6e81f4e.vtt`],
      ['derived-9f88ac3bd9383ae0619ff3dedb81ac97', 'JSON', null, 'shared_screen', `acme/meetings/2026/03/02/${ENCODED}/derived-9f88ac3bd9383ae0619ff3dedb81ac97.json`],
      ['derived-a033b013811e6e1ba8635a6cbc22236a', 'VTT', null, null, `acme/meetings/2026/03/02/${ENCODED}/derived-a033b013811e6e1ba8635a6cbc22236a.vtt`],
    ]);
  });

  it('fills a missing extension from Zoom\'s documented pairs (BIN for an unknown type), and a missing start from the meeting\'s', () => {
    const types = ['MP4', 'M4A', 'MP3', 'CHAT', 'TRANSCRIPT', 'CC', 'CSV', 'TIMELINE', 'SUMMARY', 'chat', 'NEWTYPE'];
    const { files } = fromCloudRecording('acme', cloudMeeting({
      recording_files: [
        ...types.map((t, i) => ({ id: `f${i}`, meeting_id: UUID, file_type: t, download_url: `https://zoom.us/rec/download/f${i}` })),
        { id: 'given', meeting_id: UUID, file_type: 'CHAT', file_extension: '', recording_start: '', download_url: 'https://zoom.us/rec/download/g' },
      ],
    }));
    expect(files.map((f) => [f.fileType, f.fileExtension])).toEqual([
      ['MP4', 'MP4'], ['M4A', 'M4A'], ['MP3', 'MP3'], ['CHAT', 'TXT'], ['TRANSCRIPT', 'VTT'], ['CC', 'VTT'], ['CSV', 'CSV'], ['TIMELINE', 'JSON'],
      ['SUMMARY', 'JSON'], ['CHAT', 'TXT'], ['NEWTYPE', 'BIN'], ['CHAT', 'TXT'],
    ]);
    expect(files.every((f) => f.recordingStartedAt.toISOString() === '2026-03-02T10:00:00.000Z')).toBe(true);
    expect(files.map((f) => [f.zoomStatus, f.zoomSize, f.recordingType])).toEqual(types.map(() => ['completed', null, null]).concat([['completed', null, null]]));
    expect(files.map((f) => f.storageKey.split('/').at(-1))).toEqual([
      'f0.mp4', 'f1.m4a', 'f2.mp3', 'f3.txt', 'f4.vtt', 'f5.vtt', 'f6.csv', 'f7.json', 'f8.json', 'f9.txt', 'f10.bin', 'given.txt',
    ]);
  });

  it('a file without a download URL is tracked as skipped, saying why; one still processing keeps Zoom\'s status', () => {
    const { files } = fromCloudRecording('acme', cloudMeeting({
      recording_files: [
        { id: 'nourl', meeting_id: UUID, file_type: 'MP4', download_url: '' },
        { id: 'proc', meeting_id: UUID, file_type: 'MP4', status: 'Processing', download_url: 'https://zoom.us/rec/download/p' },
      ],
    }));
    expect(files.map((f) => [f.zoomFileId, f.downloadUrl, f.skipReason, f.zoomStatus, 'failure' in f])).toEqual([
      ['nourl', null, 'no_download_url', 'completed', false],
      ['proc', 'https://zoom.us/rec/download/p', undefined, 'processing', false],
    ]);
    expect('skipReason' in files[1]!).toBe(false);
  });

  it('per-participant audio is tracked as the participant\'s, named by file_name (or "participant")', () => {
    const { files } = fromCloudRecording('acme', cloudMeeting({
      participant_audio_files: [
        { id: 'pa1', file_type: 'M4A', file_name: 'Ann Lee', file_size: 10, download_url: 'https://zoom.us/rec/download/pa1' },
        { id: 'pa2', file_type: 'M4A', file_name: '', file_size: 11, download_url: 'https://zoom.us/rec/download/pa2' },
      ],
    }));
    expect(files.map((f) => [f.zoomFileId, f.participantZoomUserId, f.fileExtension, f.zoomSize])).toEqual([
      ['pa1', 'Ann Lee', 'M4A', 10],
      ['pa2', 'participant', 'M4A', 11],
    ]);
  });
});

describe('an archive listing row', () => {
  const archive = (over: Partial<ArchiveMeeting> = {}): ArchiveMeeting => ({
    uuid: UUID, id: 912345678, start_time: '2026-03-01T23:30:00+01:00', status: 'completed', archive_files: [], ...over,
  });

  it('a meeting hosted outside the account (no topic, host or duration) still gets a reference', () => {
    expect(fromArchive('acme', archive()).ref).toEqual({
      uuid: UUID, meetingNumber: '912345678', topic: '', hostId: '', startTime: '2026-03-01T22:30:00.000Z', durationMinutes: 0,
    });
  });

  it('an individual file is its participant\'s (by email, or "participant"); Zoom\'s failed archive file is tracked as failed', () => {
    const file = { file_type: 'M4A', file_size: 5, download_url: 'https://zoom.us/rec/archive/x', status: 'completed' };
    const { files } = fromArchive('acme', archive({
      archive_files: [
        { ...file, id: 'a1', individual: true, participant_email: 'ann@example.com' },
        { ...file, id: 'a2', individual: true, participant_email: '' },
        { ...file, id: 'a3', individual: false, participant_email: 'bob@example.com' },
        { ...file, id: 'a4', status: 'FAILED' },
      ],
    }));
    expect(files.map((f) => [f.zoomFileId, f.participantZoomUserId, f.zoomStatus, f.failure ?? null, f.storageKey])).toEqual([
      ['a1', 'ann@example.com', 'completed', null, `acme/meetings/2026/03/01/${ENCODED}/a1.m4a`],
      ['a2', 'participant', 'completed', null, `acme/meetings/2026/03/01/${ENCODED}/a2.m4a`],
      ['a3', null, 'completed', null, `acme/meetings/2026/03/01/${ENCODED}/a3.m4a`],
      ['a4', null, 'failed', 'Zoom reports this archive file as failed (its archiving failed at Zoom); there is nothing to download', `acme/meetings/2026/03/01/${ENCODED}/a4.m4a`],
    ]);
    expect(files.filter((f) => 'failure' in f).map((f) => f.zoomFileId)).toEqual(['a4']);
  });
});
