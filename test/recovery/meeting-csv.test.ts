import { describe, expect, it } from 'vitest';
import { describeCsvCounts, describeCsvErrors, MAX_CSV_BYTES, meetingRefOf, parseMeetingCsv } from '../../src/recovery/meeting-csv.js';

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

describe('a meeting CSV at its edges', () => {
  it('groups digits by any run of spaces or dashes, and takes a UUID only when nothing follows its ==', () => {
    expect(meetingRefOf('812  3456 - 7890')).toEqual({ ref: '81234567890' });
    expect(meetingRefOf(`${UUID_A}x`)).toEqual({ reason: `"${UUID_A}x" is neither a meeting ID (9 to 11 digits) nor a meeting UUID (24 characters ending in ==)` });
  });

  it('knows every header name of the meetings\' column, in any case and spelling', () => {
    for (const name of ['Meeting Number', 'ID', 'meeting', 'meeting-id', 'Meeting_UUID', 'UUID']) {
      expect(parseMeetingCsv(`topic,${name}\nWeekly,812 3456 7890\n`), name).toEqual({
        ok: true, refs: ['81234567890'], duplicates: 0, blankLines: 0, header: `topic,${name}`,
      });
    }
  });

  it('a first row that names no column is a meeting like any other (so an unknown word is a bad line, not a header)', () => {
    expect(parseMeetingCsv('topic\n123456789\n')).toEqual({
      ok: false, errors: [{ line: 1, reason: '"topic" is neither a meeting ID (9 to 11 digits) nor a meeting UUID (24 characters ending in ==)' }],
    });
    // A header name beside a meeting is data, not a header: two columns and no header.
    expect(parseMeetingCsv('id,123456789\n')).toEqual({
      ok: false, errors: [{ line: 1, reason: "2 columns and no header naming the meetings' column (meeting_id or uuid): one meeting per line, or a header" }],
    });
  });

  it('a line of spaces is blank; a row with one empty cell among others is not', () => {
    expect(parseMeetingCsv('uuid\n   \n123456789\n')).toEqual({ ok: true, refs: ['123456789'], duplicates: 0, blankLines: 1, header: 'uuid' });
    expect(parseMeetingCsv(`uuid,topic\n${UUID_A},\n`)).toEqual({ ok: true, refs: [UUID_A], duplicates: 0, blankLines: 0, header: 'uuid,topic' });
  });

  it('takes the delimiter from the first line that holds something, whatever the line endings', () => {
    const semicolons = { ok: true, refs: [UUID_A], duplicates: 0, blankLines: 1, header: 'uuid,topic' };
    // A comma inside a later line's topic must not make the file comma-separated.
    expect(parseMeetingCsv(`uuid;topic\n${UUID_A};"Board, prep"\n`)).toEqual({ ...semicolons, blankLines: 0 });
    expect(parseMeetingCsv(`\nuuid;topic\n${UUID_A};"Board, prep"\n`)).toEqual(semicolons);
    expect(parseMeetingCsv(`  \r\nuuid;topic\r\n${UUID_A};"Board, prep"\r\n`)).toEqual(semicolons);
  });

  it('counts the size in bytes: a file of exactly the limit is read, a text of fewer characters but more bytes is not', () => {
    // 104857 lines of ten bytes and six blank lines: 1048576 bytes, the limit.
    const atLimit = Buffer.from(`${'123456789\n'.repeat(104_857)}${'\n'.repeat(6)}`);
    expect(atLimit.length).toBe(MAX_CSV_BYTES);
    expect(parseMeetingCsv(atLimit)).toEqual({ ok: true, refs: ['123456789'], duplicates: 104_856, blankLines: 6, header: null });
    // 600000 characters, two bytes each in UTF-8.
    expect(parseMeetingCsv('é'.repeat(600_000))).toEqual({ ok: false, errors: [{ line: 0, reason: 'the file is 1200000 bytes; at most 1048576 are accepted' }] });
  });

  it('names the line CSV quoting broke on', () => {
    expect(parseMeetingCsv(`uuid\n${UUID_A}\n"${UUID_A}"x\n`)).toMatchObject({ ok: false, errors: [{ line: 3, reason: expect.stringMatching(/^not readable as CSV: Invalid Closing Quote/) }] });
  });

  it('describes a valid file\'s counts and a whole-file problem for its request and its .errors.txt', () => {
    const parsed = parseMeetingCsv(`meeting_id\n123456789\n\n123456789\n${UUID_A}\n`);
    expect(parsed.ok && describeCsvCounts(parsed)).toBe('2 meeting(s), 1 duplicate row(s), 1 blank line(s)');
    expect(describeCsvErrors([{ line: 0, reason: 'the file names no meeting' }, { line: 4, reason: 'x' }])).toBe('file: the file names no meeting\nline 4: x\n');
  });
});
