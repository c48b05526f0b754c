import { parse } from 'csv-parse/sync';

// Support's CSV files of meetings to recover (seed 001): one meeting per row, by its numeric
// meeting ID or its instance UUID. A file is validated whole before anything happens: one bad row
// rejects the file, with every bad line named, so nothing is ever half-processed.

/** Larger than any list support keeps by hand; a bigger file is a mistake (an export of something else). */
export const MAX_CSV_BYTES = 1024 * 1024;

/** Zoom's instance UUID: 16 bytes in base64 (it may start with '/' or hold '//'). */
const UUID = /^[A-Za-z0-9+/]{22}==$/;
/** A meeting number people type: 9 to 11 digits, often grouped with spaces or dashes. */
const MEETING_ID = /^\d{9,11}$/;
/** Header names of the column that holds the meetings (case, spaces, dashes and underscores ignored). */
const REF_COLUMNS = new Set(['meetingid', 'meetingnumber', 'meetinguuid', 'uuid', 'id', 'meeting']);

export interface CsvLineError {
  /** 1-based line of the file; 0 for the file as a whole. */
  line: number;
  reason: string;
}

export type MeetingCsv =
  | {
    ok: true;
    /** Meeting IDs (digits only) and UUIDs, each once, in the file's order. */
    refs: string[];
    /** Rows that repeated an earlier meeting. */
    duplicates: number;
    blankLines: number;
    /** The header row, when the file has one. */
    header: string | null;
  }
  | { ok: false; errors: CsvLineError[] };

const headerName = (cell: string) => cell.toLowerCase().replace(/[\s_-]/g, '');

/** The meeting a cell names, normalised, or why it names none. */
export function meetingRefOf(cell: string): { ref: string } | { reason: string } {
  const value = cell.trim();
  if (value === '') return { reason: 'empty: a meeting ID or UUID is needed' };
  if (UUID.test(value)) return { ref: value };
  // Spaces and dashes group digits (812 3456 7890, 812-3456-7890); they never lead or trail.
  if (/^\d+(?:[\s-]+\d+)*$/.test(value)) {
    const digits = value.replace(/[\s-]/g, '');
    if (MEETING_ID.test(digits)) return { ref: digits };
    return { reason: `"${value}" has ${digits.length} digits: a meeting ID has 9 to 11` };
  }
  return { reason: `"${value}" is neither a meeting ID (9 to 11 digits) nor a meeting UUID (24 characters ending in ==)` };
}

/** Commas, or semicolons when the first line that holds something uses them and no comma. */
function delimiterOf(text: string): ',' | ';' {
  const first = text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  return first.includes(';') && !first.includes(',') ? ';' : ',';
}

export function parseMeetingCsv(content: Buffer | string): MeetingCsv {
  const bytes = typeof content === 'string' ? Buffer.byteLength(content) : content.length;
  if (bytes > MAX_CSV_BYTES) return { ok: false, errors: [{ line: 0, reason: `the file is ${bytes} bytes; at most ${MAX_CSV_BYTES} are accepted` }] };
  const text = typeof content === 'string' ? content : content.toString('utf8');
  if (text.includes('\uFFFD')) return { ok: false, errors: [{ line: 0, reason: 'the file is not UTF-8' }] };

  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, delimiter: delimiterOf(text.replace(/^\uFEFF/, '')), relax_column_count: true, skip_empty_lines: false, info: true }) as unknown as typeof records;
  } catch (err) {
    const line = (err as { lines?: number }).lines ?? 0;
    return { ok: false, errors: [{ line, reason: `not readable as CSV: ${(err as Error).message}` }] };
  }

  const errors: CsvLineError[] = [];
  const refs: string[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  let blankLines = 0;
  let header: string | null = null;
  let column = 0;
  let columns: number | null = null;
  for (const { record, info } of records) {
    const cells = record.map((c) => c.trim());
    if (cells.every((c) => c === '')) {
      blankLines += 1;
      continue;
    }
    if (columns === null) {
      // The first row that holds something: a header when a cell names the meetings' column.
      const named = cells.findIndex((c) => REF_COLUMNS.has(headerName(c)));
      columns = cells.length;
      if (named >= 0 && !cells.some((c) => 'ref' in meetingRefOf(c))) {
        header = record.join(',');
        column = named;
        continue;
      }
      if (cells.length > 1) {
        errors.push({ line: info.lines, reason: `${cells.length} columns and no header naming the meetings' column (meeting_id or uuid): one meeting per line, or a header` });
        continue;
      }
    }
    if (cells.length !== columns) {
      errors.push({ line: info.lines, reason: `${cells.length} columns where the file has ${columns}` });
      continue;
    }
    const found = meetingRefOf(cells[column] ?? '');
    if ('reason' in found) {
      errors.push({ line: info.lines, reason: found.reason });
      continue;
    }
    if (seen.has(found.ref)) {
      duplicates += 1;
      continue;
    }
    seen.add(found.ref);
    refs.push(found.ref);
  }
  if (errors.length > 0) return { ok: false, errors };
  if (refs.length === 0) return { ok: false, errors: [{ line: 0, reason: 'the file names no meeting' }] };
  return { ok: true, refs, duplicates, blankLines, header };
}

/** What a valid file held, for its request's reason: `3 meeting(s), 1 duplicate row(s), 1 blank line(s)`. */
export function describeCsvCounts(csv: Extract<MeetingCsv, { ok: true }>): string {
  return `${csv.refs.length} meeting(s), ${csv.duplicates} duplicate row(s), ${csv.blankLines} blank line(s)`;
}

/** The `.errors.txt` written beside a rejected file: one line per problem, by line number. */
export function describeCsvErrors(errors: readonly CsvLineError[]): string {
  return `${errors.map((e) => (e.line === 0 ? `file: ${e.reason}` : `line ${e.line}: ${e.reason}`)).join('\n')}\n`;
}
