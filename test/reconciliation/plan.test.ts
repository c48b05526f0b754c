import { describe, expect, it } from 'vitest';
import { clockSeconds } from '../../src/activities/reconcile-meetings.js';
import { chooseMeetingPlan } from '../../src/reconciliation/meeting-plan.js';
import { meanOpinionScore, participantVoiceQuality, qosNumber } from '../../src/reconciliation/voice-quality.js';
import { daysToReconcile } from '../../src/workflows/reconcile-days.js';

// Pure logic of reconciliation: which plan a tenant's day costs least, which days a run covers,
// Zoom's dashboard durations and the voice quality score.

describe('the meetings plan', () => {
  it('takes the dashboard for a large Business+ account: 2 × ceil(meetings/300) against 3 calls per configured user', () => {
    expect(chooseMeetingPlan({ plan: 'business', configuredUsers: 5000, expectedMeetings: 50_000 })).toEqual({
      plan: 'dashboard', estimate: { dashboard: 334, userReports: 15_000, expectedMeetings: 50_000, configuredUsers: 5000 },
    });
  });

  it('takes user reports when few users are configured in a busy account, and always on Pro (no dashboard)', () => {
    expect(chooseMeetingPlan({ plan: 'business', configuredUsers: 3, expectedMeetings: 20_000 }).plan).toBe('user_reports');
    expect(chooseMeetingPlan({ plan: 'pro', configuredUsers: 5000, expectedMeetings: 10 })).toMatchObject({ plan: 'user_reports', estimate: { dashboard: null } });
  });

  it('follows the tenant\'s preference where the plan allows it', () => {
    expect(chooseMeetingPlan({ plan: 'business', configuredUsers: 1, expectedMeetings: 90_000, preference: 'dashboard' }).plan).toBe('dashboard');
    expect(chooseMeetingPlan({ plan: 'pro', configuredUsers: 1, expectedMeetings: 1, preference: 'dashboard' }).plan).toBe('user_reports');
  });
});

describe('the days a reconcileDays run covers', () => {
  const now = Date.parse('2026-11-22T02:07:00Z');

  it('is yesterday and the day before when no range is given', () => {
    expect(daysToReconcile({}, now)).toEqual(['2026-11-20', '2026-11-21']);
  });

  it('is every day of a range, and refuses a range that is malformed, reversed, unfinished or too long', () => {
    expect(daysToReconcile({ from: '2026-10-30', to: '2026-11-02' }, now)).toEqual(['2026-10-30', '2026-10-31', '2026-11-01', '2026-11-02']);
    expect(() => daysToReconcile({ from: '2026-11-01' }, now)).toThrow(/both "from" and "to"/);
    expect(() => daysToReconcile({ from: '2026-02-30', to: '2026-03-01' }, now)).toThrow(/"from" must be a UTC day as yyyy-mm-dd, got "2026-02-30"/);
    expect(() => daysToReconcile({ from: '2026-11-05', to: '2026-11-01' }, now)).toThrow(/before "from"/);
    expect(() => daysToReconcile({ from: '2026-11-20', to: '2026-11-22' }, now)).toThrow(/must be a day that has ended/);
    expect(() => daysToReconcile({ from: '2026-09-01', to: '2026-11-01' }, now)).toThrow(/at most 31 days/);
  });
});

describe('Zoom\'s dashboard durations', () => {
  it('reads "hh:mm:ss" and "mm:ss" strings, and minutes where a number is given', () => {
    expect(clockSeconds('01:02:03')).toBe(3723);
    expect(clockSeconds('00:56')).toBe(56);
    expect(clockSeconds(30)).toBe(1800);
    expect(clockSeconds(undefined)).toBeUndefined();
    expect(clockSeconds('soon')).toBeUndefined();
  });
});

describe('voice quality from Zoom\'s QoS', () => {
  it('is the E-model\'s mean opinion score: about 4.4 on a perfect line, under 3 with 400 ms and 5% loss, lower with more loss', () => {
    expect(meanOpinionScore(0, 0, 0)).toBeCloseTo(4.4, 1);
    expect(meanOpinionScore(400, 20, 5)).toBeLessThan(3);
    expect(meanOpinionScore(50, 5, 2)).toBeLessThan(meanOpinionScore(50, 5, 0.5));
    expect(meanOpinionScore(5000, 500, 100)).toBe(1);
  });

  it('reads Zoom\'s unit strings and averages a participant\'s audio each way, or gives none without audio samples', () => {
    expect(qosNumber('24 ms')).toBe(24);
    expect(qosNumber('0.1%')).toBe(0.1);
    expect(qosNumber('')).toBeUndefined();
    const metric = (latency: string, loss: string) => ({ latency, jitter: '0 ms', avg_loss: loss });
    const score = participantVoiceQuality({ user_qos: [{ audio_input: metric('0 ms', '0%'), audio_output: metric('400 ms', '5%') }] });
    expect(score).toBeCloseTo((meanOpinionScore(0, 0, 0) + meanOpinionScore(400, 0, 5)) / 2, 2);
    expect(participantVoiceQuality({ user_qos: [{ video_input: metric('10 ms', '0%') }] })).toBeUndefined();
  });
});
