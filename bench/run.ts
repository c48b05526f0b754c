import { runServerBench } from './servers.js';
import { runZoomClientBench } from './zoom-client.js';
import { runMediaStoreBench } from './media-store.js';
import { runArchiveBench, runVersusReferenceBench } from './archive.js';
import { runSimulatorBench } from './simulator.js';
import { runContainmentBench } from './containment.js';
import { runScaleBench } from './scale.js';
import { runReconcileBench } from './reconcile.js';
import type { BenchFigure } from './figures.js';

// `npm run bench [-- name...]`: runs the benchmarks (all, or those named), prints a table, then
// one JSON line per figure for machines to read.
const benches: Record<string, () => Promise<BenchFigure[]>> = {
  servers: runServerBench,
  'zoom-client': runZoomClientBench,
  'media-store': runMediaStoreBench,
  archive: runArchiveBench,
  'versus-reference': runVersusReferenceBench,
  simulator: runSimulatorBench,
  containment: runContainmentBench,
  scale: runScaleBench,
  reconcile: runReconcileBench,
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const name of wanted) if (!benches[name]) throw new Error(`unknown bench '${name}'; known: ${Object.keys(benches).join(', ')}`);

const figures: BenchFigure[] = [];
for (const [name, run] of Object.entries(benches)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.error(`[bench] running ${name}`);
  figures.push(...(await run()));
}

const rows = figures.map((f) => [f.bench, `${f.value} ${f.unit}`, f.baseline === undefined ? '' : `${f.baseline} ${f.unit}`, f.ratio === undefined ? '' : `${f.ratio}x`, f.note ?? '']);
const header = ['figure', 'value', 'baseline', 'ratio', 'note'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const row of rows) console.log(line(row));
console.log('');
for (const f of figures) {
  const { note: _note, ...json } = f;
  console.log(JSON.stringify(json));
}
process.exit(0);
