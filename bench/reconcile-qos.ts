/**
 * Reconciliation with voice quality for every meeting, when the day needs more heavy calls than
 * reconciliation's share of one day's quota. On the time-skipping server: each time the run sleeps
 * until 00:00 UTC, Zoom's day (the simulator's clock) and the worker's turn together and the
 * workflow's timer is skipped. The account's quota is QOS_QUOTA (1,000) heavy calls a day, both at
 * Zoom (the simulator) and in the tenant's configuration; reconciliation may use 80%.
 *
 * Figures: days to finish against ceil(needed ÷ share); daily-limit 429s (Zoom's refusals: the
 * share is spent before Zoom's own limit, so none); every CDR scored.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import { and, count, eq, isNotNull } from 'drizzle-orm';
import { createActivities } from '../src/activities/index.js';
import { createZoomClients } from '../src/activities/zoom-clients.js';
import { openDatabase } from '../src/db/client.js';
import { upsertRecordedUser } from '../src/db/queries/recorded-users.js';
import { upsertTenant } from '../src/db/queries/tenants.js';
import { conversations } from '../src/db/schema/conversations.js';
import { simulatedTenantInput } from '../src/demo/demo-tenant.js';
import { timeSkippingServerExecutable } from '../src/local/temporal-dev-server.js';
import type { ReconcileProgress } from '../src/reconciliation/types.js';
import { createSecretBox } from '../src/security/secrets.js';
import { startSimulator } from '../src/simulator/index.js';
import { LocalMediaStore } from '../src/storage/index.js';
import { workflowsPath } from '../src/workers/worker.js';
import { reconcileWorkflowId } from '../src/workflows/ids.js';
import type { Clock } from '../src/zoom/index.js';
import { envNumber, withBenchDatabase } from './bench-env.js';
import { figure, type BenchFigure } from './figures.js';

const MEETINGS = envNumber('QOS_MEETINGS', 2_000);
const QUOTA = envNumber('QOS_QUOTA', 1_000);
const SHARE = 0.8;
const DAY = 86_400_000;
const TENANT = 'bench-qos';

const log = (line: string) => console.error(`[bench:reconcile-qos] ${line}`);

export async function runReconcileQosBench(): Promise<BenchFigure[]> {
  // Zoom's clock an hour before 00:00 UTC of tomorrow; the day reconciled is today's, ended by then.
  const firstMidnight = Math.ceil((Date.now() + 10 * 60_000) / DAY) * DAY;
  let workerNow = firstMidnight - 3600_000;
  const day = new Date(firstMidnight - DAY).toISOString().slice(0, 10);
  const workerClock: Clock = { now: () => new Date(workerNow), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: timeSkippingServerExecutable() } });
  const sim = await startSimulator({
    seed: 5100, now: new Date(workerNow), freezeClock: true,
    // Every meeting unrecorded: each gets recording_failed CDRs, then a score (one QoS page each).
    tenants: [{ plan: 'business', users: 200, inactiveUsers: 0, days: 0, meetingsPerDay: MEETINGS, phoneCallsPerDay: 0, unrecordedShare: 1, externalHostShare: 0, archiving: false }],
    rateLimits: { meetings: { business: { heavyDailyQuota: QUOTA } } },
  });
  const mediaDir = mkdtempSync(join(tmpdir(), 'za-bench-qos-'));
  try {
    return await withBenchDatabase(async (databaseUrl) => {
      const database = await openDatabase({ url: databaseUrl });
      const secrets = createSecretBox(randomBytes(32).toString('base64'));
      const account = sim.tenants[0]!;
      const truth = await sim.control.groundTruth(account.accountId);
      await upsertTenant(database.db, secrets, simulatedTenantInput(TENANT, TENANT, account, {
        archivingEnabled: false, cloudRecordingsEnabled: true,
        options: { deleteAfterArchive: false, zoomDailyQuota: { meetings: QUOTA }, reconciliation: { quotaShare: SHARE, meetingPlan: 'dashboard', voiceQuality: true } },
      }));
      for (const u of truth.users) await upsertRecordedUser(database.db, TENANT, { zoomUserId: u.id, email: u.email, name: u.display_name, modality: 'voice', individualAudio: false });
      const meetings = truth.meetings.filter((m) => m.start_time.startsWith(day));
      // Heavy calls the day needs: the dashboard's pages, then each meeting's QoS pages of 10.
      const needed = Math.ceil(meetings.filter((m) => new Set(m.participants.map((p) => p.user_id)).size > 1).length / 300)
        + Math.max(1, Math.ceil(meetings.filter((m) => new Set(m.participants.map((p) => p.user_id)).size === 1).length / 300))
        + meetings.reduce((s, m) => s + Math.max(1, Math.ceil(m.participants.length / 10)), 0);
      const perDay = Math.floor(QUOTA * SHARE);

      const zoom = createZoomClients(database.db, secrets, { limiterClock: workerClock });
      const quiet = () => undefined;
      const { code } = await bundleWorkflowCode({ workflowsPath, logger: { trace: quiet, debug: quiet, info: quiet, warn: log, error: log, log: quiet } });
      const taskQueue = 'bench-qos';
      const worker = await Worker.create({
        connection: env.nativeConnection, taskQueue, workflowBundle: { code },
        activities: createActivities({ db: database.db, store: new LocalMediaStore(mediaDir), zoom, location: 'bench' }),
      });
      log(`${meetings.length} meetings on ${day}: ${needed} heavy calls needed, ${perDay} a day allowed`);
      const started = performance.now();
      let sleeps = 0;
      const result = await worker.runUntil(async () => {
        const handle = await env.client.workflow.start('reconcile', { taskQueue, workflowId: reconcileWorkflowId(TENANT, 'meetings', day), args: [{ tenantId: TENANT, family: 'meetings', day, markQuotaWait: false }] });
        for (;;) {
          const progress = await handle.query<ReconcileProgress>('progress');
          if (progress.status === 'finished' || progress.status === 'failed') return progress;
          if (progress.status === 'waiting_for_quota' && progress.pausedUntil) {
            // Zoom's day turns and the worker's with it; the workflow's clock moves past the sleep.
            sleeps += 1;
            const wake = Date.parse(progress.pausedUntil);
            workerNow = wake + 5_000;
            await sim.control.setClock(new Date(workerNow));
            await env.sleep(Math.max(1, wake - (await env.currentTimeMs()) + 1_000));
            log(`day ${sleeps + 1}: ${JSON.stringify(progress)}`);
            while ((await handle.query<ReconcileProgress>('progress')).status === 'waiting_for_quota') await new Promise((r) => setTimeout(r, 200));
          }
          await new Promise((r) => setTimeout(r, 500));
        }
      });
      const seconds = (performance.now() - started) / 1000;
      const counters = await sim.control.getCounters();
      const [cdrs] = await database.db.select({ n: count() }).from(conversations).where(eq(conversations.tenantId, TENANT));
      const [scored] = await database.db.select({ n: count() }).from(conversations).where(and(eq(conversations.tenantId, TENANT), isNotNull(conversations.voiceQuality)));
      if (result.status !== 'finished') throw new Error(`reconcile-qos bench: the run ended ${result.status}`);
      if ((scored?.n ?? 0) !== (cdrs?.n ?? 0) || (cdrs?.n ?? 0) === 0) throw new Error(`reconcile-qos bench: ${scored?.n} of ${cdrs?.n} CDRs scored`);
      await zoom.close();
      await database.close();
      const days = sleeps + 1;
      return [
        figure('reconcile.qos_days', days, 'days', Math.ceil(needed / perDay), `${meetings.length} meetings, voice quality for every one: ${result.heavyCallsUsed} heavy calls (${needed} needed) at ${perDay} a day (80% of ${QUOTA}); ${cdrs?.n} CDRs all scored; ${seconds.toFixed(0)} s wall on the time-skipping server`),
        figure('reconcile.qos_daily_limit_429s', counters.rateLimited['Daily-limit'], '429s', 0, "Zoom's daily-limit refusals: reconciliation stops at its share first"),
      ];
    });
  } finally {
    rmSync(mediaDir, { recursive: true, force: true });
    await sim.close();
    await env.teardown();
  }
}
