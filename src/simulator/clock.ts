/**
 * The simulated clock: real time plus an offset that control calls move, so a test can jump to
 * 23:59:59 UTC and watch daily quotas reset without waiting.
 */
export class SimClock {
  private offsetMs: number;

  constructor(start?: Date | string) {
    this.offsetMs = start === undefined ? 0 : new Date(start).getTime() - Date.now();
  }

  nowMs(): number {
    return Date.now() + this.offsetMs;
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  set(iso: Date | string): void {
    const target = new Date(iso).getTime();
    if (Number.isNaN(target)) throw new Error(`invalid clock value: ${String(iso)}`);
    this.offsetMs = target - Date.now();
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
