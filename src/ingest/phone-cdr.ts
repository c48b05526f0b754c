import type { ConversationInput } from '../db/queries/conversations.js';
import type { ConversationParticipant } from '../db/schema/conversations.js';
import type { CallHistoryDetail, CallPathLeg } from '../zoom/index.js';

// The conversation record of one recorded user in one Zoom Phone call (DESIGN "CDR fields",
// phone): one per user and call id, however many legs and recordings the call had.

/** One side of a call or of a leg; internal parties carry their Zoom ids. */
export interface CallParty {
  name: string;
  /** Extension or E.164 number. */
  number?: string;
  zoomUserId?: string;
  extension?: string;
  email?: string;
}

export interface CallLegParties {
  recordingId: string | null;
  /** ISO 8601. */
  startedAt: string | null;
  endedAt: string | null;
  caller: CallParty;
  callee: CallParty;
}

/** Who was on the call, leg by leg (from GET /phone/call_history/{uuid}). */
export interface CallParties {
  startedAt: string | null;
  endedAt: string | null;
  legs: CallLegParties[];
}

const nonEmpty = (v: string | undefined): string | undefined => (v ? v : undefined);

type PartyFields = Pick<CallPathLeg, `${'caller' | 'callee'}_${'ext_number' | 'name' | 'did_number' | 'ext_id' | 'email'}`>;

/** One end of a leg, or of a whole call as the call history lists it (the same fields). */
export function partyOf(row: PartyFields, side: 'caller' | 'callee'): CallParty {
  const extension = nonEmpty(row[`${side}_ext_number`]);
  const party: CallParty = { name: row[`${side}_name`] ?? '' };
  const number = extension ?? nonEmpty(row[`${side}_did_number`]);
  if (number) party.number = number;
  const id = nonEmpty(row[`${side}_ext_id`]);
  if (id) party.zoomUserId = id;
  if (extension) party.extension = extension;
  const email = nonEmpty(row[`${side}_email`]);
  if (email) party.email = email;
  return party;
}

export function partiesFromCallPath(detail: CallHistoryDetail): CallParties {
  return {
    startedAt: detail.start_time,
    endedAt: detail.end_time ?? null,
    legs: detail.call_path.map((leg) => ({
      recordingId: nonEmpty(leg.recording_id) ?? null,
      startedAt: leg.start_time ?? null,
      endedAt: leg.end_time ?? null,
      caller: partyOf(leg, 'caller'),
      callee: partyOf(leg, 'callee'),
    })),
  };
}

/** The call as listed (a row of listed_calls). */
export interface PhoneCallFacts {
  callId: string;
  zoomDirection: string;
  callerNumber: string;
  callerNumberType: number | null;
  callerName: string | null;
  calleeNumber: string;
  calleeNumberType: number | null;
  calleeName: string | null;
}

export interface PhoneRecordedUser {
  zoomUserId: string;
  name: string;
  email: string;
  /** The configured extension, or the one Zoom gave on the user's recordings. */
  extension: string | null;
}

export interface PhoneCdrInput {
  call: PhoneCallFacts;
  parties: CallParties | null;
  user: PhoneRecordedUser;
  /** The user's recordings of this call. */
  recordings: { startedAt: Date; endedAt: Date | null; durationSeconds: number }[];
  internalNumberPatterns: readonly string[];
  location: string;
}

const isUser = (party: CallParty, user: PhoneRecordedUser): boolean =>
  (party.zoomUserId !== undefined && party.zoomUserId === user.zoomUserId)
  || (party.extension !== undefined && party.extension === user.extension)
  || (party.email !== undefined && party.email.toLowerCase() === user.email.toLowerCase());

/** Zoom's number type 1 is an extension of the account; the tenant's patterns add its own numbers (DIDs). */
export function isInternalNumber(number: string, numberType: number | null, patterns: readonly string[]): boolean {
  return numberType === 1 || patterns.some((p) => new RegExp(p).test(number));
}

/**
 * Direction from the system's view: internal when both ends are the organisation's, outbound when
 * only the caller is, inbound when only the callee is; Zoom's own direction when neither is known.
 */
export function systemDirection(call: PhoneCallFacts, patterns: readonly string[]): 'inbound' | 'outbound' | 'internal' {
  const callerInside = isInternalNumber(call.callerNumber, call.callerNumberType, patterns);
  const calleeInside = isInternalNumber(call.calleeNumber, call.calleeNumberType, patterns);
  if (callerInside && calleeInside) return 'internal';
  if (callerInside) return 'outbound';
  if (calleeInside) return 'inbound';
  return call.zoomDirection === 'outbound' ? 'outbound' : 'inbound';
}

/** Every party across the legs, once each: the call's two ends and whoever took a leg. */
export function callParticipants(call: PhoneCallFacts, parties: CallParties | null): ConversationParticipant[] {
  const all: CallParty[] = [
    { name: call.callerName ?? '', number: call.callerNumber },
    { name: call.calleeName ?? '', number: call.calleeNumber },
    ...(parties?.legs.flatMap((l) => [l.caller, l.callee]) ?? []),
  ];
  const byKey = new Map<string, ConversationParticipant>();
  for (const party of all) {
    const key = party.zoomUserId ?? party.number ?? party.name;
    if (!key) continue;
    const seen = byKey.get(key) ?? [...byKey.values()].find((p) => p.phoneNumber !== undefined && p.phoneNumber === party.number);
    if (seen) {
      if (!seen.name && party.name) seen.name = party.name;
      if (!seen.zoomUserId && party.zoomUserId) seen.zoomUserId = party.zoomUserId;
      if (!seen.email && party.email) seen.email = party.email;
      continue;
    }
    byKey.set(key, {
      name: party.name,
      ...(party.zoomUserId ? { zoomUserId: party.zoomUserId } : {}),
      ...(party.email ? { email: party.email } : {}),
      ...(party.number ? { phoneNumber: party.number } : {}),
    });
  }
  return [...byKey.values()];
}

/** The product's media length format: hhh:mm:ss. */
export function formatMediaLength(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  return `${pad(Math.floor(s / 3600), 3)}:${pad(Math.floor((s % 3600) / 60), 2)}:${pad(s % 60, 2)}`;
}

export function buildPhoneCdr({ call, parties, user, recordings, internalNumberPatterns, location }: PhoneCdrInput): ConversationInput {
  // The user's own legs give their time on the call; without the call's path, their recordings do.
  const legs = parties?.legs.filter((l) => isUser(l.caller, user) || isUser(l.callee, user)) ?? [];
  const starts = (legs.length > 0 ? legs.map((l) => l.startedAt) : recordings.map((r) => r.startedAt.toISOString())).filter((t): t is string => t !== null);
  const ends = (legs.length > 0 ? legs.map((l) => l.endedAt) : recordings.map((r) => r.endedAt?.toISOString() ?? null)).filter((t): t is string => t !== null);
  // A call reconciliation found without any recording: the call's own start.
  if (starts.length === 0 && parties?.startedAt) starts.push(parties.startedAt);
  if (ends.length === 0 && parties?.endedAt) ends.push(parties.endedAt);
  const startedAt = new Date(starts.reduce((a, b) => (a < b ? a : b)));
  const endedAt = ends.length > 0 ? new Date(ends.reduce((a, b) => (a > b ? a : b))) : null;
  const firstLeg = parties?.legs[0];
  const isCaller = (user.extension !== null && call.callerNumber === user.extension) || (firstLeg !== undefined && isUser(firstLeg.caller, user));
  return {
    sourcePlatform: 'Zoom Phone',
    platformCallId: call.callId,
    recordedUserZoomId: user.zoomUserId,
    recordedUserName: user.name,
    recordedUserExtension: user.extension,
    startedAt,
    endedAt,
    durationSeconds: endedAt ? Math.max(0, Math.round((endedAt.getTime() - startedAt.getTime()) / 1000)) : null,
    from: call.callerNumber,
    fromInfo: call.callerName,
    to: call.calleeNumber,
    toInfo: call.calleeName,
    callerNumber: call.callerNumber,
    callerName: call.callerName,
    calleeNumber: call.calleeNumber,
    calleeName: call.calleeName,
    direction: systemDirection(call, internalNumberPatterns),
    userDirection: isCaller ? 'outgoing' : 'incoming',
    conversationType: 'voice',
    recordingFailed: false,
    mediaLengthSeconds: recordings.reduce((sum, r) => sum + r.durationSeconds, 0),
    participants: callParticipants(call, parties),
    recordType: 'standard',
    location,
  };
}
