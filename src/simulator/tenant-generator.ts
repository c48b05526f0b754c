import { createHash } from 'node:crypto';
import { DAY, HOUR, MINUTE, startOfUtcDay } from './clock.js';
import type {
  Modality, Plan, SimCallLeg, SimCallParty, SimFile, SimMeeting, SimParticipant, SimPhoneCall,
  SimPhoneRecording, SimTenant, SimUser,
} from './model.js';
import { createRng, digits, hex, meetingUuid, uuidV4, zoomId } from './random.js';
import type { Rng } from './random.js';

/** Knobs of one generated tenant. Shares are probabilities in [0, 1]. */
export interface TenantSpec {
  accountId?: string;
  accountName?: string;
  plan?: Plan;
  /** Number of users (default 5). */
  users?: number;
  /** How many of them are deactivated (default users / 5, rounded down). Their recordings still count. */
  inactiveUsers?: number;
  /** Meetings per day across the account (default 4). */
  meetingsPerDay?: number;
  /** Days of history ending at the simulator's start time (default 7). */
  days?: number;
  /** Phone calls per day (default 3; 0 = no Zoom Phone). */
  phoneCallsPerDay?: number;
  /** Meetings held without cloud recording (default 0.15). */
  unrecordedShare?: number;
  /** Of those, meetings whose recording failed: Zoom's logs say recorded, no file exists (default 0). */
  recordingFailedShare?: number;
  /** Meetings nobody joined but the host (default 0). */
  onePersonShare?: number;
  /** Recorded meetings of the last 24 h whose video is still processing (default 0.2). */
  processingShare?: number;
  /** Meetings whose UUID starts with `/` or contains `//` (default 0.1). */
  oddUuidShare?: number;
  /** Meetings hosted outside the account that a user attended (default 0.05). */
  externalHostShare?: number;
  /** Recorded meetings with one audio file per participant (default 0.2). */
  individualAudioShare?: number;
  /** Recorded meetings stopped and restarted: several segments (default 0.15). */
  multiSegmentShare?: number;
  /** Recorded meetings with a transcript that arrives hours after the meeting (default 0.5). */
  transcriptShare?: number;
  /** Recorded meetings with a chat file (default 0.5). */
  chatShare?: number;
  /** Recording segments with an id-less TIMELINE file (default 0.2). */
  timelineShare?: number;
  /** Calls with a recording (default 0.7). */
  phoneRecordedShare?: number;
  /** Calls with several legs (forwarded/transferred; default 0.3). */
  multiLegShare?: number;
  /** Recordings owned by a call queue rather than the user (default 0.2). */
  queueOwnedShare?: number;
  /** Calls nobody answered (missed; default 0.1) and calls that went to voicemail (default 0.05): never recorded. */
  phoneMissedShare?: number;
  phoneVoicemailShare?: number;
  /** Compliance archiving enabled (default true). */
  archiving?: boolean;
  /** Multiplies generated media sizes (default 1: about 1 KB per second of video). */
  mediaScale?: number;
  webhookUrl?: string;
}

export interface GeneratorContext {
  seed: number;
  /** Simulated time at which the tenant is generated; history ends here. */
  nowMs: number;
}

const FIRST_NAMES = ['Ada', 'Bruno', 'Chen', 'Dana', 'Emeka', 'Farah', 'Goran', 'Hana', 'Ivo', 'Jun', 'Kira', 'Luis', 'Mina', 'Nils', 'Olga', 'Priya', 'Quinn', 'Rosa', 'Sami', 'Tomas'];
const LAST_NAMES = ['Adler', 'Berg', 'Costa', 'Dube', 'Eklund', 'Fischer', 'Garcia', 'Haddad', 'Ito', 'Jansen', 'Kowalski', 'Lopez', 'Meyer', 'Novak', 'Okafor', 'Petrov', 'Rossi', 'Sato', 'Tan', 'Weber'];
const TOPICS = ['Weekly sync', 'Customer call', 'Design review', 'Quarterly planning', 'Onboarding', 'Incident review', 'Sales demo', 'Board prep', '1:1', 'Support escalation'];
const DEPTS = ['Sales', 'Support', 'Engineering', 'Finance', 'Legal'];
const MODALITIES: Modality[] = ['voice', 'video', 'screen'];

export function downloadKey(seed: number, accountId: string, fileId: string): string {
  return createHash('sha256').update(`download\u0000${seed}\u0000${accountId}\u0000${fileId}`).digest('base64url');
}

export function tenantCredentials(seed: number, accountId: string): Pick<SimTenant, 'clientId' | 'clientSecret' | 'webhookSecretToken'> {
  const rng = createRng('credentials', seed, accountId);
  return { clientId: zoomId(rng), clientSecret: hex(rng, 32), webhookSecretToken: zoomId(rng) };
}

export function createEmptyTenant(seed: number, index: number, spec: TenantSpec): SimTenant {
  const rng = createRng('tenant', seed, index);
  const accountId = spec.accountId ?? zoomId(rng);
  return {
    accountId,
    accountName: spec.accountName ?? `Simulated Account ${index + 1}`,
    plan: spec.plan ?? 'business',
    ...tenantCredentials(seed, accountId),
    webhookUrl: spec.webhookUrl ?? null,
    archiving: spec.archiving ?? true,
    users: [],
    meetings: [],
    calls: [],
    additions: 0,
  };
}

/** Inputs of one user; anything left out is generated. */
export interface UserInput {
  id?: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  status?: Exclude<SimUser['status'], 'deleted'>;
  modality?: Modality;
  phoneExtension?: number | null;
}

export function buildUser(ctx: GeneratorContext, tenant: SimTenant, rng: Rng, input: UserInput = {}): SimUser {
  const first = input.firstName ?? rng.pick(FIRST_NAMES);
  const last = input.lastName ?? rng.pick(LAST_NAMES);
  const n = tenant.users.length + 1;
  const extension = input.phoneExtension === undefined ? 1000 + n : input.phoneExtension;
  const created = ctx.nowMs - rng.int(200, 900) * DAY;
  return {
    id: input.id ?? zoomId(rng),
    email: input.email ?? `${first}.${last}${n}@${tenant.accountId.replace(/[^A-Za-z0-9]/g, '').slice(0, 6)}.example.com`.toLowerCase(),
    first_name: first,
    last_name: last,
    display_name: `${first} ${last}`,
    type: 2,
    status: input.status ?? 'active',
    dept: rng.pick(DEPTS),
    timezone: 'UTC',
    created_at: new Date(created).toISOString().replace('.000Z', 'Z'),
    last_login_time: new Date(ctx.nowMs - rng.int(1, 48) * HOUR).toISOString().replace('.000Z', 'Z'),
    modality: input.modality ?? rng.pick(MODALITIES),
    phone_extension: extension,
    phone_number: extension === null ? null : `+1555${digits(rng, 7)}`,
  };
}

/** One file to attach to a meeting or call. */
export interface FileInput {
  file_type: string;
  file_extension?: string;
  recording_type?: string | null;
  file_size?: number;
  /** 'processing' files complete at `readyAt` (default: one hour after now) or through completeProcessing. */
  status?: 'completed' | 'processing';
  readyAt?: string;
  /** Absent from listings until ready (late transcripts). */
  late?: boolean;
  recording_start?: string;
  recording_end?: string;
  idless?: boolean;
}

const DEFAULT_EXTENSION: Record<string, string> = {
  MP4: 'MP4', M4A: 'M4A', CHAT: 'TXT', TRANSCRIPT: 'VTT', CC: 'VTT', TIMELINE: 'JSON', CSV: 'CSV',
  SUMMARY: 'JSON', CHAT_MESSAGE: 'JSON', MP3: 'MP3',
};
const DEFAULT_RECORDING_TYPE: Record<string, string | null> = {
  MP4: 'shared_screen_with_speaker_view', M4A: 'audio_only', CHAT: 'chat_file', TRANSCRIPT: 'audio_transcript',
  CC: null, TIMELINE: null, CSV: 'poll', SUMMARY: 'summary', CHAT_MESSAGE: 'chat_message', MP3: null,
};

interface FileOwner {
  kind: SimFile['kind'];
  startMs: number;
  endMs: number;
  participant?: SimParticipant;
  namePrefix: string;
}

export function buildFile(ctx: GeneratorContext, tenant: SimTenant, rng: Rng, owner: FileOwner, input: FileInput): SimFile {
  const id = uuidV4(rng);
  const fileType = input.file_type.toUpperCase();
  const extension = (input.file_extension ?? DEFAULT_EXTENSION[fileType] ?? 'BIN').toUpperCase();
  const start = input.recording_start ? Date.parse(input.recording_start) : owner.startMs;
  const end = input.recording_end ? Date.parse(input.recording_end) : owner.endMs;
  const readyAtMs = input.status === 'processing' ? (input.readyAt ? Date.parse(input.readyAt) : ctx.nowMs + HOUR) : input.readyAt ? Date.parse(input.readyAt) : 0;
  const idless = input.idless ?? (fileType === 'CC' || fileType === 'TIMELINE');
  return {
    id,
    idless,
    kind: owner.kind,
    file_type: fileType,
    file_extension: extension,
    recording_type: input.recording_type === undefined ? (DEFAULT_RECORDING_TYPE[fileType] ?? null) : input.recording_type,
    file_name: `${owner.namePrefix} ${fileType.toLowerCase()}.${extension.toLowerCase()}`,
    file_size: input.file_size ?? defaultSize(rng, fileType, Math.max(1, (end - start) / 1000)),
    recording_start: start,
    recording_end: end,
    readyAtMs,
    hiddenWhileProcessing: input.late ?? false,
    deletion: 'none',
    deleted_time: null,
    downloadKey: downloadKey(ctx.seed, tenant.accountId, id),
    individual: owner.participant !== undefined,
    participant: owner.participant ?? null,
    failed: false,
    fault: null,
    faultSlowMs: 0,
  };
}

function defaultSize(rng: Rng, fileType: string, seconds: number): number {
  switch (fileType) {
    case 'MP4': return Math.round(seconds * 1000) + rng.int(0, 999);
    case 'M4A': return Math.round(seconds * 400) + rng.int(0, 399);
    case 'MP3': return Math.round(seconds * 4000) + rng.int(0, 3999);
    case 'TRANSCRIPT': case 'CC': return Math.round(seconds * 20) + rng.int(10, 99);
    default: return rng.int(200, 5000);
  }
}

/** One meeting to add; anything left out is generated. */
export interface MeetingInput {
  uuid?: string;
  id?: number;
  topic?: string;
  /** A user of the tenant; ignored for external hosts. Default: a random active user. */
  hostId?: string;
  externalHost?: boolean;
  type?: number;
  start_time?: string;
  durationMinutes?: number;
  /** Number of extra participants, or explicit ones (user ids of the tenant or guests). */
  participants?: number | ParticipantInput[];
  recorded?: boolean;
  /** Recording was started but failed: the dashboard says recorded, Zoom holds no file. */
  recordingFailed?: boolean;
  /** Recording segments (default 1). */
  segments?: number;
  /** Explicit recording files; replaces the generated set. */
  files?: FileInput[];
  /** One audio file per participant (participant_audio_files). */
  individualAudio?: boolean;
  /** Archive files (default: tenant archiving on and the meeting recorded or externally hosted). */
  archive?: boolean;
  /** Minutes after the meeting's end at which its archive files are ready (default 5 to 40, random). */
  archiveCompleteDelayMinutes?: number;
  /**
   * Archive files whose processing fails (listed `status: "failed"` once the archive completes):
   * true for all of them, or a list of file types, e.g. `['MP4']`.
   */
  archiveFailed?: boolean | string[];
  processing?: boolean;
  transcript?: boolean;
  chat?: boolean;
  timeline?: boolean;
  /** Force a UUID that starts with `/` or contains `//`. */
  oddUuid?: boolean;
}

export interface ParticipantInput {
  userId?: string;
  name?: string;
  email?: string;
  join_time?: string;
  leave_time?: string;
}

function oddUuid(rng: Rng): string {
  const base = meetingUuid(rng);
  // Zoom quirk: some instance UUIDs start with '/' or contain '//', which need double URL-encoding.
  return rng.chance(0.5) ? `/${base.slice(1)}` : `${base.slice(0, 7)}//${base.slice(9)}`;
}

function plainUuid(rng: Rng): string {
  let uuid = meetingUuid(rng);
  while (uuid.startsWith('/') || uuid.includes('//')) uuid = meetingUuid(rng);
  return uuid;
}

function participantsFor(
  rng: Rng, tenant: SimTenant, host: { id: string; name: string; email: string; internal: boolean },
  startMs: number, endMs: number, input: number | ParticipantInput[],
): SimParticipant[] {
  const rows: SimParticipant[] = [];
  const devices: SimParticipant['device'][] = ['Windows', 'Mac', 'iOS', 'Android', 'Phone'];
  const push = (who: { id: string; name: string; email: string; internal: boolean }, role: SimParticipant['role'], join: number, leave: number): void => {
    const row: SimParticipant = {
      id: who.internal ? who.id : '',
      user_id: digits(rng, 8),
      participant_uuid: uuidV4(rng).toUpperCase(),
      name: who.name,
      email: who.email,
      internal: who.internal,
      join_time: join,
      leave_time: leave,
      device: who.internal ? rng.pick(devices) : '',
      role,
    };
    rows.push(row);
  };
  const span = endMs - startMs;
  push(host, 'host', startMs, endMs);
  if (Array.isArray(input)) {
    for (const p of input) {
      const user = p.userId ? tenant.users.find((u) => u.id === p.userId) : undefined;
      const who = user
        ? { id: user.id, name: user.display_name, email: user.email, internal: true }
        : { id: '', name: p.name ?? 'Guest', email: p.email ?? '', internal: false };
      push(who, 'attendee', p.join_time ? Date.parse(p.join_time) : startMs, p.leave_time ? Date.parse(p.leave_time) : endMs);
    }
    return rows;
  }
  for (let i = 0; i < input; i++) {
    const others = tenant.users.filter((u) => u.id !== host.id && u.status === 'active');
    const internal = others.length > 0 && rng.chance(0.6);
    const user = internal ? rng.pick(others) : undefined;
    const who = user
      ? { id: user.id, name: user.display_name, email: user.email, internal: true }
      : { id: '', name: `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)} (guest)`, email: `guest${digits(rng, 4)}@partner.example.org`, internal: false };
    const join = startMs + Math.floor(rng.next() * span * 0.2);
    const leave = endMs - Math.floor(rng.next() * span * 0.1);
    if (rng.chance(0.1)) {
      // A participant who drops and rejoins appears once per join.
      const drop = join + Math.floor((leave - join) * 0.4);
      push(who, 'attendee', join, drop);
      push(who, 'attendee', drop + MINUTE, leave);
      const [first, second] = rows.slice(-2);
      if (first && second) Object.assign(second, { user_id: first.user_id, participant_uuid: first.participant_uuid });
    } else {
      push(who, 'attendee', join, leave);
    }
  }
  return rows;
}

export function buildMeeting(ctx: GeneratorContext, tenant: SimTenant, rng: Rng, input: MeetingInput): SimMeeting {
  const external = input.externalHost ?? false;
  const activeUsers = tenant.users.filter((u) => u.status === 'active');
  const existing = tenant.users.filter((u) => u.status !== 'deleted');
  const hostUser = external ? undefined : input.hostId ? existing.find((u) => u.id === input.hostId) : rng.pick(activeUsers.length > 0 ? activeUsers : existing);
  if (!external && !hostUser) throw new Error(`unknown host ${String(input.hostId)} in account ${tenant.accountId}`);
  const host = hostUser
    ? { id: hostUser.id, name: hostUser.display_name, email: hostUser.email, internal: true }
    : { id: zoomId(rng), name: `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`, email: `host${digits(rng, 4)}@other-company.example.net`, internal: false };
  const durationMin = input.durationMinutes ?? rng.int(10, 90);
  const startMs = input.start_time ? Date.parse(input.start_time) : ctx.nowMs - DAY;
  const endMs = startMs + durationMin * MINUTE;
  let participants = participantsFor(rng, tenant, host, startMs, endMs, input.participants ?? rng.int(1, 4));
  if (external && !participants.some((p) => p.internal) && activeUsers.length > 0) {
    const user = rng.pick(activeUsers);
    participants = [...participants, ...participantsFor(rng, tenant, host, startMs, endMs, [{ userId: user.id }]).slice(1)];
  }
  const recorded = !external && (input.recorded ?? true);
  const meeting: SimMeeting = {
    uuid: input.uuid ?? (input.oddUuid ? oddUuid(rng) : plainUuid(rng)),
    id: input.id ?? rng.int(8_000_000_000, 99_999_999_999),
    topic: input.topic ?? `${rng.pick(TOPICS)} #${rng.int(1, 999)}`,
    host_id: host.id,
    host_email: host.email,
    host_name: host.name,
    type: input.type ?? rng.pick([1, 2, 2, 2, 4, 8]),
    start_time: startMs,
    end_time: endMs,
    duration: Math.ceil(durationMin / 15) * 15,
    timezone: 'UTC',
    password: digits(rng, 6),
    participants,
    recorded,
    ...(input.recordingFailed && !recorded ? { recording_failed: true } : {}),
    external_host: external,
    recording_files: [],
    participant_audio_files: [],
    archive_files: [],
    has_video: hostUser?.modality !== 'voice',
    has_screen_share: hostUser?.modality === 'screen',
  };
  const namePrefix = meeting.topic;
  if (recorded) {
    if (input.files) {
      meeting.recording_files = input.files.map((f) => buildFile(ctx, tenant, rng, { kind: 'recording', startMs, endMs, namePrefix }, f));
    } else {
      const segments = Math.max(1, input.segments ?? 1);
      const segLength = Math.floor((endMs - startMs) / segments);
      for (let s = 0; s < segments; s++) {
        // Several segments = recording stopped and restarted: one file set per segment.
        const segStart = startMs + s * segLength + (s > 0 ? MINUTE : 0);
        const segEnd = startMs + (s + 1) * segLength;
        const owner = { kind: 'recording' as const, startMs: segStart, endMs: segEnd, namePrefix };
        const processing = input.processing === true && s === segments - 1;
        meeting.recording_files.push(buildFile(ctx, tenant, rng, owner, processing ? { file_type: 'MP4', status: 'processing', readyAt: new Date(ctx.nowMs + rng.int(1, 3) * HOUR).toISOString() } : { file_type: 'MP4' }));
        meeting.recording_files.push(buildFile(ctx, tenant, rng, owner, { file_type: 'M4A' }));
        if (input.timeline) meeting.recording_files.push(buildFile(ctx, tenant, rng, owner, { file_type: 'TIMELINE' }));
      }
      const whole = { kind: 'recording' as const, startMs, endMs, namePrefix };
      if (input.chat) meeting.recording_files.push(buildFile(ctx, tenant, rng, whole, { file_type: 'CHAT' }));
      if (input.transcript) {
        // Zoom quirk: transcripts arrive hours after the video, under the meeting's old start time.
        const readyAt = endMs + rng.int(1, 6) * HOUR;
        meeting.recording_files.push(buildFile(ctx, tenant, rng, whole, { file_type: 'TRANSCRIPT', late: true, readyAt: new Date(readyAt).toISOString() }));
      }
    }
    if (input.individualAudio) {
      const seen = new Set<string>();
      for (const p of meeting.participants) {
        if (seen.has(p.participant_uuid)) continue;
        seen.add(p.participant_uuid);
        meeting.participant_audio_files.push(buildFile(ctx, tenant, rng, { kind: 'participant_audio', startMs, endMs, participant: p, namePrefix: `Audio only - ${p.name}` }, { file_type: 'M4A', recording_type: 'audio_only_each_participant' }));
      }
    }
  }
  if (input.archive ?? (tenant.archiving && (recorded || external))) addArchiveFiles(ctx, tenant, rng, meeting, input);
  return meeting;
}

function addArchiveFiles(ctx: GeneratorContext, tenant: SimTenant, rng: Rng, meeting: SimMeeting, input: MeetingInput): void {
  // The random delay is drawn either way, so setting it leaves every other generated value unchanged.
  const randomDelay = rng.int(5, 40);
  const readyAt = new Date(meeting.end_time + (input.archiveCompleteDelayMinutes ?? randomDelay) * MINUTE).toISOString();
  const whole = { kind: 'archive' as const, startMs: meeting.start_time, endMs: meeting.end_time, namePrefix: meeting.topic };
  meeting.archive_files.push(buildFile(ctx, tenant, rng, whole, { file_type: 'MP4', readyAt }));
  meeting.archive_files.push(buildFile(ctx, tenant, rng, whole, { file_type: 'M4A', readyAt }));
  for (const p of meeting.participants.filter((x, i, all) => all.findIndex((y) => y.participant_uuid === x.participant_uuid) === i)) {
    meeting.archive_files.push(buildFile(ctx, tenant, rng, { kind: 'archive', startMs: p.join_time, endMs: p.leave_time, participant: p, namePrefix: p.name }, { file_type: 'M4A', readyAt }));
  }
  meeting.archive_files.push(buildFile(ctx, tenant, rng, whole, { file_type: 'CHAT_MESSAGE', readyAt }));
  const failed = input.archiveFailed ?? false;
  const fails = Array.isArray(failed) ? (f: SimFile): boolean => failed.some((t) => t.toUpperCase() === f.file_type) : (): boolean => failed;
  for (const file of meeting.archive_files) file.failed = fails(file);
}

/** One phone call to add; anything left out is generated. */
export interface PhoneCallInput {
  /** The tenant user on the call (default: a random user with an extension). */
  userId?: string;
  direction?: 'inbound' | 'outbound';
  start_time?: string;
  durationSeconds?: number;
  recorded?: boolean;
  legs?: number;
  /** Zoom user ids of the owners of legs 1..n-1 (leg 0 is `userId`'s): a transfer to chosen users. */
  legOwners?: string[];
  /** Same as `recordingOwner: 'callQueue'`. */
  queueOwned?: boolean;
  /** Who owns the recordings (default the leg's user): a call queue names its agent in accepted_by/outgoing_by, an auto receptionist nobody. */
  recordingOwner?: 'user' | 'callQueue' | 'autoReceptionist';
  recordingFileSize?: number;
  /** Answered (default), missed (`no_answer`) or sent to voicemail: the last two are inbound, one leg, never recorded. */
  result?: 'answered' | 'no_answer' | 'voicemail';
  /** Zoom lists a recording only this long after its leg ends (default 0). */
  recordingDelayMinutes?: number;
}

export function buildPhoneCall(ctx: GeneratorContext, tenant: SimTenant, rng: Rng, input: PhoneCallInput): SimPhoneCall {
  const phoneUsers = tenant.users.filter((u) => u.phone_extension !== null && u.status === 'active');
  const user = input.userId ? tenant.users.find((u) => u.id === input.userId) : rng.pick(phoneUsers.length > 0 ? phoneUsers : tenant.users);
  if (!user || user.phone_extension === null) throw new Error(`no phone user ${String(input.userId)} in account ${tenant.accountId}`);
  const result = input.result ?? 'answered';
  const answered = result === 'answered';
  // Nobody picks up a missed call or one that goes to voicemail: inbound, one leg, no recording.
  const direction = answered ? (input.direction ?? (rng.chance(0.5) ? 'inbound' : 'outbound')) : 'inbound';
  const others = phoneUsers.filter((u) => u.id !== user.id);
  const internalPeer = others.length > 0 && rng.chance(0.2) ? rng.pick(others) : undefined;
  const me: SimCallParty = { name: user.display_name, number: String(user.phone_extension), number_type: 1, did_number: user.phone_number ?? '', user_id: user.id, ext_type: 'user' };
  const peer: SimCallParty = internalPeer
    ? { name: internalPeer.display_name, number: String(internalPeer.phone_extension), number_type: 1, did_number: internalPeer.phone_number ?? '', user_id: internalPeer.id, ext_type: 'user' }
    : { name: `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`, number: `+1${digits(rng, 10)}`, number_type: 2, did_number: '', user_id: null, ext_type: 'external_contact' };
  const startMs = input.start_time ? Date.parse(input.start_time) : ctx.nowMs - DAY;
  const seconds = input.durationSeconds ?? rng.int(20, 900);
  const recorded = answered && (input.recorded ?? true);
  const legOwners = (input.legOwners ?? []).map((id) => {
    const owner = tenant.users.find((u) => u.id === id);
    if (!owner || owner.phone_extension === null) throw new Error(`no phone user ${id} in account ${tenant.accountId}`);
    return owner;
  });
  const legCount = answered ? Math.max(1, input.legs ?? legOwners.length + 1) : 1;
  const dayStamp = new Date(startMs).toISOString().slice(0, 10).replace(/-/g, '');
  const legs: SimCallLeg[] = [];
  const legSpan = Math.floor((seconds * 1000) / legCount);
  const recordingOwner = input.recordingOwner ?? (input.queueOwned ? 'callQueue' : 'user');
  const delayMs = (input.recordingDelayMinutes ?? 0) * 60_000;
  for (let l = 0; l < legCount; l++) {
    const owner = l === 0 || others.length === 0 ? user : (legOwners[l - 1] ?? rng.pick(others));
    const legStart = startMs + l * legSpan;
    const legEnd = legStart + legSpan;
    const leg: SimCallLeg = {
      call_element_id: `${dayStamp}-${uuidV4(rng)}`,
      call_log_id: uuidV4(rng),
      event: l === 0 ? (direction === 'inbound' ? 'incoming' : 'outgoing') : rng.pick(['forward', 'warm_transfer'] as const),
      result,
      start_time: legStart,
      answer_time: answered ? legStart + 2000 : null,
      end_time: legEnd,
      owner_user_id: owner.id,
      owner_name: owner.display_name,
      owner_extension: owner.phone_extension,
      recording: null,
      voicemail_id: result === 'voicemail' ? hex(rng, 32) : null,
    };
    if (recorded) {
      const fileOwner = { kind: 'phone' as const, startMs: leg.answer_time ?? legStart, endMs: legEnd, namePrefix: `call ${owner.phone_extension}` };
      const recordingId = hex(rng, 32);
      const file = buildFile(ctx, tenant, rng, fileOwner, { file_type: 'MP3', file_size: input.recordingFileSize });
      // Phone recordings download from the API path /phone/recording/download/{recording id}.
      file.downloadKey = recordingId;
      // Zoom quirk: a recording is listed (and downloadable) only a while after its leg ends.
      file.readyAtMs = legEnd + delayMs;
      const recording: SimPhoneRecording = {
        id: recordingId,
        recording_type: rng.chance(0.7) ? 'Automatic' : 'OnDemand',
        owner_type: recordingOwner,
        owner_id: recordingOwner === 'user' ? owner.id : zoomId(rng),
        owner_name: recordingOwner === 'callQueue' ? 'Support Queue' : recordingOwner === 'autoReceptionist' ? 'Main Auto Receptionist' : owner.display_name,
        owner_extension: recordingOwner === 'callQueue' ? 800 : recordingOwner === 'autoReceptionist' ? 900 : owner.phone_extension,
        date_time: fileOwner.startMs,
        end_time: legEnd,
        file,
      };
      leg.recording = recording;
    }
    legs.push(leg);
  }
  return {
    call_id: digits(rng, 19),
    call_history_uuid: `${dayStamp}-${uuidV4(rng)}`,
    call_log_id: uuidV4(rng),
    direction,
    connect_type: internalPeer ? 'internal' : 'external',
    caller: direction === 'outbound' ? me : peer,
    callee: direction === 'outbound' ? peer : me,
    start_time: startMs,
    answer_time: answered ? startMs + 2000 : null,
    end_time: startMs + seconds * 1000,
    result,
    legs,
    site_id: tenant.accountId.slice(0, 8),
    site_name: 'Main Site',
  };
}

/** A complete tenant from a seed and the knobs: users, meetings over `days`, phone calls. */
export function generateTenant(ctx: GeneratorContext, index: number, spec: TenantSpec): SimTenant {
  const tenant = createEmptyTenant(ctx.seed, index, spec);
  const rng = createRng('generate', ctx.seed, tenant.accountId);
  const userCount = spec.users ?? 5;
  const inactive = spec.inactiveUsers ?? Math.floor(userCount / 5);
  for (let i = 0; i < userCount; i++) {
    tenant.users.push(buildUser(ctx, tenant, rng, { status: i >= userCount - inactive ? 'inactive' : 'active' }));
  }
  const days = spec.days ?? 7;
  const perDay = spec.meetingsPerDay ?? 4;
  const callsPerDay = spec.phoneCallsPerDay ?? 3;
  const scale = spec.mediaScale ?? 1;
  const today = startOfUtcDay(ctx.nowMs);
  for (let d = days; d >= 0; d--) {
    const day = today - d * DAY;
    for (let i = 0; i < perDay; i++) {
      const start = day + 7 * HOUR + rng.int(0, 10 * 60) * MINUTE;
      const durationMinutes = rng.int(10, 90);
      // History ends at the start time; in-progress meetings are left to control calls.
      if (start + durationMinutes * MINUTE > ctx.nowMs) continue;
      const recentlyEnded = ctx.nowMs - (start + durationMinutes * MINUTE) < DAY;
      const externalHost = rng.chance(spec.externalHostShare ?? 0.05);
      // Inactive users hosted meetings before they were deactivated; their recordings still count.
      const hosts = d > 2 ? tenant.users : tenant.users.filter((u) => u.status === 'active');
      // Drawn in the order they always were (host, then recorded), so seeds keep their tenants.
      const hostId = hosts.length > 0 ? rng.pick(hosts).id : undefined;
      const recorded = !rng.chance(spec.unrecordedShare ?? 0.15);
      // Shares that default to 0 draw nothing, so existing seeds generate the same tenants.
      const drawn = (share: number | undefined) => (share ?? 0) > 0 && rng.chance(share ?? 0);
      const recordingFailed = !recorded && drawn(spec.recordingFailedShare);
      const onePerson = drawn(spec.onePersonShare);
      const meeting = buildMeeting(ctx, tenant, rng, {
        externalHost,
        ...(onePerson ? { participants: 0 } : {}),
        recordingFailed,
        hostId,
        start_time: new Date(start).toISOString(),
        durationMinutes,
        recorded,
        segments: rng.chance(spec.multiSegmentShare ?? 0.15) ? 2 : 1,
        individualAudio: rng.chance(spec.individualAudioShare ?? 0.2),
        processing: recentlyEnded && rng.chance(spec.processingShare ?? 0.2),
        transcript: rng.chance(spec.transcriptShare ?? 0.5),
        chat: rng.chance(spec.chatShare ?? 0.5),
        timeline: rng.chance(spec.timelineShare ?? 0.2),
        oddUuid: rng.chance(spec.oddUuidShare ?? 0.1),
      });
      if (scale !== 1) for (const f of [...meeting.recording_files, ...meeting.participant_audio_files, ...meeting.archive_files]) f.file_size = Math.max(1, Math.round(f.file_size * scale));
      tenant.meetings.push(meeting);
    }
    for (let i = 0; i < callsPerDay; i++) {
      const start = day + 7 * HOUR + rng.int(0, 10 * 60) * MINUTE;
      const durationSeconds = rng.int(20, 900);
      if (start + durationSeconds * 1000 > ctx.nowMs) continue;
      if (!tenant.users.some((u) => u.phone_extension !== null && u.status === 'active')) continue;
      const missed = rng.chance(spec.phoneMissedShare ?? 0.1);
      const voicemail = !missed && rng.chance(spec.phoneVoicemailShare ?? 0.05);
      tenant.calls.push(buildPhoneCall(ctx, tenant, rng, {
        start_time: new Date(start).toISOString(),
        durationSeconds,
        recorded: rng.chance(spec.phoneRecordedShare ?? 0.7),
        legs: rng.chance(spec.multiLegShare ?? 0.3) ? 2 : 1,
        queueOwned: rng.chance(spec.queueOwnedShare ?? 0.2),
        result: missed ? 'no_answer' : voicemail ? 'voicemail' : 'answered',
        recordingDelayMinutes: rng.int(1, 30),
      }));
    }
  }
  return tenant;
}
