import { describe, expect, it } from 'vitest';
import { describeCsvErrors, MAX_CSV_BYTES, meetingRefOf, parseMeetingCsv } from '../../src/recovery/meeting-csv.js';

// Support's CSV files of meetings to recover: validated whole, every bad line named.

const UUID_A = 'r2Hq5BxlQ8uLAMbq0VQ6fA==';
const UUID_SLASH = '/2Hq5BxlQ8uLAMbq0VQ6fA==';
const UUID_DOUBLE = 'r2Hq5Bx//8uLAMbq0VQ6fA==';

describe('a meeting CSV', () => {
  it('takes numeric IDs (grouped or not) and UUIDs, odd ones included, with a BOM, a header, blank lines and duplicates counted', () => {
    const file = Buffer.from(`\uFEFFmeeting_id\r\n812 3456 7890\r\n\r\n${UUID_A}\r\n${UUID_SLASH}\r\n81234567890\r\n${UUID_DOUBLE}\r\n\r\n`, 'utf8');
    expect(parseMeetingCsv(file)).toEqual({
      ok: true, refs: ['81234567890', UUID_A, UUID_SLASH, UUID_DOUBLE], duplicates: 1, blankLines: 2, header: 'meeting_id',
    });
  });

  it('reads the named column of a wider file, with semicolons, and a file without header', () => {
    expect(parseMeetingCsv(`topic;Meeting UUID;host\nWeekly;${UUID_A};ada@example.org\n"Board; prep";${UUID_DOUBLE};bo@example.org\n`))
      .toMatchObject({ ok: true, refs: [UUID_A, UUID_DOUBLE], header: 'topic,Meeting UUID,host' });
    expect(parseMeetingCsv(`${UUID_A}\n912-345-678\n`)).toMatchObject({ ok: true, refs: [UUID_A, '912345678'], header: null });
  });

  it('rejects the whole file for one bad line, naming every bad line and why', () => {
    const parsed = parseMeetingCsv(`uuid\n${UUID_A}\nnot-a-meeting\n\n12345\n${UUID_DOUBLE},extra\n`);
    expect(parsed).toEqual({
      ok: false,
      errors: [
        { line: 3, reason: '"not-a-meeting" is neither a meeting ID (9 to 11 digits) nor a meeting UUID (24 characters ending in ==)' },
        { line: 5, reason: '"12345" has 5 digits: a meeting ID has 9 to 11' },
        { line: 6, reason: '2 columns where the file has 1' },
      ],
    });
    expect(describeCsvErrors(parsed.ok ? [] : parsed.errors)).toBe(
      'line 3: "not-a-meeting" is neither a meeting ID (9 to 11 digits) nor a meeting UUID (24 characters ending in ==)\nline 5: "12345" has 5 digits: a meeting ID has 9 to 11\nline 6: 2 columns where the file has 1\n',
    );
  });

  it('rejects an unknown layout, an empty or oversized file, broken quoting and text that is not UTF-8', () => {
    expect(parseMeetingCsv(`81234567890,Weekly sync\n`)).toMatchObject({ ok: false, errors: [{ line: 1, reason: expect.stringMatching(/2 columns and no header/) }] });
    expect(parseMeetingCsv('meeting_id\n\n')).toEqual({ ok: false, errors: [{ line: 0, reason: 'the file names no meeting' }] });
    expect(parseMeetingCsv(Buffer.alloc(MAX_CSV_BYTES + 1, 0x31))).toMatchObject({ ok: false, errors: [{ line: 0, reason: expect.stringMatching(/at most 1048576/) }] });
    expect(parseMeetingCsv(`uuid\n"${UUID_A}\n`)).toMatchObject({ ok: false, errors: [{ reason: expect.stringMatching(/not readable as CSV/) }] });
    expect(parseMeetingCsv(Buffer.from([0x75, 0x75, 0x69, 0x64, 0x0a, 0xff, 0xfe, 0x0a]))).toEqual({ ok: false, errors: [{ line: 0, reason: 'the file is not UTF-8' }] });
  });

  it('names what a single cell holds', () => {
    expect(meetingRefOf(' 812-3456-7890 ')).toEqual({ ref: '81234567890' });
    // A dash groups digits; it does not lead (a negative number is no meeting ID).
    expect(meetingRefOf('-15966625832')).toEqual({ reason: '"-15966625832" is neither a meeting ID (9 to 11 digits) nor a meeting UUID (24 characters ending in ==)' });
    expect(meetingRefOf('812 3456')).toEqual({ reason: '"812 3456" has 7 digits: a meeting ID has 9 to 11' });
    expect(meetingRefOf('')).toEqual({ reason: 'empty: a meeting ID or UUID is needed' });
  });

  it('takes meeting IDs of exactly 9 to 11 digits and UUIDs of 22 characters and ==, nothing either side', () => {
    expect(meetingRefOf('12345678')).toEqual({ reason: '"12345678" has 8 digits: a meeting ID has 9 to 11' });
    expect(meetingRefOf('123456789')).toEqual({ ref: '123456789' });
    expect(meetingRefOf('12345678901')).toEqual({ ref: '12345678901' });
    expect(meetingRefOf('123456789012')).toEqual({ reason: '"123456789012" has 12 digits: a meeting ID has 9 to 11' });
    const neither = (v: string) => ({ reason: `"${v}" is neither a meeting ID (9 to 11 digits) nor a meeting UUID (24 characters ending in ==)` });
    // Zoom's UUIDs are 16 bytes in base64: always 22 characters and its == padding.
    for (const cut of [UUID_A.slice(0, -2), `${UUID_A.slice(0, -2)}=`, `x${UUID_A}`, UUID_A.slice(1), `${UUID_A.slice(0, -3)}!==`]) expect(meetingRefOf(cut)).toEqual(neither(cut));
  });
});
