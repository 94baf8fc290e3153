/**
 * Writing an image id into Kiln's parameter store (its SSM parameters) from a build: the
 * `ssmParameterConfigurations` of ApplyImageConfigurations. Documents of kind `parameter`
 * (src/engine/parents/parameter-record.ts); every write adds a version, as PutParameter with
 * overwrite does (src/service/parameters.ts, whose name rules this mirrors).
 */
import {
  PARAMETER_KIND,
  type ParameterBody,
  type ParameterType,
  parameterId,
} from '../parents/parameter-record.js';
import type { DocumentRecord } from '../../store/store.js';

/** The part of the Store a parameter write needs (a Store satisfies it). */
export interface ParameterStore {
  getDocument(kind: string, id: string): Promise<DocumentRecord | undefined>;
  putDocument(doc: DocumentRecord): Promise<void>;
  transaction<T>(fn: (store: ParameterStore) => Promise<T>): Promise<T>;
}

/** The engine's lookup when it can also write parameters (the server's Store), else undefined. */
export function parameterStoreOf(lookup: Partial<ParameterStore> | undefined): ParameterStore | undefined {
  if (
    typeof lookup?.getDocument === 'function' &&
    typeof lookup.putDocument === 'function' &&
    typeof lookup.transaction === 'function'
  )
    return lookup as ParameterStore;
  return undefined;
}

export interface SsmParameterTarget {
  readonly parameterName: string;
  readonly dataType: ParameterType;
  readonly amiAccountId?: string;
}

const NAME = /^[A-Za-z0-9_.\-/]{1,1011}$/;

/** Validates one `ssmParameterConfigurations` entry (pure); throws with the field's path. */
export function checkSsmParameterTarget(value: unknown, where: string): SsmParameterTarget {
  const c = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const name = c.parameterName;
  if (typeof name !== 'string' || !NAME.test(name))
    throw new Error(
      `${where}.parameterName '${String(name)}' is not a parameter name (letters, digits, _ . - /).`,
    );
  if (name.includes('/') && !name.startsWith('/'))
    throw new Error(`${where}.parameterName '${name}': a hierarchical name starts with '/'.`);
  if (/^\/?(aws|ssm)/i.test(name) || name.includes('//'))
    throw new Error(
      `${where}.parameterName '${name}' is reserved (aws…, ssm…) or has an empty path segment.`,
    );
  const dataType = c.dataType ?? 'text';
  if (dataType !== 'text' && dataType !== 'aws:ec2:image')
    throw new Error(`${where}.dataType '${String(dataType)}' is not text or aws:ec2:image.`);
  const account = c.amiAccountId;
  if (account !== undefined && (typeof account !== 'string' || !/^\d{12}$/.test(account)))
    throw new Error(`${where}.amiAccountId '${String(account)}' is not a 12-digit account id.`);
  const extra = Object.keys(c).find((k) => !['parameterName', 'dataType', 'amiAccountId'].includes(k));
  if (extra) throw new Error(`${where}.${extra} is not a member of an SSM parameter configuration.`);
  return Object.freeze({
    parameterName: name,
    dataType,
    ...(account === undefined ? {} : { amiAccountId: account as string }),
  });
}

/** Writes `value` as the parameter's next version; returns that version. */
export async function writeImageParameter(
  store: ParameterStore,
  where: { account: string; region: string; now: number; description: string },
  target: SsmParameterTarget,
  value: string,
): Promise<number> {
  return store.transaction(async (tx) => {
    const id = parameterId(where.account, where.region, target.parameterName);
    const existing = await tx.getDocument(PARAMETER_KIND, id);
    const previous = existing?.body as unknown as ParameterBody | undefined;
    const body: ParameterBody = {
      name: target.parameterName,
      value,
      type: target.dataType,
      version: (previous?.version ?? 0) + 1,
      lastModified: where.now,
      description: where.description,
    };
    await tx.putDocument({
      kind: PARAMETER_KIND,
      id,
      account: where.account,
      region: where.region,
      parent: '',
      status: 'ACTIVE',
      sortKey: target.parameterName,
      body: body as unknown as Record<string, unknown>,
      createdAt: existing?.createdAt ?? where.now,
      updatedAt: where.now,
    });
    return body.version;
  });
}
