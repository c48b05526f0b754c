import { DAY } from '../clock.js';
import { validation } from '../errors.js';

/** Strict `yyyy-mm-dd` (UTC midnight), or null when absent. */
export function dateParam(query: URLSearchParams, name: string): number | null {
  const value = query.get(name);
  if (value === null || value === '') return null;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw validation(name, `Invalid field: '${name}' must be in yyyy-mm-dd format.`);
  }
  return Date.parse(`${value}T00:00:00Z`);
}

/**
 * `yyyy-mm-dd`, `yyyy-MM-dd HH:mm:ss` or `yyyy-MM-ddTHH:mm:ssZ`, or null when absent. `dateOnly`
 * says whether a bare date was given (a bare `to` date includes that whole day).
 */
export function dateOrDateTimeParam(query: URLSearchParams, name: string): { ms: number; dateOnly: boolean } | null {
  const value = query.get(name);
  if (value === null || value === '') return null;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return { ms: Date.parse(`${value}T00:00:00Z`), dateOnly: true };
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})Z?$/.exec(value);
  const ms = m ? Date.parse(`${m[1]}T${m[2]}Z`) : NaN;
  if (Number.isNaN(ms)) throw validation(name, `Invalid field: '${name}' must be a date or date-time.`);
  return { ms, dateOnly: false };
}

export function enumParam<T extends string>(query: URLSearchParams, name: string, allowed: readonly T[], fallback: T): T {
  const value = query.get(name);
  if (value === null || value === '') return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw validation(name, `Invalid field: '${name}' must be one of ${allowed.join(', ')}.`);
  return value as T;
}

export function boolParam(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  if (value === null || value === '') return false;
  if (value !== 'true' && value !== 'false') throw validation(name, `Invalid field: '${name}' must be true or false.`);
  return value === 'true';
}

/** Same day of the next month (clamped to its last day): the widest `to` Zoom accepts for `from`. */
export function oneMonthAfter(fromMs: number): number {
  const d = new Date(fromMs);
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), lastDay));
  return target.getTime();
}

/** Zoom refuses windows wider than its limit, and `from` after `to`, with code 300. */
export function checkWindow(fromMs: number, toMs: number, maxTo: (from: number) => number, limitText: string): void {
  if (fromMs > toMs) throw validation('from', "The 'from' date must be before the 'to' date.");
  if (toMs > maxTo(fromMs)) throw validation('to', `The date range between 'from' and 'to' must not exceed ${limitText}.`);
}

export const sevenDaysAfter = (fromMs: number): number => fromMs + 7 * DAY;

/**
 * The required from/to of the dashboards and reports: dates or date-times, at most one month
 * apart, starting within the last 6 months. `to` covers the whole day when it is a bare date;
 * `fromText`/`toText` are the dates the response echoes.
 */
export function reportRange(query: URLSearchParams, nowMs: number): { from: number; to: number; fromText: string; toText: string } {
  const fromParam = dateOrDateTimeParam(query, 'from');
  const toParam = dateOrDateTimeParam(query, 'to');
  if (!fromParam) throw validation('from', "Invalid field: 'from' is required.");
  if (!toParam) throw validation('to', "Invalid field: 'to' is required.");
  checkWindow(fromParam.ms, toParam.ms, oneMonthAfter, 'one month');
  if (fromParam.ms < nowMs - 183 * DAY) throw validation('from', 'The date range must be within the last 6 months.');
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return { from: fromParam.ms, to: toParam.ms + (toParam.dateOnly ? DAY - 1000 : 0), fromText: day(fromParam.ms), toText: day(toParam.ms) };
}
