// Every workflow the worker runs is exported from here; the worker bundles this file.
export { tenantSync } from './tenant-sync.js';
export { ingestMeeting } from './ingest-meeting.js';
export { phoneSync } from './phone-sync.js';
export { ingestPhoneCall } from './ingest-phone-call.js';
export { reconcile } from './reconcile.js';
export { reconcileDays } from './reconcile-days.js';
export { recovery } from './recovery.js';
export { csvIntake } from './csv-intake.js';
