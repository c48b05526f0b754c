import { heartbeat } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { requireTenant } from '../db/queries/tenants.js';
import { CsvDropGoneError, CsvTooLargeError } from '../recovery/drop-folder.js';
import { describeCsvCounts, describeCsvErrors, MAX_CSV_BYTES, parseMeetingCsv } from '../recovery/meeting-csv.js';
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

export interface CsvIntakeResult {
  submitted: { file: string; requestId: string; meetings: number }[];
  rejected: { file: string; errors: string }[];
}

/** `meetings.csv` → `meetings.<request id>.csv`: the processed file names its request. */
export const processedName = (name: string, requestId: string) => name.replace(/(\.csv)?$/i, (ext) => `.${requestId}${ext || '.csv'}`);

export const createCsvIntakeActivities = (deps: ActivityDeps) => ({
  async collectCsvDrops(input: { tenantId: string }): Promise<CsvIntakeResult> {
    return mappingFailures(async () => {
      const { dropFolder, temporal } = deps;
      if (!dropFolder || !temporal) {
        throw ApplicationFailure.nonRetryable('this worker has no CSV drop folder or Temporal client configured', 'CsvIntakeNotConfigured');
      }
      const tenant = await requireTenant(deps.db, input.tenantId);
      const result: CsvIntakeResult = { submitted: [], rejected: [] };
      for (const drop of (await dropFolder.listWaiting(tenant.id)).slice(0, FILES_PER_RUN)) {
        heartbeat(drop.name);
        let bytes: Buffer;
        try {
          bytes = await dropFolder.read(tenant.id, drop.name, MAX_CSV_BYTES);
        } catch (err) {
          // Another worker took it meanwhile.
          if (err instanceof CsvDropGoneError) continue;
          if (!(err instanceof CsvTooLargeError)) throw err;
          const errors = describeCsvErrors([{ line: 0, reason: `the file is ${err.size} bytes; at most ${MAX_CSV_BYTES} are accepted` }]);
          await dropFolder.reject(tenant.id, drop.name, errors);
          result.rejected.push({ file: drop.name, errors });
          continue;
        }
        const csv = parseMeetingCsv(bytes);
        const problems = !csv.ok ? csv.errors
          : csv.refs.length > MAX_REFS_PER_REQUEST ? [{ line: 0, reason: `${csv.refs.length} meetings; at most ${MAX_REFS_PER_REQUEST} per file: split it` }]
          : [];
        if (!csv.ok || problems.length > 0) {
          const errors = describeCsvErrors(problems);
          await dropFolder.reject(tenant.id, drop.name, errors);
          result.rejected.push({ file: drop.name, errors });
          continue;
        }
        const requestId = requestIdOf(tenant.id, drop.name, bytes);
        await signalRecovery(temporal, tenant.id, {
          name: 'recoverMeetings',
          request: {
            requestId,
            refs: csv.refs,
            requestedBy: `csv:${drop.name}`,
            reason: `CSV file ${drop.name}: ${describeCsvCounts(csv)}`,
          },
        });
        await dropFolder.moveToProcessed(tenant.id, drop.name, processedName(drop.name, requestId));
        result.submitted.push({ file: drop.name, requestId, meetings: csv.refs.length });
      }
      return result;
    });
  },
});
