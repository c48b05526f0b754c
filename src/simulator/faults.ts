import { createRng } from './random.js';
import type { Rng } from './random.js';

/** Probability in [0, 1] of each fault per eligible request. */
export interface FaultRates {
  /** 500/502/503/504 instead of the answer. */
  serverError: number;
  /** Headers and part of the body, then a TCP reset. */
  connectionReset: number;
  /** Content-Length promises the whole body; the connection closes cleanly halfway. */
  truncatedBody: number;
  /** The body trickles out with pauses (slowBodyDelayMs in total). */
  slowBody: number;
  /** The bearer token is revoked before it expires: 401/124 now and for the rest of its life. */
  tokenRevoked: number;
  /** A valid next_page_token is refused as expired. */
  pageTokenExpired: number;
  /** A per-second 429 although the limit is not reached. */
  rateLimitStorm: number;
}

export interface FaultConfig extends FaultRates {
  slowBodyDelayMs: number;
  /** Which requests faults may hit. */
  targets: 'all' | 'api' | 'downloads';
}

export type FaultName = keyof FaultRates;

export const NO_FAULTS: FaultConfig = {
  serverError: 0, connectionReset: 0, truncatedBody: 0, slowBody: 0, tokenRevoked: 0,
  pageTokenExpired: 0, rateLimitStorm: 0, slowBodyDelayMs: 2000, targets: 'all',
};

/** Seeded dice for faults, so a failing run can be replayed with the same seed. */
export class FaultInjector {
  config: FaultConfig = { ...NO_FAULTS };
  private readonly rng: Rng;

  constructor(seed: number) {
    this.rng = createRng('faults', seed);
  }

  set(update: Partial<FaultConfig>): FaultConfig {
    this.config = { ...this.config, ...update };
    return this.config;
  }

  roll(fault: FaultName, target: 'api' | 'downloads'): boolean {
    const rate = this.config[fault];
    if (rate <= 0) return false;
    if (this.config.targets !== 'all' && this.config.targets !== target) return false;
    return this.rng.next() < rate;
  }
}
