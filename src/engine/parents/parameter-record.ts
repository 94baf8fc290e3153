/**
 * The stored shape of Kiln's parameter store (Image Builder's SSM parameters): one document of
 * kind `parameter` per account, region and name. `ssm:` parent images read it here; the
 * service's parameter use cases (src/service/parameters.ts) and distribution write it.
 */
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
