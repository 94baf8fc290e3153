/**
 * The stored shape of Kiln's parameter store (Image Builder's SSM parameters): one document of
 * kind `parameter` per account, region and name. `ssm:` parent images read it here; the
 * service's parameter use cases (src/service/parameters.ts) and distribution write it.
 */
import { KilnError } from '../../core/errors.js';
import type { DocumentRecord } from '../../store/store.js';

export const PARAMETER_KIND = 'parameter';

/** `text` holds anything; `aws:ec2:image` holds an image id (`ami-…`) or a Kiln image ARN. */
export type ParameterType = 'text' | 'aws:ec2:image';

export interface ParameterBody {
  readonly name: string;
  readonly value: string;
  readonly type: ParameterType;
  /** 1 on creation; every overwrite adds one. */
  readonly version: number;
  /** Epoch milliseconds of the last write. */
  readonly lastModified: number;
  readonly description?: string;
}

/** The document id: names are unique per account and region. */
export const parameterId = (account: string, region: string, name: string): string =>
  `${account}:${region}:${name}`;

/** Reads one parameter document (a Store satisfies the lookup). */
export interface ParameterLookup {
  getDocument(kind: string, id: string): Promise<DocumentRecord | undefined>;
}

export async function readParameter(
  lookup: ParameterLookup,
  account: string,
  region: string,
  name: string,
): Promise<ParameterBody | undefined> {
  const doc = await lookup.getDocument(PARAMETER_KIND, parameterId(account, region, name));
  return doc ? (doc.body as unknown as ParameterBody) : undefined;
}

const NAME = /^[A-Za-z0-9_.\-/]{1,1011}$/;

/** What is wrong with a parameter name as SSM sees it (pure), or undefined when it is fine. */
export function parameterNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || !NAME.test(name))
    return `'${String(name)}' is not a parameter name (letters, digits, _ . - and /, e.g. /base/latest).`;
  if (name.includes('/') && !name.startsWith('/')) return `'${name}': a hierarchical name starts with '/'.`;
  if (/^\/?(aws|ssm)/i.test(name)) return `'${name}': names starting with aws or ssm are reserved.`;
  if (name.includes('//')) return `'${name}' has an empty path segment.`;
  return undefined;
}

/** The part of the Store a parameter write needs (a Store satisfies it). */
export interface ParameterStore extends ParameterLookup {
  putDocument(doc: DocumentRecord): Promise<void>;
  transaction<T>(fn: (store: ParameterStore) => Promise<T>): Promise<T>;
}

/**
 * Writes a parameter in one transaction: version 1, or the next version when one exists and
 * `overwrite` allows it. The one write path of PutParameter and of ApplyImageConfigurations.
 */
export async function writeParameter(
  store: ParameterStore,
  scope: { readonly account: string; readonly region: string; readonly now: number },
  fields: Pick<ParameterBody, 'name' | 'value' | 'type' | 'description'>,
  overwrite: boolean,
): Promise<ParameterBody> {
  return store.transaction(async (tx) => {
    const id = parameterId(scope.account, scope.region, fields.name);
    const existing = await tx.getDocument(PARAMETER_KIND, id);
    if (existing && !overwrite) {
      throw new KilnError('ResourceAlreadyExistsException', `The parameter '${fields.name}' exists.`, {
        hint: 'Pass overwrite (kiln parameter put --overwrite) to write a new version.',
      });
    }
    const previous = existing?.body as unknown as ParameterBody | undefined;
    const body: ParameterBody = {
      ...fields,
      ...(fields.description === undefined ? {} : { description: fields.description }),
      version: (previous?.version ?? 0) + 1,
      lastModified: scope.now,
    };
    await tx.putDocument({
      kind: PARAMETER_KIND,
      id,
      account: scope.account,
      region: scope.region,
      parent: '',
      status: 'ACTIVE',
      sortKey: fields.name,
      body: body as unknown as Record<string, unknown>,
      createdAt: existing?.createdAt ?? scope.now,
      updatedAt: scope.now,
    });
    return body;
  });
}
