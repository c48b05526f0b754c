import { describe, expect, it } from 'vitest';
import { dateWindows, formatDateTime, parseDate, timeWindows, ARCHIVE_WINDOW_MS, PHONE_WINDOW_MS } from '../../src/zoom/windows.js';
import { encodeMeetingId } from '../../src/zoom/meeting-id.js';

describe('dateWindows', () => {
  it('keeps a range inside one month as one window', () => {
    expect(dateWindows('2026-03-01', '2026-03-31', { span: 'month' })).toEqual([{ from: '2026-03-01', to: '2026-03-31' }]);
  });

  it('splits at calendar months, clamped at month ends, with overlap', () => {
    expect(dateWindows('2026-01-31', '2026-04-10', { span: 'month', overlapDays: 1 })).toEqual([
      { from: '2026-01-31', to: '2026-02-27' },
      { from: '2026-02-27', to: '2026-03-26' },
      { from: '2026-03-26', to: '2026-04-10' },
    ]);
  });

  it('covers every day exactly without overlap, never longer than a month', () => {
    const windows = dateWindows('2025-01-01', '2026-12-31', { span: 'month' });
    let expectedStart = '2025-01-01';
    for (const w of windows) {
      expect(w.from).toBe(expectedStart);
      const days = (Date.parse(w.to) - Date.parse(w.from)) / 86_400_000;
      expect(days).toBeLessThanOrEqual(30);
      expectedStart = new Date(Date.parse(w.to) + 86_400_000).toISOString().slice(0, 10);
    }
    expect(windows.at(-1)?.to).toBe('2026-12-31');
  });

  it('supports day spans and rejects bad input', () => {
    expect(dateWindows('2026-01-01', '2026-01-10', { span: 7 })).toEqual([
      { from: '2026-01-01', to: '2026-01-07' },
      { from: '2026-01-08', to: '2026-01-10' },
    ]);
    expect(() => dateWindows('2026-02-30', '2026-03-01', { span: 'month' })).toThrow(RangeError);
    expect(() => dateWindows('2026-03-02', '2026-03-01', { span: 'month' })).toThrow(RangeError);
    expect(() => dateWindows('2026-01-01', '2026-03-01', { span: 1, overlapDays: 1 })).toThrow(RangeError);
  });
});

describe('parseDate and the edges of a date range', () => {
  it('takes a real yyyy-mm-dd day and refuses anything else, naming it', () => {
    expect(parseDate('2028-02-29').toISOString()).toBe('2028-02-29T00:00:00.000Z');
    // 2026-02-30 is a date JavaScript rolls over to 2026-03-02; 2026-13-01 one it cannot read at all.
    for (const bad of ['2026-02-30', '2026-13-01', '2026-1-01', '20260101', ' 2026-01-01', '2026-01-01T00:00:00Z']) {
      expect(() => parseDate(bad), bad).toThrow(new RangeError(`not a yyyy-mm-dd date: "${bad}"`));
    }
  });

  it('a single day is one window; an end before the start is refused with both dates named', () => {
    expect(dateWindows('2026-03-05', '2026-03-05', { span: 'month' })).toEqual([{ from: '2026-03-05', to: '2026-03-05' }]);
    expect(dateWindows('2026-03-05', '2026-03-05', { span: 7, overlapDays: 1 })).toEqual([{ from: '2026-03-05', to: '2026-03-05' }]);
    expect(() => dateWindows('2026-03-02', '2026-03-01', { span: 'month' })).toThrow(new RangeError('window end 2026-03-01 is before its start 2026-03-02'));
  });

  it('a window ending exactly on the range\'s last day is the last; an overlap as long as the span is refused', () => {
    expect(dateWindows('2026-01-01', '2026-01-14', { span: 7 })).toEqual([
      { from: '2026-01-01', to: '2026-01-07' },
      { from: '2026-01-08', to: '2026-01-14' },
    ]);
    expect(() => dateWindows('2026-01-01', '2026-01-20', { span: 7, overlapDays: 7 })).toThrow(new RangeError('overlap of 7 days leaves no progress'));
  });
});

describe('timeWindows', () => {
  it('an instant is one window; an end before the start and an overlap as long as the window are refused', () => {
    const at = new Date('2026-03-01T10:00:00Z');
    expect(timeWindows(at, at, { maxMs: 1000 })).toEqual([{ from: at, to: at }]);
    expect(() => timeWindows(at, new Date('2026-03-01T09:59:59Z'), { maxMs: 1000 }))
      .toThrow(new RangeError('window end 2026-03-01T09:59:59.000Z is before its start 2026-03-01T10:00:00.000Z'));
    expect(() => timeWindows(at, new Date('2026-03-01T10:00:05Z'), { maxMs: 1000, overlapMs: 1000 }))
      .toThrow(new RangeError('overlap must be shorter than the window'));
  });

  it('Zoom\'s limits: seven days for the archive list, 28 days for phone lists', () => {
    expect(ARCHIVE_WINDOW_MS).toBe(604_800_000);
    expect(PHONE_WINDOW_MS).toBe(2_419_200_000);
  });

  it('splits the archive list into ≤ 7-day windows with overlap', () => {
    const from = new Date('2026-03-01T00:00:00Z');
    const to = new Date('2026-03-20T12:00:00Z');
    const windows = timeWindows(from, to, { maxMs: ARCHIVE_WINDOW_MS, overlapMs: 3_600_000 });
    expect(windows.map((w) => [formatDateTime(w.from), formatDateTime(w.to)])).toEqual([
      ['2026-03-01T00:00:00Z', '2026-03-08T00:00:00Z'],
      ['2026-03-07T23:00:00Z', '2026-03-14T23:00:00Z'],
      ['2026-03-14T22:00:00Z', '2026-03-20T12:00:00Z'],
    ]);
    for (const w of windows) expect(w.to.getTime() - w.from.getTime()).toBeLessThanOrEqual(ARCHIVE_WINDOW_MS);
  });
});

describe('encodeMeetingId', () => {
  it('encodes a plain UUID once', () => {
    expect(encodeMeetingId('4444AAAiAAAAAiAiAiiAii==')).toBe('4444AAAiAAAAAiAiAiiAii%3D%3D');
    expect(encodeMeetingId('ab+c/d==')).toBe('ab%2Bc%2Fd%3D%3D');
    expect(encodeMeetingId(85746065432)).toBe('85746065432');
  });

  it('encodes twice a UUID that starts with / or contains //', () => {
    expect(encodeMeetingId('/ajXp112QmuoKj4854875==')).toBe('%252FajXp112QmuoKj4854875%253D%253D');
    expect(encodeMeetingId('abc//def==')).toBe('abc%252F%252Fdef%253D%253D');
  });
});
