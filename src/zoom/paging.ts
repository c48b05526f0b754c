/**
 * Complete walks of Zoom's cursor-paged listings: every row exactly once, checked against
 * `total_records`, restarted from the first page when the cursor expires or stops advancing.
 */
import { ZoomBadResponseError, ZoomRequestError, isZoomError } from './errors.js';

export interface Page<T> {
  items: readonly T[];
  /** "" or undefined on the last page. */
  nextPageToken: string | undefined;
  totalRecords: number | undefined;
}

/** Fetches one page; `pageToken` is undefined for the first page of a walk. */
export type FetchPage<T> = (pageToken: string | undefined) => Promise<Page<T>>;

export interface ListingStats {
  /** Pages requested (= API calls that returned a page). */
  pages: number;
  /** Distinct rows delivered. */
  rows: number;
  /** Rows seen again (overlapping windows, re-walks, rows shifting between pages) and skipped. */
  duplicates: number;
  /** Walks started over from the first page. */
  rewalks: number;
}

export const emptyStats = (): ListingStats => ({ pages: 0, rows: 0, duplicates: 0, rewalks: 0 });

export interface WalkOptions<T> {
  tenant: string;
  endpoint: string;
  fetchPage: FetchPage<T>;
  /** Identity of a row, for exactly-once delivery. */
  keyOf: (item: T) => string;
  /** Keys already delivered (shared across the windows of one listing). */
  seen?: Set<string>;
  stats?: ListingStats;
  /** Restarts allowed before giving up (expired or stuck cursor, short count). */
  maxRewalks?: number;
}

/** Zoom quirk: a page token lives ~15 minutes; after that Zoom answers 400 code 300 "next page token invalid or expired". */
export function isExpiredPageToken(e: unknown): boolean {
  return e instanceof ZoomRequestError && e.zoomCode === 300 && /page[ _]?token/i.test(e.zoomMessage ?? '');
}

class RestartWalk extends Error {}

/** Walks a listing to its end, yielding each row once. */
export async function* walkPages<T>(options: WalkOptions<T>): AsyncGenerator<T, ListingStats, undefined> {
  const { fetchPage, keyOf, tenant, endpoint } = options;
  const seen = options.seen ?? new Set<string>();
  const stats = options.stats ?? emptyStats();
  const maxRewalks = options.maxRewalks ?? 2;
  let lastProblem = '';
  for (let walk = 0; ; walk++) {
    if (walk > 0) {
      if (walk > maxRewalks) {
        throw new ZoomBadResponseError({ tenant, endpoint, problem: `${lastProblem}; gave up after ${maxRewalks} re-walks`, retryable: true });
      }
      stats.rewalks += 1;
    }
    const keysThisWalk = new Set<string>();
    const tokensThisWalk = new Set<string>();
    let total: number | undefined;
    let token: string | undefined;
    try {
      for (;;) {
        const page = await fetchPage(token);
        stats.pages += 1;
        if (token === undefined) total = page.totalRecords;
        for (const item of page.items) {
          const key = keyOf(item);
          keysThisWalk.add(key);
          if (seen.has(key)) {
            stats.duplicates += 1;
            continue;
          }
          seen.add(key);
          stats.rows += 1;
          yield item;
        }
        const next = page.nextPageToken;
        if (!next) break;
        // Zoom quirk: a cursor that repeats would loop forever; start the walk again instead.
        if (tokensThisWalk.has(next) || next === token) throw new RestartWalk(`page token "${next.slice(0, 12)}…" did not advance`);
        tokensThisWalk.add(next);
        token = next;
      }
    } catch (e) {
      if (e instanceof RestartWalk) {
        lastProblem = e.message;
        continue;
      }
      if (isExpiredPageToken(e)) {
        lastProblem = `page token expired (${isZoomError(e) ? e.zoomMessage : ''})`;
        continue;
      }
      throw e;
    }
    // Zoom quirk: pages can drop rows when the listing shifts underneath; compare with total_records.
    if (total !== undefined && keysThisWalk.size < total) {
      lastProblem = `listed ${keysThisWalk.size} rows of total_records ${total}`;
      continue;
    }
    return stats;
  }
}

/** An async-iterable listing that also reports what it cost. */
export class Listing<T> implements AsyncIterable<T> {
  readonly stats: ListingStats = emptyStats();

  constructor(private readonly source: (stats: ListingStats) => AsyncIterable<T>) {}

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.source(this.stats)[Symbol.asyncIterator]();
  }

  async toArray(): Promise<T[]> {
    const out: T[] = [];
    for await (const item of this) out.push(item);
    return out;
  }
}
