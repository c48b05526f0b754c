import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { upsertListedCalls } from '../db/queries/phone-calls.js';
import { findRecordedUsers, hasRecordedUserWithoutExtension } from '../db/queries/recorded-users.js';
import type { Tenant } from '../db/queries/tenants.js';
import { CallCollector, RecordedUserMatcher } from '../ingest/phone-recordings.js';
import type { ingestPhoneCall } from '../workflows/ingest-phone-call.js';
import { phoneRecordingSchema } from '../zoom/schemas.js';
import { phoneIngestStartOptions } from './ingest-start.js';
import { issues, startWithinDeadline, type StartOutcome } from './webhook-start.js';
import type { WebhookDeps } from './webhooks.js';

// phone.recording_completed: Zoom Phone's "these recordings are ready". The recordings of
// configured users are recorded in the database the way a listing records them (their download
// URLs stay there, never in a workflow history), then each call's ingest starts under the ID the
// phone schedule uses, so a call arriving both ways is archived once.

export const PHONE_RECORDING_EVENT = 'phone.recording_completed';

const phoneRecordingEventSchema = z.object({ payload: z.object({ object: z.object({ recordings: z.array(phoneRecordingSchema).min(1) }) }) });

export async function phoneRecordingCompleted(reply: FastifyReply, deps: WebhookDeps, tenant: Tenant, body: unknown) {
  if (!tenant.phoneEnabled) return reply.code(200).send({ status: 'ignored', reason: `source phone is not enabled for tenant '${tenant.id}'` });
  const parsed = phoneRecordingEventSchema.safeParse(body);
  if (!parsed.success) return reply.code(400).send({ error: `${PHONE_RECORDING_EVENT} is missing fields the archiver needs`, details: issues(parsed.error) });
  const recordings = parsed.data.payload.object.recordings;

  // Only the event's own people are looked up: a tenant may configure thousands of users.
  const text = (v: string | number | undefined) => (v === undefined ? '' : String(v));
  const users = await findRecordedUsers(deps.db, tenant.id, {
    zoomUserIds: recordings.flatMap((r) => [text(r.owner?.id), text(r.user_id)]),
    extensions: recordings.flatMap((r) => [text(r.owner?.extension_number), text(r.accepted_by?.extension_number), text(r.outgoing_by?.extension_number)]),
  }, { enabledOnly: true });
  const collector = new CallCollector(tenant.id, new RecordedUserMatcher(users, await hasRecordedUserWithoutExtension(deps.db, tenant.id)));
  for (const recording of recordings) collector.add(recording);
  const calls = collector.take();
  if (calls.length === 0) return reply.code(200).send({ status: 'ignored', reason: 'no recording of a configured user' });
  await upsertListedCalls(deps.db, tenant.id, calls);

  const outcomes: StartOutcome[] = [];
  for (const { call } of calls) {
    const options = phoneIngestStartOptions({ tenantId: tenant.id, callId: call.callId, trigger: 'webhook' }, deps.temporal.taskQueue);
    outcomes.push(await startWithinDeadline(reply, deps, PHONE_RECORDING_EVENT, options.workflowId, () => deps.temporal.client.workflow.start<typeof ingestPhoneCall>('ingestPhoneCall', options)));
  }
  // One call per event in practice; should a start fail, Zoom's retry starts it (the others are already running).
  const failed = outcomes.find((o) => o.httpStatus !== 200);
  if (failed) return reply.code(failed.httpStatus).send(failed.body);
  return reply.code(200).send(outcomes.length === 1 ? outcomes[0]!.body : { status: 'started', calls: outcomes.map((o) => o.body) });
}
