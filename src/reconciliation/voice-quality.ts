import type { ParticipantQos } from '../zoom/index.js';

// A participant's voice quality as a mean opinion score (1–5) from Zoom's QoS samples: the
// ITU-T G.107 E-model, simplified as is usual for VoIP monitoring (effective latency from latency
// and jitter, a penalty per percent of packet loss), over the audio each way of every sample.

/** Zoom quirk: QoS values are strings with units ("24 ms", "0.1%", "27 kbps"). */
export function qosNumber(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const n = Number.parseFloat(value);
  return Number.isFinite(n) ? n : undefined;
}

/** MOS of one audio stream: latency and jitter in ms, loss in percent. */
export function meanOpinionScore(latencyMs: number, jitterMs: number, lossPercent: number): number {
  const effective = latencyMs + 2 * jitterMs + 10;
  let r = 93.2 - (effective < 160 ? effective / 40 : (effective - 120) / 10);
  r -= 2.5 * lossPercent;
  r = Math.max(0, Math.min(100, r));
  const mos = 1 + 0.035 * r + 0.000007 * r * (r - 60) * (100 - r);
  return Math.max(1, Math.min(5, Math.round(mos * 100) / 100));
}

/** The participant's score: the mean over every sample's incoming and outgoing audio; undefined without audio samples. */
export function participantVoiceQuality(participant: ParticipantQos): number | undefined {
  const scores: number[] = [];
  for (const sample of participant.user_qos) {
    for (const audio of [sample.audio_input, sample.audio_output]) {
      const latency = qosNumber(audio?.latency);
      if (latency === undefined) continue;
      scores.push(meanOpinionScore(latency, qosNumber(audio?.jitter) ?? 0, qosNumber(audio?.avg_loss) ?? 0));
    }
  }
  if (scores.length === 0) return undefined;
  return Math.round((scores.reduce((a, b) => a + b, 0) / scores.length) * 100) / 100;
}
