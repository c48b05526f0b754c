import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { Database } from '../db/client.js';
import { getRecordedUser, listRecordedUsers, recordedUserInputSchema, upsertRecordedUser, type RecordedUserInput } from '../db/queries/recorded-users.js';
import { getTenant, listTenants, tenantInputSchema, tenantOptionsShape, upsertTenant, type TenantInput } from '../db/queries/tenants.js';
import type { MeetingSource } from '../ingest/types.js';
import type { SecretBox } from '../security/secrets.js';

// The tenants file: the operator's list of tenants (Zoom accounts) and the users to record in
// each, in YAML or JSON. It is validated whole before anything is written, so a typo never leaves
// half a configuration applied, and applying the same file again changes nothing.

const SOURCES = ['archiving', 'cloud_recordings', 'phone'] as const satisfies readonly (MeetingSource | 'phone')[];

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Where a secret comes from: a literal (tests, local demos) or `{ env: NAME }` (everything else). */
const secretSchema = (env: NodeJS.ProcessEnv) =>
  z.union([
    z.string().min(1),
    z.strictObject({ env: z.string().regex(ENV_NAME, 'must be an environment variable name') }),
  ]).transform((value, ctx) => {
    if (typeof value === 'string') return value;
    const resolved = env[value.env];
    if (!resolved) {
      ctx.addIssue({ code: 'custom', message: `environment variable ${value.env} is ${resolved === '' ? 'empty' : 'not set'}` });
      return z.NEVER;
    }
    return resolved;
  });

// Field rules are the database's own (tenantInputSchema, recordedUserInputSchema): one definition.
const tenant = tenantInputSchema.shape;
const userSchema = recordedUserInputSchema.strict();

const tenantsFileSchema = (env: NodeJS.ProcessEnv) =>
  z.strictObject({
    tenants: z.array(
      z.strictObject({
        id: tenant.id,
        name: tenant.name,
        accountId: tenant.zoomAccountId,
        clientId: tenant.zoomClientId,
        clientSecret: secretSchema(env),
        webhookSecretToken: secretSchema(env).optional(),
        plan: tenant.plan,
        apiBaseUrl: tenant.zoomApiBaseUrl,
        oauthTokenUrl: tenant.zoomOauthTokenUrl,
        proxyUrl: tenant.proxyUrl,
        allowedDownloadHosts: tenant.allowedDownloadHosts,
        sources: z.array(z.enum(SOURCES)).default(['archiving']),
        pollIntervalSeconds: tenant.pollIntervalSeconds,
        internalNumberPatterns: tenant.internalNumberPatterns,
        options: z.strictObject(tenantOptionsShape).default({ deleteAfterArchive: false }),
        users: z.array(userSchema).default([]),
      }),
    ),
  }).superRefine((file, ctx) => {
    const firstTenant = new Map<string, number>();
    file.tenants.forEach((t, i) => {
      const first = firstTenant.get(t.id);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['tenants', i, 'id'], message: `duplicate tenant id '${t.id}' (already used by tenants[${first}])` });
      else firstTenant.set(t.id, i);
      const firstUser = new Map<string, number>();
      t.users.forEach((u, j) => {
        const firstJ = firstUser.get(u.zoomUserId);
        if (firstJ !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['tenants', i, 'users', j, 'zoomUserId'], message: `duplicate Zoom user id '${u.zoomUserId}' in tenant '${t.id}' (already used by users[${firstJ}])` });
        } else firstUser.set(u.zoomUserId, j);
      });
    });
  });

export type TenantsFile = z.output<ReturnType<typeof tenantsFileSchema>>;
export type TenantsFileTenant = TenantsFile['tenants'][number];

/** Every problem of a tenants file, each as `path: message`, so a person can fix them all in one go. */
export class TenantsFileError extends Error {
  override name = 'TenantsFileError';
  constructor(readonly source: string | undefined, readonly problems: string[]) {
    super(`invalid tenants file${source ? ` ${source}` : ''}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** `tenants[1].users[0].modality`: the path as a person would write it. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) out += typeof segment === 'number' ? `[${segment}]` : `${out ? '.' : ''}${String(segment)}`;
  return out || '(file)';
}

export interface ParseTenantsFileOptions {
  /** Where `{ env: NAME }` secrets are read from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Named in errors (a file path); `.json` files are parsed as JSON, anything else as YAML. */
  source?: string;
}

/** Parses and validates a tenants file's text, with its secrets resolved; throws TenantsFileError. */
export function parseTenantsFile(text: string, options: ParseTenantsFileOptions = {}): TenantsFile {
  const { source } = options;
  const isJson = extname(source ?? '').toLowerCase() === '.json';
  let raw: unknown;
  try {
    raw = isJson ? JSON.parse(text) : parseYaml(text, { prettyErrors: true });
  } catch (err) {
    throw new TenantsFileError(source, [`cannot be read as ${isJson ? 'JSON' : 'YAML'}: ${(err as Error).message}`]);
  }
  const parsed = tenantsFileSchema(options.env ?? process.env).safeParse(raw ?? {});
  if (!parsed.success) throw new TenantsFileError(source, parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`));
  return parsed.data;
}

export async function loadTenantsFile(path: string, options: Omit<ParseTenantsFileOptions, 'source'> = {}): Promise<TenantsFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new TenantsFileError(path, [`cannot be read: ${(err as Error).message}`]);
  }
  return parseTenantsFile(text, { ...options, source: path });
}

/** The file's tenant as the database's input. */
export function toTenantInput(t: TenantsFileTenant): TenantInput {
  return {
    id: t.id,
    name: t.name,
    zoomAccountId: t.accountId,
    zoomClientId: t.clientId,
    zoomClientSecret: t.clientSecret,
    ...(t.webhookSecretToken !== undefined ? { webhookSecretToken: t.webhookSecretToken } : {}),
    plan: t.plan,
    zoomApiBaseUrl: t.apiBaseUrl,
    zoomOauthTokenUrl: t.oauthTokenUrl,
    ...(t.proxyUrl !== undefined ? { proxyUrl: t.proxyUrl } : {}),
    allowedDownloadHosts: t.allowedDownloadHosts,
    archivingEnabled: t.sources.includes('archiving'),
    cloudRecordingsEnabled: t.sources.includes('cloud_recordings'),
    phoneEnabled: t.sources.includes('phone'),
    pollIntervalSeconds: t.pollIntervalSeconds,
    internalNumberPatterns: t.internalNumberPatterns,
    options: t.options,
  };
}

export interface ApplyCounts {
  created: number;
  updated: number;
  unchanged: number;
}

export interface ApplySummary {
  tenants: ApplyCounts;
  users: ApplyCounts;
  /**
   * In the database but not in the file: left as they are (CDRs refer to them), reported so the
   * operator notices. To stop recording a user, keep it in the file with `enabled: false`.
   */
  notInFile: { tenants: string[]; users: { tenantId: string; zoomUserId: string }[] };
}

const outcome = (before: { updatedAt: Date } | undefined, after: { updatedAt: Date }): keyof ApplyCounts =>
  !before ? 'created' : before.updatedAt.getTime() === after.updatedAt.getTime() ? 'unchanged' : 'updated';

/**
 * Creates or updates every tenant and recorded user of the file, in one transaction: all of it is
 * applied or none. Applying the same file twice changes nothing (not even updated_at).
 */
export async function applyTenantsFile(db: Database, secrets: SecretBox, config: TenantsFile): Promise<ApplySummary> {
  return db.transaction(async (tx) => {
    const summary: ApplySummary = {
      tenants: { created: 0, updated: 0, unchanged: 0 },
      users: { created: 0, updated: 0, unchanged: 0 },
      notInFile: { tenants: [], users: [] },
    };
    for (const t of config.tenants) {
      const before = await getTenant(tx, t.id);
      summary.tenants[outcome(before, await upsertTenant(tx, secrets, toTenantInput(t)))] += 1;
      for (const u of t.users) {
        const input: RecordedUserInput = u;
        const userBefore = await getRecordedUser(tx, t.id, u.zoomUserId);
        summary.users[outcome(userBefore, await upsertRecordedUser(tx, t.id, input))] += 1;
      }
      const inFile = new Set(t.users.map((u) => u.zoomUserId));
      for (const stored of await listRecordedUsers(tx, t.id)) {
        if (!inFile.has(stored.zoomUserId)) summary.notInFile.users.push({ tenantId: t.id, zoomUserId: stored.zoomUserId });
      }
    }
    const tenantIds = new Set(config.tenants.map((t) => t.id));
    summary.notInFile.tenants = (await listTenants(tx)).map((t) => t.id).filter((id) => !tenantIds.has(id));
    return summary;
  });
}
