/** One measured figure; `baseline` is the same quantity for a reference measured in the same run. */
export interface BenchFigure {
  bench: string;
  value: number;
  unit: string;
  baseline?: number;
  ratio?: number;
  note?: string;
}

export function figure(bench: string, value: number, unit: string, baseline?: number, note?: string): BenchFigure {
  const rounded = (n: number) => Math.round(n * 100) / 100;
  return {
    bench,
    value: rounded(value),
    unit,
    ...(baseline !== undefined ? { baseline: rounded(baseline), ratio: baseline === 0 ? 0 : rounded(value / baseline) } : {}),
    ...(note ? { note } : {}),
  };
}

/** Samples the process's resident set size and reports the peak. */
export function trackPeakRss(intervalMs = 50): { stop(): number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, intervalMs);
  return { stop: () => { clearInterval(timer); return Math.max(peak, process.memoryUsage().rss); } };
}
