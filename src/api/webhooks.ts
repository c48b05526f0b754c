import type { Client } from '@temporalio/client';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Database } from '../db/client.js';
import { getTenant, getTenantCredentials } from '../db/queries/tenants.js';
import type { IngestMeetingInput, MeetingRef, MeetingSource } from '../ingest/types.js';
import type { SecretBox } from '../security/secrets.js';
import type { ingestMeeting } from '../workflows/ingest-meeting.js';
import { urlValidationResponse, verifyWebhook, WebhookReplayGuard } from '../zoom/webhooks.js';
import { ingestStartOptions } from './ingest-start.js';
import { PHONE_RECORDING_EVENT, phoneRecordingCompleted } from './phone-webhook.js';
import { issues, startWithinDeadline } from './webhook-start.js';

// POST /webhooks/zoom/:tenant — Zoom's event deliveries for one tenant. Verified by signature (the
// tenant's webhook secret token), not by API token. A recording event starts the meeting's ingest
// workflow under the same ID the schedule uses, so a meeting arriving both ways is archived once.

export interface WebhookDeps {
  db: Database;
  secrets: SecretBox;
  temporal: { client: Client; taskQueue: string };
  now: () => Date;
  /** Zoom wants an answer within 3 s; a start slower than this answers 503 so Zoom retries. */
  startTimeoutMs?: number;
}

/** The events that mean "this meeting's files are ready", and the listing each belongs to. */
const RECORDING_EVENTS: Record<string, MeetingSource> = {
  'recording.completed': 'cloud_recordings',
  'recording.archive_files_completed': 'archiving',
};

const envelopeSchema = z.object({
  event: z.string().min(1),
  payload: z.looseObject({ account_id: z.string().optional() }),
});

const urlValidationSchema = z.object({ payload: z.object({ plainToken: z.string().min(1) }) });

// Only what the workflow needs: never the download_token or download URLs (histories keep no secrets).
const meetingObjectSchema = z.object({
  uuid: z.string().min(1),
  // Zoom quirk: an integer in recording events, a string in meeting events.
  id: z.union([z.number().int(), z.string().min(1)]),
  // Zoom quirk: a meeting hosted outside the account comes without its topic and host (archiving events).
  topic: z.string().default(''),
  host_id: z.string().default(''),
  start_time: z.iso.datetime({ offset: true }),
  duration: z.number().nonnegative(),
});
const recordingEventSchema = z.object({ payload: z.object({ object: meetingObjectSchema }) });

export function registerWebhookRoutes(app: FastifyInstance, deps: WebhookDeps): void {
  const guard = new WebhookReplayGuard();

  // An encapsulated scope: only here is the body kept as raw bytes, which the signature covers.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

    // Zoom's contract, not support's: verified by signature, kept out of the support API's document.
    scope.post<{ Params: { tenant: string } }>('/webhooks/zoom/:tenant', { schema: { hide: true } }, async (request, reply) => {
      const tenantId = request.params.tenant;
      const fail = (status: number, error: string, details?: string[]) =>
        reply.code(status).send(details ? { error, details } : { error });

      const tenant = await getTenant(deps.db, tenantId);
      if (!tenant) return fail(404, `unknown tenant '${tenantId}'`);
      const credentials = await getTenantCredentials(deps.db, deps.secrets, tenantId);
      if (!credentials.webhookSecretToken) {
        return fail(403, `tenant '${tenantId}' has no webhook secret token: set webhookSecretToken in the tenants file`);
      }

      const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const now = deps.now();
      const verified = verifyWebhook({ rawBody, headers: request.headers, secretToken: credentials.webhookSecretToken, now });
      if (!verified.ok) {
        request.log.warn({ tenant: tenantId, reason: verified.reason }, 'webhook rejected');
        return fail(401, `webhook signature rejected: ${verified.reason}`);
      }

      let body: unknown;
      try {
        body = JSON.parse(rawBody.toString('utf8'));
      } catch {
        return fail(400, 'the body is not valid JSON');
      }
      const envelope = envelopeSchema.safeParse(body);
      if (!envelope.success) return fail(400, 'not a Zoom webhook event', issues(envelope.error));
      const { event } = envelope.data;

      if (event === 'endpoint.url_validation') {
        const validation = urlValidationSchema.safeParse(body);
        if (!validation.success) return fail(400, 'endpoint.url_validation without a plainToken', issues(validation.error));
        return reply.code(200).send(urlValidationResponse(validation.data.payload.plainToken, credentials.webhookSecretToken));
      }

      // The signature covers timestamp and body, so the same signature twice is the same delivery.
      if (!guard.accept(`${tenantId}:${verified.signature}`, now)) return reply.code(200).send({ status: 'duplicate' });

      const accountId = envelope.data.payload.account_id;
      if (accountId !== undefined && accountId !== credentials.zoomAccountId) {
        return fail(400, `event for Zoom account '${accountId}', but tenant '${tenantId}' is account '${credentials.zoomAccountId}': check the webhook URL configured in Zoom`);
      }

      if (event === PHONE_RECORDING_EVENT) return phoneRecordingCompleted(reply, deps, tenant, body);
      const source = RECORDING_EVENTS[event];
      if (!source) return reply.code(200).send({ status: 'ignored' });
      const enabled = source === 'archiving' ? tenant.archivingEnabled : tenant.cloudRecordingsEnabled;
      if (!enabled) return reply.code(200).send({ status: 'ignored', reason: `source ${source} is not enabled for tenant '${tenantId}'` });

      const parsed = recordingEventSchema.safeParse(body);
      if (!parsed.success) return fail(400, `${event} is missing fields the archiver needs`, issues(parsed.error));
      const object = parsed.data.payload.object;
      const meeting: MeetingRef = {
        uuid: object.uuid,
        meetingNumber: String(object.id),
        topic: object.topic,
        hostId: object.host_id,
        startTime: new Date(object.start_time).toISOString(),
        durationMinutes: object.duration,
      };
      return startIngest(reply, deps, { tenantId, source, meeting, trigger: 'webhook' }, event);
    });
  });
}

async function startIngest(reply: FastifyReply, deps: WebhookDeps, input: IngestMeetingInput, event: string) {
  const options = ingestStartOptions(input, deps.temporal.taskQueue);
  const started = await startWithinDeadline(reply, deps, event, options.workflowId, () => deps.temporal.client.workflow.start<typeof ingestMeeting>('ingestMeeting', options));
  return reply.code(started.httpStatus).send(started.body);
}
