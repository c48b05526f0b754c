/**
 * The simulated clock: real time plus an offset that control calls move, so a test can jump to
 * 23:59:59 UTC and watch daily quotas reset without waiting. A frozen clock ignores real time
 * and moves only through `set` and `advance`.
 */
export class SimClock {
  private offsetMs: number;
  private readonly createdRealMs = Date.now();

  constructor(start?: Date | string, readonly frozen = false) {
    const startMs = start === undefined ? this.createdRealMs : new Date(start).getTime();
    if (Number.isNaN(startMs)) throw new Error(`invalid clock value: ${String(start)}`);
    this.offsetMs = startMs - this.base();
  }

  /** The part that moves by itself: real time, or nothing when frozen. */
  private base(): number {
    return this.frozen ? 0 : Date.now();
  }

  nowMs(): number {
    return this.base() + this.offsetMs;
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  /**
   * The simulated time as if the clock were not frozen: it moves with real time and with every
   * set/advance. Per-second rate-limit windows use it, so they still roll under a frozen clock.
   */
  runningMs(): number {
    return this.frozen ? this.offsetMs + (Date.now() - this.createdRealMs) : this.nowMs();
  }

  set(iso: Date | string): void {
    const target = new Date(iso).getTime();
    if (Number.isNaN(target)) throw new Error(`invalid clock value: ${String(iso)}`);
    this.offsetMs = target - this.base();
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

/** Zoom prints timestamps as ISO-8601 UTC without fractional seconds: 2021-03-18T05:41:36Z. */
export function zoomTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function zoomDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY) * DAY;
}
