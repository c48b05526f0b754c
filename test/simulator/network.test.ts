import { createHash } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../src/simulator/index.js';
import { latencySampler, resolveNetworkProfile } from '../../src/simulator/network.js';
import type { NetworkProfile } from '../../src/simulator/network.js';
import { createRng } from '../../src/simulator/random.js';
import { api, getToken, simControl, startTestSimulator } from './helpers.js';

// The network profile (docs/simulator.md, "Network"). Speed is bench/'s business: here only what
// can be checked honestly — the profile the control API reports, the latency distribution drawn
// from seeded dice (pure, no clock), the exact bytes of a throttled download, and lower bounds
// behind timers, which never fire early.

const MiB = 1024 * 1024;
/** The zoom-like wire: ~150 ms median API latency with jitter, 20 MiB/s per download. */
const ZOOM_LIKE = { name: 'zoom-like', latencyMedianMs: 150, latencyJitter: 0.35, downloadBytesPerSecond: 20 * MiB };
const LOOPBACK = { name: 'loopback', latencyMedianMs: 0, latencyJitter: 0, downloadBytesPerSecond: null };
const quiet = { users: 1, inactiveUsers: 0, days: 0, phoneCallsPerDay: 0 };

function quantile(sorted: number[], q: number): number {
  return sorted[Math.round(q * (sorted.length - 1))]!;
}

describe('latency sampler (pure, seeded)', () => {
  const draw = (profile: NetworkProfile, seed: number, n: number): number[] => {
    const sample = latencySampler(profile, createRng('network-test', seed));
    return Array.from({ length: n }, sample);
  };

  it('draws the zoom-like latencies around a 150 ms median with the configured spread', () => {
    const samples = draw(resolveNetworkProfile('zoom-like'), 1, 10_001).sort((a, b) => a - b);
    // Sample median of 10,001 log-normal draws: standard error = median * sigma * sqrt(pi/2) / sqrt(n)
    // = 150 * 0.35 * 1.2533 / 100 ≈ 0.66 ms; 3% (4.5 ms) is about 7 standard errors.
    expect(Math.abs(quantile(samples, 0.5) - 150)).toBeLessThan(150 * 0.03);
    // Log-normal quartiles: p75 / p25 = exp(2 * 0.6745 * sigma) = 1.604 for sigma 0.35; the ratio of
    // two sample quartiles of 10,001 draws is within 5% of it by a wide margin.
    const spread = quantile(samples, 0.75) / quantile(samples, 0.25);
    expect(Math.abs(spread - Math.exp(2 * 0.6745 * 0.35)) / Math.exp(2 * 0.6745 * 0.35)).toBeLessThan(0.05);
    expect(samples[0]!).toBeGreaterThan(0);
  });

  it('is a function of the seed: the same seed gives the same latencies, another seed others', () => {
    const zoomLike = resolveNetworkProfile('zoom-like');
    expect(draw(zoomLike, 7, 50)).toEqual(draw(zoomLike, 7, 50));
    expect(draw(zoomLike, 8, 50)).not.toEqual(draw(zoomLike, 7, 50));
  });

  it('adds nothing on loopback, and exactly the median with no jitter', () => {
    expect(new Set(draw(resolveNetworkProfile('loopback'), 1, 100))).toEqual(new Set([0]));
    expect(new Set(draw(resolveNetworkProfile({ latencyMedianMs: 40 }), 1, 100))).toEqual(new Set([40]));
  });
});

describe('network profile resolution', () => {
  it('names the two profiles, calls any change custom, and refuses what is not a profile', () => {
    expect(resolveNetworkProfile(undefined)).toEqual(LOOPBACK);
    expect(resolveNetworkProfile('zoom-like')).toEqual(ZOOM_LIKE);
    expect(resolveNetworkProfile({ profile: 'zoom-like', latencyMedianMs: 150 })).toEqual(ZOOM_LIKE);
    expect(resolveNetworkProfile({ profile: 'zoom-like', downloadBytesPerSecond: null })).toEqual({ ...ZOOM_LIKE, name: 'custom', downloadBytesPerSecond: null });
    expect(() => resolveNetworkProfile('dial-up' as 'loopback')).toThrow(/unknown network profile 'dial-up'/);
    expect(() => resolveNetworkProfile({ latencyMedianMs: -1 })).toThrow(/latencyMedianMs/);
    expect(() => resolveNetworkProfile({ downloadBytesPerSecond: 0 })).toThrow(/downloadBytesPerSecond/);
    expect(() => resolveNetworkProfile({ bandwidth: 5 } as never)).toThrow(/unknown network field\(s\) bandwidth/);
  });
});

describe('network profile over the control API', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startTestSimulator({ freezeClock: true, network: 'zoom-like', tenants: [quiet] });
  });
  afterAll(async () => sim.close());

  it('reports the profile it was started with, switches it and refuses a bad one', async () => {
    expect(await simControl(sim, 'GET', '/network')).toEqual(ZOOM_LIKE);
    expect(await sim.control.getNetwork()).toEqual(ZOOM_LIKE);
    expect(await simControl(sim, 'PUT', '/network', { profile: 'loopback' })).toEqual(LOOPBACK);
    expect(await simControl(sim, 'GET', '/network')).toEqual(LOOPBACK);
    expect(await simControl(sim, 'PUT', '/network', { latencyMedianMs: 80, downloadBytesPerSecond: MiB })).toEqual({ name: 'custom', latencyMedianMs: 80, latencyJitter: 0, downloadBytesPerSecond: MiB });
    const refused = await simControl<{ error: string }>(sim, 'PUT', '/network', { profile: 'dial-up' }, 400);
    expect(refused.error).toMatch(/unknown network profile 'dial-up'/);
    expect(await simControl(sim, 'GET', '/network')).toEqual({ name: 'custom', latencyMedianMs: 80, latencyJitter: 0, downloadBytesPerSecond: MiB });
  });

  it('is loopback unless told otherwise', async () => {
    const plain = await startTestSimulator({ freezeClock: true, tenants: [quiet] });
    try {
      expect(await simControl(plain, 'GET', '/network')).toEqual(LOOPBACK);
    } finally {
      await plain.close();
    }
  });
});

describe('network profile on the wire', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startTestSimulator({ freezeClock: true, tenants: [quiet] });
  });
  afterAll(async () => sim.close());

  async function download(url: string, token: string, range?: string): Promise<{ status: number; bytes: number; sha256: string; ms: number }> {
    const started = performance.now();
    const res = await request(url, { headers: { authorization: `Bearer ${token}`, ...(range ? { range } : {}) } });
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of res.body) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    return { status: res.statusCode, bytes, sha256: hash.digest('hex'), ms: performance.now() - started };
  }

  it('a download capped at 1 MiB/s delivers exactly the file, and 2 MiB of it take at least 1.5 s', async () => {
    const t = sim.tenants[0]!;
    const size = 2 * MiB + 4321;
    const meeting = await sim.control.addMeeting(t.accountId, {
      start_time: '2026-03-09T10:00:00Z', durationMinutes: 30, participants: 0, archive: false,
      files: [{ file_type: 'MP4', file_size: size }],
    });
    const file = meeting.files[0]!;
    const token = await getToken(t);
    await sim.control.setNetwork({ downloadBytesPerSecond: MiB });
    try {
      const whole = await download(file.download_url, token);
      expect(whole.status).toBe(200);
      expect(whole.bytes).toBe(size);
      expect(whole.sha256).toBe(file.sha256);
      // Lower bound only: the pieces wait on timers that never fire early, so 2 MiB at 1 MiB/s
      // cannot arrive in under 2 s less the wire's idle credit (20 ms) and the first piece (20 KiB,
      // 20 ms); 1.5 s leaves room for rounding.
      expect(whole.ms).toBeGreaterThanOrEqual(1500);

      // A range is paced too, and is exactly that slice of the file's bytes.
      const tail = await download(file.download_url, token, `bytes=${size - 300_000}-`);
      expect(tail.status).toBe(206);
      expect(tail.bytes).toBe(300_000);
      const loopback = await sim.control.setNetwork('loopback');
      expect(loopback.downloadBytesPerSecond).toBeNull();
      const slice = await request(file.download_url, { headers: { authorization: `Bearer ${token}` } });
      const all = Buffer.from(await slice.body.arrayBuffer());
      expect(tail.sha256).toBe(createHash('sha256').update(all.subarray(size - 300_000)).digest('hex'));
      expect(createHash('sha256').update(all).digest('hex')).toBe(file.sha256);
    } finally {
      await sim.control.setNetwork('loopback');
    }
  });

  it('delays API and OAuth calls by the latency in real time, even on a frozen clock; not the control API, not downloads', async () => {
    const t = sim.tenants[0]!;
    const meeting = await sim.control.addMeeting(t.accountId, {
      start_time: '2026-03-09T12:00:00Z', durationMinutes: 30, participants: 0, archive: false,
      files: [{ file_type: 'CHAT', file_size: 2048 }],
    });
    const tokenBefore = await getToken(t);
    const simulatedBefore = await sim.control.now();
    // No jitter: every API and OAuth call waits exactly 2 s of real time first.
    await sim.control.setNetwork({ latencyMedianMs: 2000, latencyJitter: 0 });
    try {
      const timed = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
        const started = performance.now();
        const result = await fn();
        return [result, performance.now() - started];
      };
      const [token, tokenMs] = await timed(() => getToken(t));
      const [users, apiMs] = await timed(() => api(t, token, '/users'));
      expect(users.status).toBe(200);
      // Lower bounds behind a 2,000 ms timer (timers never fire early; 2 ms for rounding).
      expect(tokenMs).toBeGreaterThanOrEqual(2000 - 2);
      expect(apiMs).toBeGreaterThanOrEqual(2000 - 2);
      // The wire is real time: the frozen simulated clock did not move.
      expect(await sim.control.now()).toBe(simulatedBefore);

      // Upper bounds far from both sides: these take milliseconds without latency and would take
      // 2,000 ms with it; 1,000 ms leaves a loaded machine half a second of slack either way.
      const [, controlMs] = await timed(() => simControl(sim, 'GET', '/clock'));
      expect(controlMs).toBeLessThan(1000);
      const chat = await download(meeting.files[0]!.download_url, tokenBefore);
      expect(chat.sha256).toBe(meeting.files[0]!.sha256);
      expect(chat.ms).toBeLessThan(1000);
    } finally {
      await sim.control.setNetwork('loopback');
    }
  });
});
