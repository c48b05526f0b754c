import { heartbeat, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { requireTenant } from '../db/queries/tenants.js';
import { CsvDropGoneError, CsvTooLargeError } from '../recovery/drop-folder.js';
import { describeCsvCounts, describeCsvErrors, MAX_CSV_BYTES, parseMeetingCsv, type CsvLineError } from '../recovery/meeting-csv.js';
import { MAX_REFS_PER_REQUEST } from '../recovery/requests.js';
import { requestIdOf, signalRecovery } from '../recovery/submit.js';
import type { ActivityDeps } from './deps.js';
import { mappingFailures } from './failures.js';

// The tenant's CSV drop folder (seed 001): each waiting file is validated whole; a bad one goes to
// rejected/ with its errors beside it, a good one becomes one recovery request, and only once the
// signal is accepted is the file moved to processed/. The request's id is derived from the file's
// name and bytes, so a crash between the signal and the move re-sends the same request, which the
// workflow files once: the file is neither lost nor submitted twice.

/** Files handled per run; the rest wait for the next (a minute later). */
const FILES_PER_RUN = 20;
/** The longest file name a disk (and an S3 gateway backed by one) takes: processed/ adds the request id to it. */
const MAX_NAME_BYTES = 255;
/** A file's error, cut so twenty of them stay a small result. */
const FILE_ERROR_CHARS = 500;

export interface CsvIntakeResult {
  submitted: { file: string; requestId: string; meetings: number }[];
  rejected: { file: string; errors: string }[];
  /** Files that could not be taken this time (the store refused a move, the signal failed): still waiting, tried again next run. */
  failed: { file: string; error: string }[];
}

/** `meetings.csv` → `meetings.<request id>.csv`: the processed file names its request. */
export const processedName = (name: string, requestId: string) => name.replace(/(\.csv)?$/i, (ext) => `.${requestId}${ext || '.csv'}`);

type Outcome = Pick<CsvIntakeResult, 'submitted' | 'rejected'>;

/** One waiting file, read and checked whole: rejected with its errors, or submitted then moved to processed/. */
async function takeDrop(deps: ActivityDeps & Required<Pick<ActivityDeps, 'dropFolder' | 'temporal'>>, tenantId: string, name: string, result: Outcome): Promise<void> {
  const { dropFolder, temporal } = deps;
  const reject = async (problems: CsvLineError[]) => {
    const errors = describeCsvErrors(problems);
    await dropFolder.reject(tenantId, name, errors);
    result.rejected.push({ file: name, errors });
  };
  let bytes: Buffer;
  try {
    bytes = await dropFolder.read(tenantId, name, MAX_CSV_BYTES);
  } catch (err) {
    // Another worker took it meanwhile.
    if (err instanceof CsvDropGoneError) return;
    if (!(err instanceof CsvTooLargeError)) throw err;
    return reject([{ line: 0, reason: `the file is ${err.size} bytes; at most ${MAX_CSV_BYTES} are accepted` }]);
  }
  const csv = parseMeetingCsv(bytes);
  if (!csv.ok) return reject(csv.errors);
  if (csv.refs.length > MAX_REFS_PER_REQUEST) return reject([{ line: 0, reason: `${csv.refs.length} meetings; at most ${MAX_REFS_PER_REQUEST} per file: split it` }]);
  const requestId = requestIdOf(tenantId, name, bytes);
  const processed = processedName(name, requestId);
  // Checked before the signal: a file that could never be moved would be submitted again every run.
  if (Buffer.byteLength(processed) > MAX_NAME_BYTES) {
    const longest = MAX_NAME_BYTES - (Buffer.byteLength(processed) - Buffer.byteLength(name));
    return reject([{ line: 0, reason: `the file name is ${Buffer.byteLength(name)} bytes; at most ${longest} are accepted (processed/ adds the request id to it): rename it` }]);
  }
  await signalRecovery(temporal, tenantId, {
    name: 'recoverMeetings',
    request: { requestId, refs: csv.refs, requestedBy: `csv:${name}`, reason: `CSV file ${name}: ${describeCsvCounts(csv)}` },
  });
  await dropFolder.moveToProcessed(tenantId, name, processed);
  result.submitted.push({ file: name, requestId, meetings: csv.refs.length });
}

export const createCsvIntakeActivities = (deps: ActivityDeps) => ({
  /**
   * Takes up to FILES_PER_RUN waiting files. One file that fails (whatever the cause) stays waiting
   * and is named in `failed`; the others are taken all the same, so one bad file never holds them.
   */
  async collectCsvDrops(input: { tenantId: string }): Promise<CsvIntakeResult> {
    return mappingFailures(async () => {
      const { dropFolder, temporal } = deps;
      if (!dropFolder || !temporal) {
        throw ApplicationFailure.nonRetryable('this worker has no CSV drop folder or Temporal client configured', 'CsvIntakeNotConfigured');
      }
      const tenant = await requireTenant(deps.db, input.tenantId);
      const result: CsvIntakeResult = { submitted: [], rejected: [], failed: [] };
      for (const drop of await dropFolder.listWaiting(tenant.id)) {
        if (result.submitted.length + result.rejected.length >= FILES_PER_RUN) break;
        heartbeat(drop.name);
        try {
          await takeDrop({ ...deps, dropFolder, temporal }, tenant.id, drop.name, result);
        } catch (err) {
          const error = (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).slice(0, FILE_ERROR_CHARS);
          log.warn('CSV file not taken; it stays waiting', { tenantId: tenant.id, file: drop.name, error });
          result.failed.push({ file: drop.name, error });
        }
      }
      return result;
    });
  },
});
