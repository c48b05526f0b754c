import { describe, expect, it } from 'vitest';
import { ZoomBadResponseError, ZoomRequestError, ZoomServerError } from '../../src/zoom/errors.js';
import { Listing, walkPages, type Page } from '../../src/zoom/paging.js';

const rows = Array.from({ length: 95 }, (_, i) => ({ id: `r${i}` }));
const ctx = { tenant: 't1', endpoint: 'GET /x' };
const expired = () => new ZoomRequestError({ ...ctx, httpStatus: 400, zoomCode: 300, zoomMessage: 'The next page token is either invalid or expired.' });

/** A listing of `rows` in pages of 10; `hook` may replace a page or throw. */
function pager(hook: (call: number, offset: number) => Page<{ id: string }> | Error | undefined = () => undefined) {
  let calls = 0;
  const fetchPage = async (token: string | undefined): Promise<Page<{ id: string }>> => {
    calls += 1;
    const offset = token === undefined ? 0 : Number(token.slice(1));
    const override = hook(calls, offset);
    if (override instanceof Error) throw override;
    if (override) return override;
    const end = offset + 10;
    return { items: rows.slice(offset, end), nextPageToken: end < rows.length ? `o${end}` : '', totalRecords: rows.length };
  };
  return { fetchPage, calls: () => calls };
}

const collect = (fetchPage: (t: string | undefined) => Promise<Page<{ id: string }>>) =>
  new Listing((stats) => walkPages({ ...ctx, fetchPage, keyOf: (r) => r.id, stats }));

describe('walkPages', () => {
  it('delivers every row once in one walk', async () => {
    const p = pager();
    const listing = collect(p.fetchPage);
    const got = await listing.toArray();
    expect(got.map((r) => r.id)).toEqual(rows.map((r) => r.id));
    expect(listing.stats).toEqual({ pages: 10, rows: 95, duplicates: 0, rewalks: 0 });
  });

  it('re-walks a listing whose page token expired, without delivering a row twice', async () => {
    const p = pager((call) => (call === 5 ? expired() : undefined));
    const listing = collect(p.fetchPage);
    const got = await listing.toArray();
    expect(new Set(got.map((r) => r.id)).size).toBe(95);
    expect(got).toHaveLength(95);
    expect(listing.stats.rewalks).toBe(1);
    expect(listing.stats.duplicates).toBe(40);
  });

  it('notices a token that does not advance and starts over', async () => {
    const p = pager((call, offset) => (call === 3 ? { items: rows.slice(offset, offset + 10), nextPageToken: `o${offset}`, totalRecords: 95 } : undefined));
    const listing = collect(p.fetchPage);
    expect(await listing.toArray()).toHaveLength(95);
    expect(listing.stats.rewalks).toBe(1);
  });

  it('re-walks when rows fall short of total_records, then gives up with a retryable error', async () => {
    // Page 3 loses a row once: the second walk finds it.
    const once = pager((call, offset) => (call === 3 ? { items: rows.slice(offset + 1, offset + 10), nextPageToken: `o${offset + 10}`, totalRecords: 95 } : undefined));
    const listing = collect(once.fetchPage);
    expect(await listing.toArray()).toHaveLength(95);
    expect(listing.stats.rewalks).toBe(1);

    const always = pager((_call, offset) => (offset === 20 ? { items: rows.slice(21, 30), nextPageToken: 'o30', totalRecords: 95 } : undefined));
    const err = await collect(always.fetchPage).toArray().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZoomBadResponseError);
    expect((err as ZoomBadResponseError).retryable).toBe(true);
    expect((err as ZoomBadResponseError).message).toMatch(/listed 94 rows of total_records 95.*GET \/x|GET \/x.*listed 94 rows of total_records 95/);
  });

  it('passes other errors through untouched', async () => {
    const boom = new ZoomServerError({ ...ctx, httpStatus: 503 });
    const p = pager((call) => (call === 2 ? boom : undefined));
    await expect(collect(p.fetchPage).toArray()).rejects.toBe(boom);
  });

  it('dedupes across windows through a shared seen set', async () => {
    const seen = new Set<string>();
    const a = pager();
    const first = walkPages({ ...ctx, fetchPage: a.fetchPage, keyOf: (r) => r.id, seen });
    let n = 0;
    for await (const _ of first) n++;
    const again = walkPages({ ...ctx, fetchPage: pager().fetchPage, keyOf: (r) => r.id, seen });
    for await (const _ of again) n++;
    expect(n).toBe(95);
  });
});
