import { createHmac, randomBytes } from 'node:crypto';
import { badPageToken, validation } from './errors.js';

/** Zoom quirk: a next_page_token lives 15 minutes. */
export const PAGE_TOKEN_TTL_MS = 15 * 60_000;

interface TokenBody {
  /** The request it continues (path, account and every query parameter but the paging ones). */
  q: string;
  o: number;
  e: number;
}

/**
 * Stateless page tokens: the offset and expiry signed with a per-process key, so a listing can be
 * walked without the simulator keeping cursors, and a token for another query is refused.
 */
export class PageTokens {
  private readonly key = randomBytes(32);

  issue(query: string, offset: number, nowMs: number): string {
    const body = Buffer.from(JSON.stringify({ q: fingerprint(query), o: offset, e: nowMs + PAGE_TOKEN_TTL_MS } satisfies TokenBody)).toString('base64url');
    return `${body}.${this.sign(body)}`;
  }

  /** Offset the token resumes at; throws Zoom's 400/300 for a forged, foreign or expired token. */
  resume(token: string, query: string, nowMs: number): number {
    const [body, mac] = token.split('.');
    if (!body || !mac || mac !== this.sign(body)) throw badPageToken();
    const parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TokenBody;
    if (parsed.q !== fingerprint(query) || parsed.e < nowMs) throw badPageToken();
    return parsed.o;
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url').slice(0, 16);
  }
}

function fingerprint(query: string): string {
  return createHmac('sha256', 'q').update(query).digest('base64url').slice(0, 16);
}

export interface PageRequest {
  pageSize: number;
  offset: number;
  query: string;
}

/** Reads page_size (default 30, max `max`) and next_page_token of a listing request. */
export function readPaging(
  tokens: PageTokens, path: string, accountId: string, params: URLSearchParams, nowMs: number,
  limits: { defaultSize?: number; max?: number } = {},
): PageRequest {
  const max = limits.max ?? 300;
  const raw = params.get('page_size');
  let pageSize = limits.defaultSize ?? 30;
  if (raw !== null && raw !== '') {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw validation('page_size', `Invalid field.`);
    // Zoom clamps an oversized page_size to the maximum rather than refusing it.
    pageSize = Math.min(n, max);
  }
  const rest = [...params.entries()].filter(([k]) => k !== 'next_page_token' && k !== 'page_size').sort(([a], [b]) => a.localeCompare(b));
  const query = `${accountId} ${path} ${new URLSearchParams(rest).toString()}`;
  const token = params.get('next_page_token');
  const offset = token ? tokens.resume(token, query, nowMs) : 0;
  return { pageSize, offset, query };
}

export interface Page<T> {
  items: T[];
  page_count: number;
  page_size: number;
  total_records: number;
  next_page_token: string;
}

export function paginate<T>(tokens: PageTokens, all: readonly T[], request: PageRequest, nowMs: number): Page<T> {
  const items = all.slice(request.offset, request.offset + request.pageSize);
  const end = request.offset + items.length;
  return {
    items,
    page_count: Math.ceil(all.length / request.pageSize),
    page_size: request.pageSize,
    total_records: all.length,
    // Zoom quirk: the last page carries next_page_token "" (empty string), not null or absent.
    next_page_token: end < all.length ? tokens.issue(request.query, end, nowMs) : '',
  };
}
