import { describe, expect, it } from 'vitest';
import type { MediaFile } from '../../src/db/queries/media-files.js';
import { mediaOutcome } from '../../src/ingest/media-outcome.js';
import { buildMeetingCdr, foldParticipants } from '../../src/ingest/meeting-cdr.js';
import type { MeetingRef } from '../../src/ingest/types.js';

// Unit tests of what a meeting CDR says (DESIGN "CDR fields", meetings): times, the other side,
// the people, and the media error when files could not be archived. Expectations written out.

const meeting: MeetingRef = {
  uuid: 'u1==', meetingNumber: '81234567890', topic: 'Weekly', hostId: 'host-1', startTime: '2026-03-02T10:00:00.000Z', durationMinutes: 30,
};
const user = { zoomUserId: 'zu-ann', name: 'Ann Lee', conversationType: 'voice' as const };

describe('a meeting CDR', () => {
  it('spans the user\'s own join and leave, with every fixed field of a conference', () => {
    const participants = [{ name: 'Ann Lee', zoomUserId: 'zu-ann' }];
    expect(buildMeetingCdr({
      meeting, user: { ...user, joinedAt: '2026-03-02T10:05:00Z', leftAt: '2026-03-02T10:20:30Z' }, participants, mediaLengthSeconds: 1700, location: 'worker-1',
    })).toEqual({
      sourcePlatform: 'Zoom Meeting', platformCallId: 'u1==', zoomMeetingId: '81234567890', recordedUserZoomId: 'zu-ann', recordedUserName: 'Ann Lee',
      startedAt: new Date('2026-03-02T10:05:00Z'), endedAt: new Date('2026-03-02T10:20:30Z'), durationSeconds: 930,
      from: 'zu-ann', fromInfo: 'Ann Lee', to: 'Conference', toInfo: 'Weekly', direction: 'conference', userDirection: 'outgoing',
      conversationType: 'voice', recordingFailed: false, mediaLengthSeconds: 1700, participants, recordType: 'standard', location: 'worker-1',
    });
  });

  it('without the user\'s rows, spans the meeting: its start and its start plus its duration', () => {
    const cdr = buildMeetingCdr({ meeting, user, participants: [], mediaLengthSeconds: null, location: 'w' });
    expect([cdr.startedAt, cdr.endedAt, cdr.durationSeconds, cdr.mediaLengthSeconds]).toEqual([
      new Date('2026-03-02T10:00:00Z'), new Date('2026-03-02T10:30:00Z'), 1800, null,
    ]);
  });

  it('rounds the duration to whole seconds and never makes it negative', () => {
    const rounded = buildMeetingCdr({ meeting, user: { ...user, joinedAt: '2026-03-02T10:00:00.000Z', leftAt: '2026-03-02T10:00:10.600Z' }, participants: [], mediaLengthSeconds: 0, location: 'w' });
    expect(rounded.durationSeconds).toBe(11);
    const backwards = buildMeetingCdr({ meeting, user: { ...user, joinedAt: '2026-03-02T10:10:00Z', leftAt: '2026-03-02T10:00:00Z' }, participants: [], mediaLengthSeconds: 0, location: 'w' });
    expect(backwards.durationSeconds).toBe(0);
  });

  it('the other side: the topic; nothing when the meeting has a host but no topic; a note when Zoom hides both (hosted outside the account)', () => {
    const toInfo = (m: Partial<MeetingRef>) => buildMeetingCdr({ meeting: { ...meeting, ...m }, user, participants: [], mediaLengthSeconds: 0, location: 'w' }).toInfo;
    expect(toInfo({ topic: 'Weekly', hostId: '' })).toBe('Weekly');
    expect(toInfo({ topic: '' })).toBe('');
    expect(toInfo({ topic: '', hostId: '' })).toBe('meeting hosted outside the account (Zoom gives no topic or host)');
  });
});

describe('a meeting\'s people (foldParticipants)', () => {
  it('one entry per person from the first join to the last leave, whatever the order of the rows', () => {
    expect(foldParticipants([
      { id: 'zu-ann', name: 'Ann Lee', user_email: 'ann@example.com', join_time: '2026-03-02T10:10:00Z', leave_time: '2026-03-02T10:20:00Z' },
      { id: 'zu-ann', name: 'Ann Lee', user_email: 'ann@example.com', join_time: '2026-03-02T10:01:00Z', leave_time: '2026-03-02T10:05:00Z' },
      { id: 'zu-ann', name: 'Ann Lee', join_time: '2026-03-02T10:30:00Z', leave_time: '2026-03-02T10:40:00Z' },
      { id: 'zu-ann', name: 'Ann Lee', join_time: '2026-03-02T10:25:00Z', leave_time: '2026-03-02T10:26:00Z' },
    ])).toEqual([{ name: 'Ann Lee', zoomUserId: 'zu-ann', email: 'ann@example.com', joinedAt: '2026-03-02T10:01:00Z', leftAt: '2026-03-02T10:40:00Z' }]);
  });

  it('a person seen once keeps that row\'s join and leave', () => {
    expect(foldParticipants([{ id: 'zu-1', name: 'A', join_time: '2026-03-02T10:05:00Z', leave_time: '2026-03-02T10:06:00Z' }]))
      .toEqual([{ name: 'A', zoomUserId: 'zu-1', joinedAt: '2026-03-02T10:05:00Z', leftAt: '2026-03-02T10:06:00Z' }]);
  });

  it('tells people apart by Zoom id, else email, else name; a person without any is one "unknown"', () => {
    expect(foldParticipants([
      { id: 'zu-1', name: 'Same Name' },
      { id: 'zu-2', name: 'Same Name' },
      { name: 'Guest', user_email: 'g@example.org' },
      { name: 'Guest 2', user_email: 'g@example.org' },
      { name: 'Walk-in' },
      { name: 'Walk-in' },
      {},
      { join_time: '2026-03-02T10:00:00Z' },
    ])).toEqual([
      { name: 'Same Name', zoomUserId: 'zu-1' },
      { name: 'Same Name', zoomUserId: 'zu-2' },
      { name: 'Guest', email: 'g@example.org' },
      { name: 'Walk-in' },
      { name: '', joinedAt: '2026-03-02T10:00:00Z' },
    ]);
  });

  it('a first row without times takes them from the next rows; rows without times change nothing', () => {
    expect(foldParticipants([
      { id: 'zu-1', name: 'A' },
      { id: 'zu-1', name: 'A', join_time: '2026-03-02T10:05:00Z', leave_time: '2026-03-02T10:06:00Z' },
      { id: 'zu-1', name: 'A' },
      { id: 'zu-1', name: 'A', join_time: '2026-03-02T10:07:00Z', leave_time: '2026-03-02T10:05:30Z' },
    ])).toEqual([{ name: 'A', zoomUserId: 'zu-1', joinedAt: '2026-03-02T10:05:00Z', leftAt: '2026-03-02T10:06:00Z' }]);
  });
});

describe('a recorded user\'s media outcome', () => {
  const file = (zoomFileId: string, fileType: string, state: MediaFile['state'], lastError: string | null = null) =>
    ({ zoomFileId, fileType, state, lastError }) as MediaFile;

  it('nothing failed: no media error, the recording did not fail', () => {
    expect(mediaOutcome([file('f1', 'MP4', 'stored'), file('f2', 'CC', 'skipped'), file('f3', 'CHAT', 'pending')])).toEqual({
      mediaError: null, recordingFailed: false, recordingFailedReason: null,
    });
    expect(mediaOutcome([])).toEqual({ mediaError: null, recordingFailed: false, recordingFailedReason: null });
  });

  it('some failed beside a stored file: a media error naming each failed file and why, the recording itself did not fail', () => {
    expect(mediaOutcome([file('f1', 'MP4', 'stored'), file('f2', 'M4A', 'failed', 'HTTP 404'), file('f3', 'CHAT', 'failed')])).toEqual({
      mediaError: '2 file(s) not archived: M4A f2: HTTP 404; CHAT f3: failed', recordingFailed: false, recordingFailedReason: null,
    });
  });

  it('every file failed, or none was stored: the recording failed, with the media error as its reason', () => {
    expect(mediaOutcome([file('f1', 'MP4', 'failed', 'SHA-256 mismatch'), file('f2', 'CC', 'skipped')])).toEqual({
      mediaError: '1 file(s) not archived: MP4 f1: SHA-256 mismatch',
      recordingFailed: true,
      recordingFailedReason: "none of the user's media was archived; 1 file(s) not archived: MP4 f1: SHA-256 mismatch",
    });
  });
});
