import { setTimeout as sleep } from 'node:timers/promises';
import { createRng } from './random.js';
import type { Rng } from './random.js';

/**
 * The wire between a client and Zoom. Loopback (the default) adds nothing; `zoom-like` adds the
 * round trip of a client far from Zoom's API to every API and OAuth call and caps each download
 * at one connection's bandwidth. Delays are real time (they model the wire), never the simulated
 * clock: freezing or advancing the clock does not shorten them.
 */
export interface NetworkProfile {
  /** `loopback`, `zoom-like`, or `custom` once any field differs from the named profile. */
  name: NetworkProfileName | 'custom';
  /** Median real milliseconds added before each API and OAuth call is handled; 0 adds none. */
  latencyMedianMs: number;
  /** Spread of that latency: the standard deviation of its natural log (log-normal, median kept). */
  latencyJitter: number;
  /** Bytes per second of each download response (a file body), or null for no cap. */
  downloadBytesPerSecond: number | null;
}

export type NetworkProfileName = 'loopback' | 'zoom-like';

/** A named profile, or one with some fields changed (`profile` names the base, loopback by default). */
export type NetworkInput = NetworkProfileName | (Partial<Omit<NetworkProfile, 'name'>> & { profile?: NetworkProfileName });

const MIB = 1024 * 1024;

export const NETWORK_PROFILES: Record<NetworkProfileName, NetworkProfile> = {
  loopback: { name: 'loopback', latencyMedianMs: 0, latencyJitter: 0, downloadBytesPerSecond: null },
  // ~150 ms median round trip with a log-normal spread (p5 ≈ 85 ms, p95 ≈ 265 ms), and one
  // connection to Zoom's download host at 20 MiB/s.
  'zoom-like': { name: 'zoom-like', latencyMedianMs: 150, latencyJitter: 0.35, downloadBytesPerSecond: 20 * MIB },
};

const NETWORK_FIELDS: readonly string[] = ['latencyMedianMs', 'latencyJitter', 'downloadBytesPerSecond'];

/** Checks an input (from options, the CLI or the control API) and works out the whole profile. */
export function resolveNetworkProfile(input: NetworkInput | undefined): NetworkProfile {
  if (input === undefined) return NETWORK_PROFILES.loopback;
  const { profile = 'loopback', ...fields } = typeof input === 'string' ? { profile: input } : input;
  if (!Object.hasOwn(NETWORK_PROFILES, profile)) throw new Error(`unknown network profile '${String(profile)}'; one of ${Object.keys(NETWORK_PROFILES).join(', ')}`);
  const base = NETWORK_PROFILES[profile];
  const unknown = Object.keys(fields).filter((k) => !NETWORK_FIELDS.includes(k));
  if (unknown.length > 0) throw new Error(`unknown network field(s) ${unknown.join(', ')}; known: profile, ${NETWORK_FIELDS.join(', ')}`);
  const given = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  const resolved: NetworkProfile = { ...base, ...given };
  const { latencyMedianMs, latencyJitter, downloadBytesPerSecond } = resolved;
  if (typeof latencyMedianMs !== 'number' || !Number.isFinite(latencyMedianMs) || latencyMedianMs < 0) throw new Error(`latencyMedianMs must be a number of milliseconds >= 0, got ${String(latencyMedianMs)}`);
  if (typeof latencyJitter !== 'number' || !Number.isFinite(latencyJitter) || latencyJitter < 0) throw new Error(`latencyJitter must be a number >= 0, got ${String(latencyJitter)}`);
  if (downloadBytesPerSecond !== null && (typeof downloadBytesPerSecond !== 'number' || !Number.isFinite(downloadBytesPerSecond) || downloadBytesPerSecond <= 0)) {
    throw new Error(`downloadBytesPerSecond must be a number > 0 or null, got ${String(downloadBytesPerSecond)}`);
  }
  const same = latencyMedianMs === base.latencyMedianMs && latencyJitter === base.latencyJitter && downloadBytesPerSecond === base.downloadBytesPerSecond;
  return { ...resolved, name: same ? base.name : 'custom' };
}

/** Latencies in real milliseconds: log-normal around the profile's median, drawn from `rng`. */
export function latencySampler(profile: NetworkProfile, rng: Rng): () => number {
  return () => {
    if (profile.latencyMedianMs === 0) return 0;
    // Box-Muller; 1 - next() is in (0, 1], so the log is finite.
    const z = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
    return profile.latencyMedianMs * Math.exp(profile.latencyJitter * z);
  };
}

/** Largest piece written at once: about 1/50 s of the cap, so a slow wire does not burst a whole chunk. */
function pieceBytes(bytesPerSecond: number): number {
  return Math.min(64 * 1024, Math.max(1024, Math.floor(bytesPerSecond / 50)));
}

/**
 * Credit a wire keeps for time it stood idle: enough to make up a timer that fired late (they
 * fire late by a millisecond or more, which at 64 KiB pieces would otherwise cost a third of the
 * rate), too little for a pause (a slow producer, a `slow` fault) to turn into a burst.
 */
const IDLE_CREDIT_MS = 20;

/**
 * Paces one response's chunks to `bytesPerSecond`: a piece leaves only once the wire would have
 * carried it, so the last byte goes no sooner than size / rate after the first, less at most
 * IDLE_CREDIT_MS. Timers never fire early, so the cap holds.
 */
export class Throttle {
  private wireFreeAt = performance.now();
  private readonly piece: number;

  constructor(readonly bytesPerSecond: number) {
    this.piece = pieceBytes(bytesPerSecond);
  }

  async *pace(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      for (let at = 0; at < chunk.length; at += this.piece) {
        const part = chunk.subarray(at, at + this.piece);
        this.wireFreeAt = Math.max(this.wireFreeAt, performance.now() - IDLE_CREDIT_MS) + (part.length * 1000) / this.bytesPerSecond;
        const wait = this.wireFreeAt - performance.now();
        // setTimeout truncates fractions of a millisecond: round up, never down.
        if (wait > 0) await sleep(Math.ceil(wait));
        yield part;
      }
    }
  }
}

/** One simulator's network: the profile in force and its seeded latency dice. */
export class SimNetwork {
  private current: NetworkProfile = NETWORK_PROFILES.loopback;
  private readonly rng: Rng;
  private sample: () => number;

  constructor(seed: number) {
    this.rng = createRng('network', seed);
    this.sample = latencySampler(this.current, this.rng);
  }

  get profile(): NetworkProfile {
    return { ...this.current };
  }

  /** Takes effect for requests that arrive from now on; a download under way keeps its pace. */
  set(input: NetworkInput): NetworkProfile {
    this.current = resolveNetworkProfile(input);
    this.sample = latencySampler(this.current, this.rng);
    return this.profile;
  }

  /** Waits one latency sample (real time) before an API or OAuth call is handled. */
  async delay(): Promise<void> {
    const ms = this.sample();
    if (ms > 0) await sleep(Math.ceil(ms));
  }

  /** A pace for one download response, at the cap in force when it starts; null without a cap. */
  downloadThrottle(): Throttle | null {
    const rate = this.current.downloadBytesPerSecond;
    return rate === null ? null : new Throttle(rate);
  }
}
