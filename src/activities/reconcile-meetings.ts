import { heartbeat, log } from '@temporalio/activity';
import {
  expectedMeetingsOn,
  listReconciliationItems,
  setItemOutcome,
  updateReconciliationRun,
  type FoundItem,
  type ReconciliationItem,
} from '../db/queries/reconciliation.js';
import { findRecordedUsers, listRecordedUsers, nextRecordedUsers, type RecordedUser } from '../db/queries/recorded-users.js';
import type { Tenant } from '../db/queries/tenants.js';
import { foldParticipants } from '../ingest/meeting-cdr.js';
import type { MeetingRef, MeetingSource } from '../ingest/types.js';
import { REASONS, failedMeetingCdr } from '../reconciliation/failed-cdrs.js';
import { chooseMeetingPlan, DASHBOARD_LISTINGS, USER_REPORT_LISTINGS, type MeetingPlan } from '../reconciliation/meeting-plan.js';
import type { ReconcileKey, ReconcileStep } from '../reconciliation/types.js';
import type { DashboardMeeting, ReportMeeting, ZoomClient } from '../zoom/index.js';
import type { ActivityDeps } from './deps.js';
import { meetingInSource } from './held-meeting.js';
import { participantRows, recordedUser } from './meeting.js';
import { progressOf, reconcileStep, reportNotRecorded, requireRun, runKey, settleByArchive, walkingOneUser, walkListingInto } from './reconciliation.js';

// Meetings reconciliation: find every meeting of the day in which a configured user took part
// (walk), then compare each with the archive (check). Only the walk spends the daily quota; the
// check asks the medium participants endpoint and light recording lookups, which have none.

/** Configured users whose reports one walk step covers (three listings each). */
const USERS_PER_STEP = 25;
/** Meetings one check step compares. */
export const MEETINGS_PER_CHECK = 100;

/** Zoom quirk: dashboard durations are "hh:mm:ss" or "mm:ss" strings. */
export function clockSeconds(duration: string | number | undefined): number | undefined {
  if (typeof duration === 'number') return duration * 60;
  if (!duration) return undefined;
  const parts = duration.split(':').map(Number);
  if (parts.some((n) => !Number.isFinite(n))) return undefined;
  return parts.reduce((total, n) => total * 60 + n, 0);
}

function dashboardItem(m: DashboardMeeting, hostUser: RecordedUser | undefined): FoundItem {
  const durationSeconds = clockSeconds(m.duration);
  return {
    platformCallId: m.uuid,
    facts: {
      zoomId: String(m.id),
      ...(m.topic ? { topic: m.topic } : {}),
      ...(hostUser ? { hostId: hostUser.zoomUserId } : {}),
      ...(m.email ? { hostEmail: m.email } : {}),
      ...(m.host ? { hostName: m.host } : {}),
      startTime: m.start_time,
      ...(m.end_time ? { endTime: m.end_time } : {}),
      ...(durationSeconds !== undefined ? { durationSeconds } : {}),
      ...(m.participants !== undefined ? { participants: m.participants } : {}),
      ...(m.has_recording !== undefined ? { recorded: m.has_recording } : {}),
      ...(m.has_archiving !== undefined ? { archived: m.has_archiving } : {}),
      knownUserIds: hostUser ? [hostUser.zoomUserId] : [],
    },
  };
}

function reportItem(m: ReportMeeting, user: RecordedUser, type: (typeof USER_REPORT_LISTINGS)[number]): FoundItem {
  return {
    platformCallId: m.uuid,
    facts: {
      zoomId: String(m.id),
      ...(m.topic ? { topic: m.topic } : {}),
      // `past` and `pastOne` list the user's own meetings; `pastJoined` someone else's.
      ...(type !== 'pastJoined' ? { hostId: user.zoomUserId } : {}),
      ...(m.user_email ? { hostEmail: m.user_email } : {}),
      ...(m.user_name ? { hostName: m.user_name } : {}),
      startTime: m.start_time,
      ...(m.end_time ? { endTime: m.end_time } : {}),
      ...(m.duration !== undefined ? { durationSeconds: m.duration * 60 } : {}),
      participants: type === 'pastOne' ? 1 : Math.max(2, m.participants_count ?? 2),
      ...(m.has_recording !== undefined ? { recorded: m.has_recording } : {}),
      knownUserIds: [user.zoomUserId],
    },
  };
}

async function choosePlan(deps: ActivityDeps, key: ReconcileKey, tenant: Tenant): Promise<MeetingPlan> {
  const run = await requireRun(deps, key);
  if (run.plan === 'dashboard' || run.plan === 'user_reports') return run.plan;
  const users = await listRecordedUsers(deps.db, key.tenantId, { enabledOnly: true });
  const choice = chooseMeetingPlan({
    plan: tenant.plan,
    configuredUsers: users.length,
    expectedMeetings: await expectedMeetingsOn(deps.db, key.tenantId, key.day),
    preference: tenant.options.reconciliation?.meetingPlan ?? 'auto',
  });
  log.info('reconciliation plan chosen', { tenantId: key.tenantId, day: key.day, plan: choice.plan, estimate: choice.estimate });
  const estimate: Record<string, number> = { userReports: choice.estimate.userReports, expectedMeetings: choice.estimate.expectedMeetings, configuredUsers: choice.estimate.configuredUsers };
  if (choice.estimate.dashboard !== null) estimate.dashboard = choice.estimate.dashboard;
  await updateReconciliationRun(deps.db, key.tenantId, runKey(key), { plan: choice.plan, planEstimate: estimate });
  return choice.plan;
}

/** The configured host of dashboard rows, found by the host's email (the dashboard names no host id). */
async function hostsByEmail(deps: ActivityDeps, tenantId: string, rows: DashboardMeeting[]): Promise<Map<string, RecordedUser>> {
  const users = await findRecordedUsers(deps.db, tenantId, { emails: rows.map((r) => r.email ?? '') }, { enabledOnly: true });
  return new Map(users.map((u) => [u.email.toLowerCase(), u]));
}

async function walkStep(deps: ActivityDeps, key: ReconcileKey, zoom: ZoomClient, plan: MeetingPlan): Promise<ReconcileStep> {
  const run = await requireRun(deps, key);
  const range = { from: key.day, to: key.day };
  const finishWalk = async (): Promise<ReconcileStep> => {
    const saved = await updateReconciliationRun(deps.db, key.tenantId, runKey(key), { phase: 'check' });
    return { done: true, progress: await progressOf(deps, key, saved) };
  };

  if (plan === 'dashboard') {
    const type = DASHBOARD_LISTINGS[run.cursor.listingsDone];
    if (type === undefined) return finishWalk();
    await walkListingInto(deps, key, zoom.listDashboardMeetings({ ...range, type }), async (rows) => {
      const hosts = await hostsByEmail(deps, key.tenantId, rows);
      return rows.map((m) => dashboardItem(m, m.email ? hosts.get(m.email.toLowerCase()) : undefined));
    });
    const saved = await updateReconciliationRun(deps.db, key.tenantId, runKey(key), { cursor: { listingsDone: run.cursor.listingsDone + 1 } });
    return { done: false, progress: await progressOf(deps, key, saved) };
  }

  // Per-user reports, a few users per step. The cursor: the last user whose listings are all
  // written, and how many of the next user's are (a step stopped by the quota resumes there).
  const after = run.cursor.usersDoneThrough;
  const users = await nextRecordedUsers(deps.db, key.tenantId, { ...(after !== undefined ? { after } : {}), limit: USERS_PER_STEP });
  if (users.length === 0) return finishWalk();
  let saved = run;
  for (const user of users) {
    const done = saved.cursor.usersDoneThrough;
    // A user Zoom refuses is recorded on the run and passed: the others are walked all the same.
    // A retried user (a 5xx) and a step resumed after the quota start at the first listing not written.
    await walkingOneUser(deps, key, user.zoomUserId, async () => {
      for (const [listing, type] of USER_REPORT_LISTINGS.entries()) {
        if (listing < saved.cursor.listingsDone) continue;
        await walkListingInto(deps, key, zoom.listUserReportMeetings(user.zoomUserId, { ...range, type }), (rows) => rows.map((m) => reportItem(m, user, type)));
        if (listing < USER_REPORT_LISTINGS.length - 1) {
          saved = (await updateReconciliationRun(deps.db, key.tenantId, runKey(key), { cursor: { listingsDone: listing + 1, ...(done !== undefined ? { usersDoneThrough: done } : {}) } })) ?? saved;
        }
      }
    });
    saved = (await updateReconciliationRun(deps.db, key.tenantId, runKey(key), { cursor: { listingsDone: 0, usersDoneThrough: user.zoomUserId } })) ?? saved;
    heartbeat({ usersDoneThrough: user.zoomUserId });
  }
  return { done: false, progress: await progressOf(deps, key, saved) };
}

/** Whether Zoom still holds files of the meeting for one of the tenant's sources; the meeting as the ingest needs it. */
async function recordingHeld(zoom: ZoomClient, tenant: Tenant, item: ReconciliationItem): Promise<{ source: MeetingSource; meeting: MeetingRef } | null> {
  // A listing that says "not recorded" is believed; one that says nothing is asked (user reports do not say).
  const sources: MeetingSource[] = [];
  if (tenant.cloudRecordingsEnabled && item.facts.recorded !== false) sources.push('cloud_recordings');
  if (tenant.archivingEnabled && item.facts.archived !== false) sources.push('archiving');
  for (const source of sources) {
    const found = await meetingInSource(zoom, tenant.id, source, item.platformCallId);
    if (found && found.listed.files.length > 0) return { source, meeting: found.listed.ref };
  }
  return null;
}

function meetingRefOf(item: ReconciliationItem, hostId: string): MeetingRef {
  const f = item.facts;
  return {
    uuid: item.platformCallId,
    meetingNumber: f.zoomId,
    topic: f.topic ?? '',
    hostId,
    startTime: new Date(f.startTime).toISOString(),
    durationMinutes: Math.round((f.durationSeconds ?? 0) / 60),
  };
}

/**
 * Compares one meeting the archive has no stored file of with Zoom. `reported`: the archive already
 * says its recording will not be archived by itself (files failed, or pending past fileRetryHours).
 */
async function checkItem(deps: ActivityDeps, zoom: ZoomClient, tenant: Tenant, key: ReconcileKey, item: ReconciliationItem, reported: string | undefined): Promise<void> {
  const f = item.facts;
  // Who of ours took part: the users Zoom's log named, and the participants (medium; none for a one-person meeting).
  const participants = f.participants === 1 ? [] : foldParticipants(await participantRows(zoom, item.platformCallId));
  const users = await findRecordedUsers(deps.db, tenant.id, {
    zoomUserIds: [...(f.knownUserIds ?? []), ...(f.hostId ? [f.hostId] : []), ...participants.map((p) => p.zoomUserId ?? '')],
    emails: [...(f.hostEmail ? [f.hostEmail] : []), ...participants.map((p) => p.email ?? '')],
  }, { enabledOnly: true });
  if (users.length === 0) {
    await setItemOutcome(deps.db, tenant.id, runKey(key), item.platformCallId, { outcome: 'not_ours' });
    return;
  }
  const held = reported === undefined ? await recordingHeld(zoom, tenant, item) : null;
  if (held) {
    await setItemOutcome(deps.db, tenant.id, runKey(key), item.platformCallId, { outcome: 'missing', reason: `Zoom holds a recording the archive lacked: handed to the ${held.source} ingest`, handoff: held });
    return;
  }
  const reason = reported ?? (f.recorded === true ? REASONS.meetingRecordingLost : REASONS.meetingNotRecorded);
  const hostId = f.hostId ?? users.find((u) => f.hostEmail && u.email.toLowerCase() === f.hostEmail.toLowerCase())?.zoomUserId ?? '';
  const meeting = meetingRefOf(item, hostId);
  await reportNotRecorded(deps, key, item.platformCallId, reason, users.map((user) => {
    const asParticipant = participants.find((p) => p.zoomUserId === user.zoomUserId || (p.email && p.email.toLowerCase() === user.email.toLowerCase()));
    return failedMeetingCdr({ meeting, user: recordedUser(user, asParticipant), participants, reason, location: deps.location });
  }));
}

export const createMeetingReconciliationActivities = (deps: ActivityDeps) => ({
  /** One step of the walk: a dashboard listing, or a few users' reports. `done` once every listing is written. */
  async walkMeetingLogs(key: ReconcileKey): Promise<ReconcileStep> {
    return reconcileStep(deps, key, async (zoom, tenant) => walkStep(deps, key, zoom, await choosePlan(deps, key, tenant)));
  },

  /** Compares the next meetings found with the archive; `done` once none is left unchecked. */
  async checkMeetings(key: ReconcileKey): Promise<ReconcileStep> {
    return reconcileStep(deps, key, async (zoom, tenant) => {
      const items = await listReconciliationItems(deps.db, key.tenantId, runKey(key), { outcome: 'unchecked', limit: MEETINGS_PER_CHECK });
      for (const { item, reported } of await settleByArchive(deps, key, tenant, items)) {
        await checkItem(deps, zoom, tenant, key, item, reported);
        heartbeat();
      }
      return { done: items.length < MEETINGS_PER_CHECK, progress: await progressOf(deps, key) };
    });
  },
});
