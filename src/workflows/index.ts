// Every workflow the worker runs is exported from here; the worker bundles this file.
export { tenantSync } from './tenant-sync.js';
export { ingestMeeting } from './ingest-meeting.js';
