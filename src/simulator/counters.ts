import type { Category } from './rate-limits.js';

export interface CounterSnapshot {
  /** Calls per `METHOD /route/{template}` (Zoom paths without /v2). */
  endpoints: Record<string, number>;
  /** Calls per rate-limit category. */
  categories: Record<string, number>;
  /** Calls per account id, and per account id and endpoint. */
  tenants: Record<string, number>;
  tenantEndpoints: Record<string, Record<string, number>>;
  /** 429s sent, by X-RateLimit-Type. */
  rateLimited: { QPS: number; 'Daily-limit': number; total: number };
  downloads: { requests: number; bytes: number };
  tokensIssued: number;
  faults: Record<string, number>;
}

function bump(map: Record<string, number>, key: string, by = 1): void {
  map[key] = (map[key] ?? 0) + by;
}

export class Counters {
  private data = Counters.empty();

  static empty(): CounterSnapshot {
    return {
      endpoints: {}, categories: {}, tenants: {}, tenantEndpoints: {},
      rateLimited: { QPS: 0, 'Daily-limit': 0, total: 0 },
      downloads: { requests: 0, bytes: 0 }, tokensIssued: 0, faults: {},
    };
  }

  call(endpoint: string, category: Category | null, accountId: string | null): void {
    bump(this.data.endpoints, endpoint);
    if (category) bump(this.data.categories, category);
    if (accountId) {
      bump(this.data.tenants, accountId);
      bump((this.data.tenantEndpoints[accountId] ??= {}), endpoint);
    }
  }

  rateLimited(type: 'QPS' | 'Daily-limit'): void {
    this.data.rateLimited[type]++;
    this.data.rateLimited.total++;
  }

  download(bytes: number): void {
    this.data.downloads.requests++;
    this.data.downloads.bytes += bytes;
  }

  tokenIssued(): void {
    this.data.tokensIssued++;
  }

  fault(name: string): void {
    bump(this.data.faults, name);
  }

  snapshot(): CounterSnapshot {
    return structuredClone(this.data);
  }

  reset(): void {
    this.data = Counters.empty();
  }
}
