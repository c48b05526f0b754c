import type { Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes.js';
import { allSearchAttributes } from '../workflows/search-attributes.js';

// Every workflow and schedule of the archiver carries custom search attributes (ZoomTenant, ...);
// starting one on a namespace that lacks them fails. Each process (worker, API, CLI, npm start)
// registers the missing ones when it starts, through the operator service of a self-hosted
// cluster. Temporal Cloud does not allow that over the API: there, fail at once and say what to add.

// gRPC status codes of a namespace that refuses operator calls (Temporal Cloud).
const PERMISSION_DENIED = 7;
const UNIMPLEMENTED = 12;

export class SearchAttributesError extends Error {
  override name = 'SearchAttributesError';
}

type Key = (typeof allSearchAttributes)[number];
const describe = (keys: readonly Key[]) => keys.map((k) => `${k.name}=${k.type}`).join(', ');
/** The CLIs spell types in PascalCase: KEYWORD_LIST → KeywordList. */
const cliType = (k: Key) => k.type.toLowerCase().replace(/(^|_)(\w)/g, (_: string, __: string, c: string) => c.toUpperCase());

/** Registers the archiver's search attributes that `namespace` lacks; returns the names it added. */
export async function ensureSearchAttributes(
  connection: Connection,
  namespace: string,
  wanted: readonly Key[] = allSearchAttributes,
): Promise<string[]> {
  const existing = async () => (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
  const check = (present: Record<string, unknown>) => {
    const wrongType = wanted.filter((k) => present[k.name] !== undefined && present[k.name] !== encodeSearchAttributeIndexedValueType(k.type));
    if (wrongType.length > 0) {
      throw new SearchAttributesError(`namespace '${namespace}' has the search attribute(s) ${wrongType.map((k) => k.name).join(', ')} with another type than the archiver needs (${describe(wrongType)}); fix them by hand`);
    }
    return wanted.filter((k) => present[k.name] === undefined);
  };

  let missing: Key[];
  try {
    missing = check(await existing());
  } catch (err) {
    if (err instanceof SearchAttributesError) throw err;
    throw notAllowed(namespace, wanted, err);
  }
  if (missing.length === 0) return [];
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((k) => [k.name, encodeSearchAttributeIndexedValueType(k.type)!])),
    });
  } catch (err) {
    // Another process (a second worker starting) may have added them first: what counts is that they exist now.
    const stillMissing = await existing().then(check, () => missing);
    if (stillMissing.length > 0) throw notAllowed(namespace, stillMissing, err);
  }
  return missing.map((k) => k.name);
}

function notAllowed(namespace: string, keys: readonly Key[], err: unknown): SearchAttributesError {
  const code = (err as { code?: number }).code;
  const why = code === PERMISSION_DENIED || code === UNIMPLEMENTED
    ? 'this namespace does not allow registering them over the API (Temporal Cloud)'
    : (err as Error).message;
  return new SearchAttributesError(
    `the archiver needs the custom search attributes ${describe(keys)} on namespace '${namespace}' and could not register them: ${why}. `
      + `Add them once, e.g. \`tcld namespace search-attributes add --namespace ${namespace} ${keys.map((k) => `--sa '${k.name}=${cliType(k)}'`).join(' ')}\` `
      + `(Temporal Cloud) or \`temporal operator search-attribute create --namespace ${namespace} ${keys.map((k) => `--name ${k.name} --type ${cliType(k)}`).join(' ')}\`, then start again.`,
    { cause: err },
  );
}
