import { proxyActivities } from '@temporalio/workflow';
import type { createCsvIntakeActivities, CsvIntakeResult } from '../activities/csv-intake.js';
import { apiCallOptions } from './retry-policies.js';

const { collectCsvDrops } = proxyActivities<ReturnType<typeof createCsvIntakeActivities>>({
  ...apiCallOptions,
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { ...apiCallOptions.retry, nonRetryableErrorTypes: ['UnknownTenantError', 'CsvIntakeNotConfigured'] },
});

export interface CsvIntakeInput {
  tenantId: string;
}

/**
 * One look at the tenant's CSV drop folder (schedule `csv:<tenant>`, every minute by default):
 * valid files become recovery requests, bad ones are rejected with their errors. The work is one
 * activity: each file's signal and move must happen together, and they are idempotent together.
 */
export async function csvIntake(input: CsvIntakeInput): Promise<CsvIntakeResult> {
  return collectCsvDrops({ tenantId: input.tenantId });
}
