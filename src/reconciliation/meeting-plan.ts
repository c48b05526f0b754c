import type { ZoomPlan } from '../zoom/index.js';

// How a day's meetings are found. Zoom offers two ways, both counted against the daily quota:
// the account's dashboard (GET /metrics/meetings, resource-intensive, Business+ only), whose cost
// grows with the account's meetings (300 a page, `past` and `pastOne` walked apart), and each
// configured user's reports (GET /report/users/{id}/meetings, heavy), whose cost grows with the
// configured users (`past`, `pastOne` and `pastJoined`: three listings each). The cheaper one wins.

export type MeetingPlan = 'dashboard' | 'user_reports';

/** Rows a dashboard or report page holds at most. */
export const ROWS_PER_PAGE = 300;
/** The listings each plan walks per day: the dashboard's past and pastOne; a user's past, pastOne and pastJoined. */
export const DASHBOARD_LISTINGS = ['past', 'pastOne'] as const;
export const USER_REPORT_LISTINGS = ['past', 'pastOne', 'pastJoined'] as const;

export interface MeetingPlanInput {
  plan: ZoomPlan;
  /** Configured users whose reports the per-user plan would walk. */
  configuredUsers: number;
  /** Meetings the account is expected to hold that day (the last reconciled day's count, else what the import listed). */
  expectedMeetings: number;
  /** The tenant's setting: `auto` chooses by cost. */
  preference?: 'auto' | 'dashboard' | 'user_reports';
}

export interface MeetingPlanChoice {
  plan: MeetingPlan;
  /** The heavy calls each plan is expected to cost (null: not available on the tenant's plan). */
  estimate: { dashboard: number | null; userReports: number; expectedMeetings: number; configuredUsers: number };
}

export function chooseMeetingPlan(input: MeetingPlanInput): MeetingPlanChoice {
  // Zoom quirk: the dashboard answers 400 on Pro accounts ("only available for ... Business or higher").
  const dashboard = input.plan === 'business'
    ? DASHBOARD_LISTINGS.length * Math.max(1, Math.ceil(input.expectedMeetings / ROWS_PER_PAGE))
    : null;
  const userReports = USER_REPORT_LISTINGS.length * input.configuredUsers;
  const estimate = { dashboard, userReports, expectedMeetings: input.expectedMeetings, configuredUsers: input.configuredUsers };
  const preference = input.preference ?? 'auto';
  if (preference === 'user_reports' || dashboard === null) return { plan: 'user_reports', estimate };
  if (preference === 'dashboard') return { plan: 'dashboard', estimate };
  return { plan: dashboard <= userReports ? 'dashboard' : 'user_reports', estimate };
}
