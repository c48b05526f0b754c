import { describe, expect, it } from 'vitest';
import { dateWindows, formatDateTime, timeWindows, ARCHIVE_WINDOW_MS } from '../../src/zoom/windows.js';
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

describe('timeWindows', () => {
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
