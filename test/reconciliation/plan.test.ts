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

  // Hand-worked from Zoom's rules (REFERENCE.md §4.2, §8): a dashboard page holds at most 300
  // meetings, so n meetings take ceil(n/300) pages, at least one (an empty day still asks once),
  // for each of `past` and `pastOne`; a user's reports are 3 listings of one page each.
  it('counts 300 meetings as one dashboard page each way (2 calls) and 301 as two (4 calls)', () => {
    expect(chooseMeetingPlan({ plan: 'business', configuredUsers: 1, expectedMeetings: 300 })).toEqual({
      plan: 'dashboard', estimate: { dashboard: 2, userReports: 3, expectedMeetings: 300, configuredUsers: 1 },
    });
    expect(chooseMeetingPlan({ plan: 'business', configuredUsers: 1, expectedMeetings: 301 })).toEqual({
      plan: 'user_reports', estimate: { dashboard: 4, userReports: 3, expectedMeetings: 301, configuredUsers: 1 },
    });
  });

  it('counts a day with no meetings expected as one page each way: 2 calls, not 0', () => {
    expect(chooseMeetingPlan({ plan: 'business', configuredUsers: 0, expectedMeetings: 0 })).toEqual({
      plan: 'user_reports', estimate: { dashboard: 2, userReports: 0, expectedMeetings: 0, configuredUsers: 0 },
    });
    expect(chooseMeetingPlan({ plan: 'business', configuredUsers: 1, expectedMeetings: 0 })).toEqual({
      plan: 'dashboard', estimate: { dashboard: 2, userReports: 3, expectedMeetings: 0, configuredUsers: 1 },
    });
  });

  it('takes the dashboard on a tie: 900 meetings (2 × 3 pages) against 2 users (2 × 3 listings)', () => {
    expect(chooseMeetingPlan({ plan: 'business', configuredUsers: 2, expectedMeetings: 900 })).toEqual({
      plan: 'dashboard', estimate: { dashboard: 6, userReports: 6, expectedMeetings: 900, configuredUsers: 2 },
    });
  });

  it('follows a Business+ tenant\'s user_reports preference even where the dashboard costs less', () => {
    // auto: 2 dashboard calls against 3000 report calls.
    expect(chooseMeetingPlan({ plan: 'business', configuredUsers: 1000, expectedMeetings: 10 }).plan).toBe('dashboard');
    expect(chooseMeetingPlan({ plan: 'business', configuredUsers: 1000, expectedMeetings: 10, preference: 'user_reports' })).toEqual({
      plan: 'user_reports', estimate: { dashboard: 2, userReports: 3000, expectedMeetings: 10, configuredUsers: 1000 },
    });
    expect(chooseMeetingPlan({ plan: 'business', configuredUsers: 1000, expectedMeetings: 10, preference: 'auto' }).plan).toBe('dashboard');
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

  it('takes a range of 31 days and refuses one of 32', () => {
    const october = daysToReconcile({ from: '2026-10-01', to: '2026-10-31' }, now);
    expect(october).toHaveLength(31);
    expect([october[0], october[30]]).toEqual(['2026-10-01', '2026-10-31']);
    expect(() => daysToReconcile({ from: '2026-09-30', to: '2026-10-31' }, now)).toThrow('a range covers at most 31 days; 2026-09-30..2026-10-31 has 32');
    // Across the end of February: 2026-02-01..2026-03-03 is 28 + 3 = 31 days, to 03-04 is 32.
    expect(daysToReconcile({ from: '2026-02-01', to: '2026-03-03' }, now)).toHaveLength(31);
    expect(() => daysToReconcile({ from: '2026-02-01', to: '2026-03-04' }, now)).toThrow(/has 32$/);
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

  // Worked by hand from the module's formula: effective latency = latency + 2 × jitter + 10 ms;
  // R = 93.2 − (effective / 40 under 160 ms, else (effective − 120) / 10) − 2.5 × loss %;
  // MOS = 1 + 0.035 R + 7·10⁻⁶ R (R − 60)(100 − R), to two decimals.
  it('weighs jitter twice: 100 ms, 40 ms jitter → effective 190, R 86.2, MOS 4.24; 20 ms, 10 ms jitter → effective 50, R 91.95, MOS 4.38', () => {
    expect(meanOpinionScore(100, 40, 0)).toBe(4.24);
    expect(meanOpinionScore(20, 10, 0)).toBe(4.38);
  });

  it('takes 2.5 R per percent of loss: 4% → R 82.95, MOS 4.13; 300 ms, 20 ms jitter, 10% → effective 350, R 45.2, MOS 2.33', () => {
    expect(meanOpinionScore(0, 0, 4)).toBe(4.13);
    expect(meanOpinionScore(300, 20, 10)).toBe(2.33);
  });

  it('reads Zoom\'s unit strings and averages a participant\'s audio each way, or gives none without audio samples', () => {
    expect(qosNumber('24 ms')).toBe(24);
    expect(qosNumber('0.1%')).toBe(0.1);
    expect(qosNumber('')).toBeUndefined();
    const metric = (latency: string, loss: string) => ({ latency, jitter: '0 ms', avg_loss: loss });
    const score = participantVoiceQuality({ user_qos: [{ audio_input: metric('0 ms', '0%'), audio_output: metric('400 ms', '5%') }] });
    // 0 ms, 0%: R 92.95, MOS 4.40; 400 ms, 5%: effective 410, R 51.7, MOS 2.66; their mean 3.53.
    expect(score).toBe(3.53);
    expect(participantVoiceQuality({ user_qos: [{ video_input: metric('10 ms', '0%') }] })).toBeUndefined();
    // Jitter read from the sample too: 100 ms with 40 ms jitter is the 4.24 above, not 0 ms jitter's 4.35 (R 90.45).
    expect(participantVoiceQuality({ user_qos: [{ audio_input: { latency: '100 ms', jitter: '40 ms', avg_loss: '0%' } }] })).toBe(4.24);
  });
});
