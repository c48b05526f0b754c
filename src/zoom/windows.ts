/**
 * Splits a date range into the query windows Zoom accepts (cloud recordings and dashboards: one
 * month; archive files: seven days), optionally overlapping where Zoom's boundaries are vague.
 */

export interface DateWindow {
  /** yyyy-mm-dd, inclusive. */
  from: string;
  /** yyyy-mm-dd, inclusive. */
  to: string;
}

export interface TimeWindow {
  from: Date;
  to: Date;
}

const DAY_MS = 86_400_000;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

export const formatDate = (d: Date): string => d.toISOString().slice(0, 10);
/** Zoom's date-time query format: no fractional seconds, `Z`. */
export const formatDateTime = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function parseDate(s: string): Date {
  const d = new Date(`${s}T00:00:00Z`);
  if (!DATE_RE.test(s) || Number.isNaN(d.getTime()) || formatDate(d) !== s) throw new RangeError(`not a yyyy-mm-dd date: "${s}"`);
  return d;
}

/** Same day of the next month, clamped to the month's last day (Jan 31 → Feb 28/29). */
function addOneMonth(d: Date): Date {
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + 1;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, m, Math.min(d.getUTCDate(), lastDay)));
}

export interface DateWindowOptions {
  /** Window length: `'month'` (the day before the same date next month) or a number of days. */
  span: 'month' | number;
  /** Days each window repeats of the previous one (Zoom does not say which timestamp `from`/`to` filter). */
  overlapDays?: number;
}

/** Inclusive yyyy-mm-dd windows covering `from`..`to`. */
export function dateWindows(from: string, to: string, options: DateWindowOptions): DateWindow[] {
  const start = parseDate(from);
  const end = parseDate(to);
  if (end < start) throw new RangeError(`window end ${to} is before its start ${from}`);
  const overlap = options.overlapDays ?? 0;
  const out: DateWindow[] = [];
  let cursor = start;
  for (;;) {
    // Zoom quirk: "at most one month" — end the window the day before the same date next month.
    const limit = options.span === 'month' ? new Date(addOneMonth(cursor).getTime() - DAY_MS) : new Date(cursor.getTime() + (options.span - 1) * DAY_MS);
    const windowEnd = limit < end ? limit : end;
    out.push({ from: formatDate(cursor), to: formatDate(windowEnd) });
    if (windowEnd >= end) return out;
    const next = new Date(windowEnd.getTime() + DAY_MS - overlap * DAY_MS);
    if (next <= cursor) throw new RangeError(`overlap of ${overlap} days leaves no progress`);
    cursor = next;
  }
}

export interface TimeWindowOptions {
  maxMs: number;
  overlapMs?: number;
}

/** Date-time windows no longer than `maxMs` covering `from`..`to`. */
export function timeWindows(from: Date, to: Date, options: TimeWindowOptions): TimeWindow[] {
  if (to < from) throw new RangeError(`window end ${to.toISOString()} is before its start ${from.toISOString()}`);
  const overlap = options.overlapMs ?? 0;
  if (overlap >= options.maxMs) throw new RangeError('overlap must be shorter than the window');
  const out: TimeWindow[] = [];
  let cursor = from.getTime();
  for (;;) {
    const windowEnd = Math.min(cursor + options.maxMs, to.getTime());
    out.push({ from: new Date(cursor), to: new Date(windowEnd) });
    if (windowEnd >= to.getTime()) return out;
    cursor = windowEnd - overlap;
  }
}

/** The archive list accepts at most seven days between `from` and `to` (REFERENCE §3.2). */
export const ARCHIVE_WINDOW_MS = 7 * DAY_MS;

/**
 * Zoom Phone lists accept "at most one month" between `from` and `to`; 28 days is within any
 * month, so a window never depends on which month it starts in.
 */
export const PHONE_WINDOW_MS = 28 * DAY_MS;
