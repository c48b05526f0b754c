import { Readable } from 'node:stream';
import type { SimTenant } from '../model.js';
import type { ApiFamily, Category } from '../rate-limits.js';
import type { SimState } from '../state.js';

export interface ApiContext {
  state: SimState;
  tenant: SimTenant;
  /** Path parameters decoded once. */
  params: Record<string, string>;
  /** Path parameters as they arrived (still percent-encoded), for the UUID double-encoding rule. */
  rawParams: Record<string, string>;
  query: URLSearchParams;
  nowMs: number;
  body: unknown;
  method: string;
}

export interface StreamBody {
  length: number;
  /** Bytes [start, endExclusive) of the body. */
  open(start: number, endExclusive: number): Readable;
}

export function bufferBody(buffer: Buffer): StreamBody {
  // Readable.from iterates a bare Buffer byte by byte; an array emits each slice whole.
  return { length: buffer.length, open: (start, end) => Readable.from([buffer.subarray(start, end)]) };
}

export interface ApiResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  stream?: StreamBody;
  /** Pace the stream over this many real milliseconds (a file's `slow` fault). */
  paceMs?: number | null;
}

export interface ApiRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Zoom's path template without /v2, e.g. `/users/{userId}/recordings`. */
  template: string;
  family: ApiFamily;
  category: Category;
  /** Legacy `?access_token=` accepted (phone recording downloads only). */
  allowQueryToken?: boolean;
  handler(ctx: ApiContext): ApiResult | Promise<ApiResult>;
}

export const ok = (body: unknown): ApiResult => ({ status: 200, body });
export const noContent = (): ApiResult => ({ status: 204 });
