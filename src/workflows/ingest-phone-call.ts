import { ActivityFailure, proxyActivities, proxyLocalActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { createPhoneCallActivities } from '../activities/phone-call.js';
import type { IngestPhoneCallInput, IngestPhoneCallResult } from '../ingest/types.js';
import { checkTenant, handOff, invalidInput, requireObject, requireTenantId, type HandOff } from './console.js';
import { phoneCallWorkflowId } from './ids.js';
import { callStartOptions } from './start-options.js';
import { archiveFiles, failureMessage, SMALL_FILES_PER_ACTIVITY } from './archive-files.js';
import { apiCallOptions, databaseOptions, localDatabaseOptions } from './retry-policies.js';

type PhoneCallActivities = ReturnType<typeof createPhoneCallActivities>;

const { preparePhoneCall } = proxyActivities<PhoneCallActivities>(apiCallOptions);
const { recordCallFailure } = proxyActivities<PhoneCallActivities>(databaseOptions);
const { writePhoneCdrs } = proxyLocalActivities<PhoneCallActivities>(localDatabaseOptions);

/**
 * Archives one Zoom Phone call: every recording of it made by a configured user (each leg's MP3,
 * unaltered, verified by SHA-256 and Zoom's length), and one CDR per such user. Runs under
 * `phone:<tenant>:<call id>`, so the schedule and the phone.recording_completed webhook can both
 * ask for the same call and it is archived once; a later run (a late leg) only fetches what is new.
 */
export async function ingestPhoneCall(input: IngestPhoneCallInput | ArchiveCallRequest): Promise<IngestPhoneCallResult | HandOff> {
  requireObject(input, '{"tenantId":"acme","callId":"…"}');
  const ownId = workflowInfo().workflowId;
  if (input.trigger === undefined) {
    // By hand from the Temporal UI: `{ tenantId, callId }`, checked in the first task.
    const tenantId = requireTenantId(input);
    if (typeof input.callId !== 'string' || input.callId.trim() === '' || input.callId.length > 200) throw invalidInput(`"callId" must be a Zoom Phone call id, got ${JSON.stringify(input.callId)}`);
    const { call: listed } = await checkTenant(tenantId, 'phone', input.callId);
    const call: IngestPhoneCallInput = { tenantId, callId: input.callId, trigger: 'console' };
    if (ownId === phoneCallWorkflowId(tenantId, call.callId)) {
      // Started by hand under its canonical ID: findable like the schedule's (ZoomTenant, ZoomCallId).
      upsertSearchAttributes(callStartOptions(call).typedSearchAttributes);
      return archiveCall(call);
    }
    return { handedTo: [await handOff<typeof ingestPhoneCall>('ingestPhoneCall', { ...callStartOptions(call, listed), args: [call] })] };
  }
  // Under another ID, the canonical workflow does the work.
  if (ownId !== phoneCallWorkflowId(input.tenantId, input.callId)) {
    return { handedTo: [await handOff<typeof ingestPhoneCall>('ingestPhoneCall', { ...callStartOptions(input), args: [input] })] };
  }
  return archiveCall(input);
}

/** What an engineer types to archive a call from the Temporal UI. */
export interface ArchiveCallRequest {
  tenantId: string;
  callId: string;
  trigger?: undefined;
}

async function archiveCall(input: IngestPhoneCallInput): Promise<IngestPhoneCallResult> {
  const result: IngestPhoneCallResult = { stored: 0, alreadyStored: 0, processing: 0, failed: 0, bytes: 0, cdrs: 0 };
  let plan: Awaited<ReturnType<typeof preparePhoneCall>>;
  try {
    plan = await preparePhoneCall(input);
  } catch (err) {
    // Zoom answered errors past every retry: the waiting recordings become visible failures.
    if (!(err instanceof ActivityFailure)) throw err;
    result.failed = await recordCallFailure({ tenantId: input.tenantId, callId: input.callId, error: failureMessage(err) });
    return result;
  }
  if (plan.recordedUserCount === 0) return result;
  result.alreadyStored = plan.alreadyStored;
  await archiveFiles(input.tenantId, plan.filesToArchive, plan.smallFiles.slice(0, SMALL_FILES_PER_ACTIVITY), plan.fileRetryHours, result);
  result.cdrs = await writePhoneCdrs({ tenantId: input.tenantId, callId: input.callId });
  return result;
}
