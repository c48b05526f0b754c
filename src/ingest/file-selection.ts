import type { ConversationType } from '../db/schema/conversations.js';
import type { Modality } from '../db/schema/tenants.js';

// Which of a meeting's files a recorded user needs, by the user's modality (DESIGN "CDR fields").

export interface FileFacts {
  /** Zoom's file_type: MP4, M4A, MP3, CHAT, TRANSCRIPT, CC, CSV, TIMELINE, SUMMARY, ... */
  fileType: string;
  /** Set on per-participant audio ("record a separate audio file of each participant"). */
  participantZoomUserId: string | null;
}

export interface UserModality {
  modality: Modality;
  individualAudio: boolean;
  /** Names the user's own individual archive files (the archiving API names them by email). */
  email?: string;
}

const AUDIO_TYPES = new Set(['M4A', 'MP3']);
const VIDEO_TYPES = new Set(['MP4']);

export function wantsFile(user: UserModality, file: FileFacts): boolean {
  const type = file.fileType.toUpperCase();
  if (file.participantZoomUserId !== null) {
    // The user's own individual recording (all a meeting hosted outside the account may hold of them).
    const own = user.email !== undefined && file.participantZoomUserId.toLowerCase() === user.email.toLowerCase();
    if (own) return AUDIO_TYPES.has(type) || (VIDEO_TYPES.has(type) && user.modality !== 'voice');
    return user.individualAudio && AUDIO_TYPES.has(type);
  }
  if (VIDEO_TYPES.has(type)) return user.modality !== 'voice';
  // Audio, chat, transcripts, captions and the other text files are kept for every recorded user.
  return true;
}

/** A user configured for video or screen gets the MP4 and the screen & application share type. */
export function conversationTypeFor(modality: Modality): ConversationType {
  return modality === 'voice' ? 'voice' : 'screen_share';
}
