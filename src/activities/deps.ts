import type { Database } from '../db/client.js';
import type { DropFolder } from '../recovery/drop-folder.js';
import type { TemporalTarget } from '../recovery/submit.js';
import type { MediaStore } from '../storage/media-store.js';
import type { ZoomClients } from './zoom-clients.js';

/** What activities need from the outside world: the worker hands in real ones, tests their own. */
export interface ActivityDeps {
  db: Database;
  store: MediaStore;
  zoom: ZoomClients;
  /** Hostname of this worker: the CDRs' `location`. */
  location: string;
  /** How far back the first sync of a source looks. */
  initialLookbackDays?: number;
  /** Temporal, for activities that signal another workflow (a sync's automatic recovery, the CSV intake). */
  temporal?: TemporalTarget;
  /** Where support drops CSV files of meetings to recover (`<root>/<tenant>/csv/`). */
  dropFolder?: DropFolder;
}
