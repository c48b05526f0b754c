import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { issueApiKey } from '../api/access.js';
import { readEnv } from '../config/env.js';
import { databaseOptionsFromEnv, openDatabase } from '../db/client.js';
import { listApiKeys, revokeApiKey } from '../db/queries/api-access.js';
import { getTenant } from '../db/queries/tenants.js';
import { API_ROLES, type ApiRole } from '../db/schema/api-access.js';

// `npm run keys -- …`: the support API's keys. A key's secret is printed once, when it is made;
// the database keeps only its SHA-256. Rotate without downtime: create the new key, move the
// clients to it, then revoke the old one.

const USAGE = `usage: npm run keys -- <command>

  create --name <who> --role viewer|operator [--tenants a,b]   make a key; prints its token once
  list                                                          every key (never a secret)
  revoke <key id>                                               the key stops working at once

viewer keys read; operator keys also recover, retry, pause, trigger and reconcile. --tenants limits
a key to those tenants. The database is DATABASE_URL, else the embedded one in DATA_DIR.`;

export async function runApiKeysCli(args: string[], out: (line: string) => void = console.log): Promise<number> {
  const [command, ...rest] = args;
  if (command !== 'create' && command !== 'list' && command !== 'revoke') {
    out(USAGE);
    return 2;
  }
  const env = readEnv();
  const { db, close } = await openDatabase(databaseOptionsFromEnv(env));
  try {
    if (command === 'list') {
      for (const k of await listApiKeys(db)) {
        out(`${k.id}  ${k.role.padEnd(8)}  ${k.name}  tenants: ${k.tenants?.join(',') ?? 'all'}  created ${k.createdAt.toISOString()}`
          + `${k.lastUsedAt ? `  last used ${k.lastUsedAt.toISOString()}` : ''}${k.revokedAt ? `  REVOKED ${k.revokedAt.toISOString()}` : ''}`);
      }
      return 0;
    }
    if (command === 'revoke') {
      if (rest.length !== 1) {
        out(USAGE);
        return 2;
      }
      const revoked = await revokeApiKey(db, rest[0]!);
      out(revoked ? `revoked ${revoked.id} (${revoked.name})` : `no active key '${rest[0]}'`);
      return revoked ? 0 : 1;
    }
    const { values } = parseArgs({ args: rest, options: { name: { type: 'string' }, role: { type: 'string' }, tenants: { type: 'string' } }, strict: true });
    if (!values.name || !API_ROLES.includes(values.role as ApiRole)) {
      out(`keys create needs --name and --role (${API_ROLES.join(' or ')})\n\n${USAGE}`);
      return 2;
    }
    const tenants = values.tenants ? values.tenants.split(',').map((t) => t.trim()).filter(Boolean) : null;
    for (const t of tenants ?? []) {
      if (!(await getTenant(db, t))) {
        out(`unknown tenant '${t}'`);
        return 1;
      }
    }
    const key = await issueApiKey(db, { name: values.name, role: values.role as ApiRole, tenants });
    out(`key ${key.id} (${values.role}, ${tenants ? `tenants ${tenants.join(',')}` : 'every tenant'}) for ${values.name}:`);
    out(key.token);
    out('store it now: it is not shown again');
    return 0;
  } finally {
    await close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runApiKeysCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(`keys: ${err.message}`);
      process.exit(1);
    },
  );
}
