/**
 * What distribution needs to know of the config: the regions and their stores, the KMS keys,
 * the organizations, and which accounts exist. The engine and the service take this instead
 * of the whole Config, so tests build one in a line.
 */
import { join } from 'node:path';
import type { Config, KmsKey, Organization, RegionStore } from '../config/config.js';

export interface DistributionEnvironment {
  readonly regions: readonly string[];
  /** A store for every region of `regions`. */
  readonly regionStores: Readonly<Record<string, RegionStore>>;
  readonly kmsKeys: readonly KmsKey[];
  readonly organizations: readonly Organization[];
  /** Accounts Kiln knows: the default account, access keys' accounts, organization members. */
  readonly accounts: ReadonlySet<string>;
}

export function distributionEnvironment(config: Config): DistributionEnvironment {
  return Object.freeze({
    regions: config.regions,
    regionStores: config.regionStores,
    kmsKeys: config.kmsKeys,
    organizations: config.organizations,
    accounts: new Set([
      config.defaultAccountId,
      ...config.accessKeys.map((k) => k.accountId),
      ...config.organizations.flatMap((o) => o.accounts),
    ]),
  });
}

/** Directory stores under `dataDir/regions`, no keys, no organizations (engines built without a config). */
export function defaultDistributionEnvironment(
  dataDir: string,
  regions: readonly string[],
  accounts: readonly string[] = [],
): DistributionEnvironment {
  return Object.freeze({
    regions,
    regionStores: Object.freeze(
      Object.fromEntries(
        regions.map((r) => [r, { type: 'directory' as const, path: join(dataDir, 'regions', r) }]),
      ),
    ),
    kmsKeys: [],
    organizations: [],
    accounts: new Set(accounts),
  });
}
