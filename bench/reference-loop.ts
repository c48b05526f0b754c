/**
 * The reference the archiver is measured against: what someone would write in an afternoon to
 * copy a Zoom account's cloud recordings to disk. One token, then for each user each window of
 * `GET /users/{userId}/recordings` page by page, and each listed file downloaded to a file with
 * the bearer token, one after another. No database, no Temporal, no checksums, no retries.
 */
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { request } from 'undici';

export interface ReferenceAccount {
  accountId: string;
  clientId: string;
  clientSecret: string;
  apiBaseUrl: string;
  oauthTokenUrl: string;
}

export interface ReferenceLoopInput {
  account: ReferenceAccount;
  /** The users whose recordings are copied (the archiver's configured users). */
  userIds: string[];
  /** yyyy-mm-dd, inclusive. */
  from: string;
  to: string;
  /** Where the files go, one per Zoom file id. */
  dir: string;
}

interface RecordingsPage {
  next_page_token: string;
  meetings: { uuid: string; recording_files?: { id?: string; status?: string; file_extension?: string; download_url?: string }[] }[];
}

const DAY_MS = 86_400_000;
/** Zoom takes at most one month per call; 28 days is within that whatever the month. */
const WINDOW_DAYS = 28;
const PAGE_SIZE = 300;

async function json<T>(res: Awaited<ReturnType<typeof request>>, what: string): Promise<T> {
  if (res.statusCode !== 200) throw new Error(`${what}: ${res.statusCode} ${await res.body.text()}`);
  return (await res.body.json()) as T;
}

/** Copies every completed file the users' listings show into `dir`; returns the files and bytes written. */
export async function referenceLoop({ account, userIds, from, to, dir }: ReferenceLoopInput): Promise<{ files: number; bytes: number }> {
  const basic = Buffer.from(`${account.clientId}:${account.clientSecret}`).toString('base64');
  const tokenRes = await request(account.oauthTokenUrl, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'account_credentials', account_id: account.accountId }).toString(),
  });
  // One token: a run is far shorter than its hour.
  const { access_token: token } = await json<{ access_token: string }>(tokenRes, 'token');
  const authorization = `Bearer ${token}`;

  let files = 0;
  let bytes = 0;
  const end = Date.parse(`${to}T00:00:00Z`);
  for (const userId of userIds) {
    for (let start = Date.parse(`${from}T00:00:00Z`); start <= end; start += WINDOW_DAYS * DAY_MS) {
      const windowFrom = new Date(start).toISOString().slice(0, 10);
      const windowTo = new Date(Math.min(end, start + (WINDOW_DAYS - 1) * DAY_MS)).toISOString().slice(0, 10);
      let next = '';
      do {
        const query = new URLSearchParams({ from: windowFrom, to: windowTo, page_size: String(PAGE_SIZE), next_page_token: next });
        const url = `${account.apiBaseUrl}/users/${encodeURIComponent(userId)}/recordings?${query}`;
        const page = await json<RecordingsPage>(await request(url, { headers: { authorization } }), `recordings of ${userId}`);
        for (const meeting of page.meetings) {
          for (const file of meeting.recording_files ?? []) {
            // TIMELINE and CC files have no id (the bench's tenant has none): named by id, they are left out.
            if (file.status !== 'completed' || !file.download_url || !file.id) continue;
            const res = await request(file.download_url, { headers: { authorization } });
            if (res.statusCode !== 200) throw new Error(`download ${file.id} of ${meeting.uuid}: ${res.statusCode}`);
            const out = createWriteStream(join(dir, `${file.id}.${(file.file_extension ?? 'bin').toLowerCase()}`));
            await pipeline(res.body, out);
            files += 1;
            bytes += out.bytesWritten;
          }
        }
        next = page.next_page_token;
      } while (next !== '');
    }
  }
  return { files, bytes };
}
