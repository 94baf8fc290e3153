/**
 * Writing an image id into Kiln's parameter store (its SSM parameters) from a build: the
 * `ssmParameterConfigurations` of ApplyImageConfigurations. Documents of kind `parameter`
 * (src/engine/parents/parameter-record.ts); every write adds a version, as PutParameter with
 * overwrite does, through the same writeParameter and name rules as PutParameter.
 */
import {
  type ParameterStore,
  type ParameterType,
  parameterNameProblem,
  writeParameter,
} from '../parents/parameter-record.js';

export type { ParameterStore };

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

/** Validates one `ssmParameterConfigurations` entry (pure); throws with the field's path. */
export function checkSsmParameterTarget(value: unknown, where: string): SsmParameterTarget {
  const c = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const name = c.parameterName;
  const problem = parameterNameProblem(name);
  if (problem !== undefined) throw new Error(`${where}.parameterName ${problem}`);
  const dataType = c.dataType ?? 'text';
  if (dataType !== 'text' && dataType !== 'aws:ec2:image')
    throw new Error(`${where}.dataType '${String(dataType)}' is not text or aws:ec2:image.`);
  const account = c.amiAccountId;
  if (account !== undefined && (typeof account !== 'string' || !/^\d{12}$/.test(account)))
    throw new Error(`${where}.amiAccountId '${String(account)}' is not a 12-digit account id.`);
  const extra = Object.keys(c).find((k) => !['parameterName', 'dataType', 'amiAccountId'].includes(k));
  if (extra) throw new Error(`${where}.${extra} is not a member of an SSM parameter configuration.`);
  return Object.freeze({
    parameterName: name as string,
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
  const body = await writeParameter(
    store,
    where,
    { name: target.parameterName, value, type: target.dataType, description: where.description },
    true,
  );
  return body.version;
}
