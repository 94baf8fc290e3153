/**
 * Distribution preflight (pure): a distribution configuration as stored, checked against the
 * config (regions and their stores, KMS keys, accounts, organizations), becomes a frozen plan
 * per distribution — or a KilnError naming the member as the user wrote it
 * (`distributions[1].amiDistributionConfiguration.kmsKeyId`) with a hint. It runs when a
 * distribution configuration is created or updated, and again when a build starts (CREATING),
 * so a bad configuration fails an image in seconds rather than after the build.
 */
import { renderContainerTags } from './containers.js';
import type { KmsKey, RegionStore } from '../config/config.js';
import { invalidValue, KilnError } from '../core/errors.js';
import { checkSsmParameterTarget, type SsmParameterTarget } from '../engine/actions/image-parameters.js';
import { amiNameTemplateProblem } from './ami-name.js';
import type { LaunchPermission } from './ami-store.js';
import type { DistributionEnvironment } from './environment.js';
import { findKmsKey } from './kms-keys.js';

export interface AmiPlan {
  readonly nameTemplate?: string;
  readonly description?: string;
  readonly amiTags: Readonly<Record<string, string>>;
  readonly launchPermission?: LaunchPermission;
  /** Accounts that get a copy of their own (besides the image's account). */
  readonly targetAccountIds: readonly string[];
  readonly kmsKey?: KmsKey;
}

export interface ContainerPlan {
  readonly repositoryName: string;
  readonly tags: readonly string[];
  readonly description?: string;
}

export interface LaunchTemplatePlan {
  readonly launchTemplateId: string;
  readonly accountId: string;
  readonly setDefaultVersion: boolean;
}

export interface S3ExportPlan {
  readonly roleName: string;
  readonly diskImageFormat: 'RAW' | 'VMDK' | 'VHD';
  readonly s3Bucket: string;
  readonly s3Prefix?: string;
}

/** One distribution, checked. */
export interface PlannedDistribution {
  readonly index: number;
  readonly region: string;
  readonly store: RegionStore;
  readonly ami?: AmiPlan;
  readonly container?: ContainerPlan;
  readonly launchTemplates: readonly LaunchTemplatePlan[];
  readonly ssmParameters: readonly SsmParameterTarget[];
  readonly s3Export?: S3ExportPlan;
  /** Recorded, not enforced (Kiln has no License Manager). */
  readonly licenseConfigurationArns: readonly string[];
}

export interface PreflightOptions {
  /** The account the image (and the configuration) belongs to. */
  readonly account: string;
  /** Where a build without a distribution configuration publishes (its own region). */
  readonly buildRegion: string;
  /** Sample values for checking AMI name templates. */
  readonly sample: { readonly buildDate: number; readonly buildVersion: number };
}

const MEMBERS = [
  'region',
  'amiDistributionConfiguration',
  'containerDistributionConfiguration',
  'licenseConfigurationArns',
  'launchTemplateConfigurations',
  's3ExportConfiguration',
  'fastLaunchConfigurations',
  'ssmParameterConfigurations',
];
const AMI_MEMBERS = ['name', 'description', 'targetAccountIds', 'amiTags', 'kmsKeyId', 'launchPermission'];
const ACCOUNT = /^\d{12}$/;
const LAUNCH_TEMPLATE_ID = /^lt-[a-z0-9-_]{17}$/;
const REPOSITORY = /^[a-z0-9]+(?:[._/-][a-z0-9]+)*$/;
const CONTAINER_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const PERMISSION: Record<keyof LaunchPermission, RegExp> = {
  userIds: ACCOUNT,
  userGroups: /^all$/,
  organizationArns: /^arn:aws[^:]*:organizations::\d{12}:organization\/o-[a-z0-9]{10,32}$/,
  organizationalUnitArns:
    /^arn:aws[^:]*:organizations::\d{12}:ou\/o-[a-z0-9]{10,32}\/ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}$/,
};

type Obj = Readonly<Record<string, unknown>>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function obj(value: unknown, member: string, what: string): Obj {
  if (!isObj(value)) throw invalidValue(member, `must be ${what}.`);
  return value;
}

function list(value: unknown, member: string): readonly unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalidValue(member, 'must be a list.');
  return value;
}

function noExtra(o: Obj, allowed: readonly string[], at: string): void {
  const extra = Object.keys(o).find((k) => !allowed.includes(k));
  if (extra)
    throw invalidValue(
      `${at}.${extra}`,
      'is not a member Kiln knows here.',
      `Members: ${allowed.join(', ')}.`,
    );
}

function knownAccount(env: DistributionEnvironment, account: string, value: unknown, member: string): string {
  if (typeof value !== 'string' || !ACCOUNT.test(value))
    throw invalidValue(member, `'${String(value)}' is not a 12-digit account id.`);
  if (value !== account && !env.accounts.has(value))
    throw invalidValue(
      member,
      `account ${value} is not known to this Kiln server.`,
      'Accounts are the default account, those of `accessKeys` and members of `organizations` in the config file.',
    );
  return value;
}

function checkPermission(env: DistributionEnvironment, value: unknown, at: string): LaunchPermission {
  const lp = obj(value, at, 'a map of userIds, userGroups, organizationArns, organizationalUnitArns');
  noExtra(lp, Object.keys(PERMISSION), at);
  const out: Record<string, readonly string[]> = {};
  for (const [key, re] of Object.entries(PERMISSION)) {
    const items = list(lp[key], `${at}.${key}`);
    items.forEach((v, i) => {
      if (typeof v !== 'string' || !re.test(v))
        throw invalidValue(`${at}.${key}[${i}]`, `'${String(v)}' is not valid here.`);
    });
    const values = [...new Set(items as string[])];
    if (key === 'organizationArns' || key === 'organizationalUnitArns') {
      const known = new Set(env.organizations.flatMap((o) => [o.arn, ...o.units.map((u) => u.arn)]));
      const unknown = values.findIndex((v) => !known.has(v));
      if (unknown >= 0)
        throw invalidValue(
          `${at}.${key}[${unknown}]`,
          `'${values[unknown]}' is not an organization or unit of this Kiln server.`,
          'Declare it under `organizations` in the config file, with its member accounts.',
        );
    }
    if (values.length > 0) out[key] = Object.freeze(values);
  }
  return Object.freeze(out);
}

function checkAmi(
  env: DistributionEnvironment,
  value: unknown,
  region: string,
  at: string,
  options: PreflightOptions,
): AmiPlan {
  const a = obj(value, at, 'a map');
  noExtra(a, AMI_MEMBERS, at);
  if (a.name !== undefined) {
    if (typeof a.name !== 'string') throw invalidValue(`${at}.name`, 'must be a string.');
    const problem = amiNameTemplateProblem(a.name, options.sample);
    if (problem)
      throw invalidValue(
        `${at}.name`,
        `The name '${a.name}' ${problem}.`,
        'e.g. web-{{imagebuilder:buildDate}}',
      );
  }
  if (a.description !== undefined && (typeof a.description !== 'string' || a.description.length > 1024))
    throw invalidValue(`${at}.description`, 'must be a string of at most 1024 characters.');
  const tags = a.amiTags === undefined ? {} : obj(a.amiTags, `${at}.amiTags`, 'a map of tag names to values');
  for (const [k, v] of Object.entries(tags))
    if (typeof v !== 'string' || k.length === 0 || k.length > 128 || v.length > 256)
      throw invalidValue(
        `${at}.amiTags.${k}`,
        'tags are 1–128 character names with values of at most 256 characters.',
      );
  const targets = list(a.targetAccountIds, `${at}.targetAccountIds`).map((v, i) =>
    knownAccount(env, options.account, v, `${at}.targetAccountIds[${i}]`),
  );
  let kmsKey: KmsKey | undefined;
  if (a.kmsKeyId !== undefined) {
    const found = findKmsKey(env.kmsKeys, String(a.kmsKeyId), region, options.account);
    if ('problem' in found) throw invalidValue(`${at}.kmsKeyId`, found.problem, found.hint);
    kmsKey = found.key;
  }
  return Object.freeze({
    ...(a.name === undefined ? {} : { nameTemplate: a.name as string }),
    ...(a.description === undefined ? {} : { description: a.description as string }),
    amiTags: Object.freeze({ ...(tags as Record<string, string>) }),
    ...(a.launchPermission === undefined
      ? {}
      : { launchPermission: checkPermission(env, a.launchPermission, `${at}.launchPermission`) }),
    targetAccountIds: Object.freeze([...new Set(targets)].filter((t) => t !== options.account)),
    ...(kmsKey ? { kmsKey } : {}),
  });
}

function checkContainer(value: unknown, at: string, sample: PreflightOptions['sample']): ContainerPlan {
  const c = obj(value, at, 'a map with targetRepository');
  noExtra(c, ['targetRepository', 'containerTags', 'description'], at);
  const repo = obj(c.targetRepository, `${at}.targetRepository`, 'a map {service, repositoryName}');
  noExtra(repo, ['service', 'repositoryName'], `${at}.targetRepository`);
  if (repo.service !== undefined && repo.service !== 'ECR')
    throw invalidValue(`${at}.targetRepository.service`, `'${String(repo.service)}' is not ECR.`);
  const name = repo.repositoryName;
  if (typeof name !== 'string' || !REPOSITORY.test(name))
    throw invalidValue(
      `${at}.targetRepository.repositoryName`,
      `'${String(name)}' is not a repository name.`,
      'e.g. team/app',
    );
  const tags = list(c.containerTags, `${at}.containerTags`).map((t, i) => {
    // A tag may use the build's variables; what must be a valid tag is the rendered one.
    if (
      typeof t !== 'string' ||
      !CONTAINER_TAG.test(renderContainerTags([t], { version: '1.0.0', ...sample })[0]!)
    )
      throw invalidValue(`${at}.containerTags[${i}]`, `'${String(t)}' is not a container tag.`);
    return t;
  });
  return Object.freeze({
    repositoryName: name,
    tags: Object.freeze(tags),
    ...(typeof c.description === 'string' ? { description: c.description } : {}),
  });
}

function checkS3Export(value: unknown, at: string): S3ExportPlan {
  const s = obj(value, at, 'a map {roleName, diskImageFormat, s3Bucket, s3Prefix}');
  noExtra(s, ['roleName', 'diskImageFormat', 's3Bucket', 's3Prefix'], at);
  for (const m of ['roleName', 's3Bucket'])
    if (typeof s[m] !== 'string' || s[m] === '') throw invalidValue(`${at}.${m}`, 'is required.');
  if (!['RAW', 'VMDK', 'VHD'].includes(String(s.diskImageFormat)))
    throw invalidValue(`${at}.diskImageFormat`, `'${String(s.diskImageFormat)}' is not RAW, VMDK or VHD.`);
  return Object.freeze({
    roleName: s.roleName as string,
    diskImageFormat: s.diskImageFormat as S3ExportPlan['diskImageFormat'],
    s3Bucket: s.s3Bucket as string,
    ...(typeof s.s3Prefix === 'string' ? { s3Prefix: s.s3Prefix } : {}),
  });
}

function storeOf(env: DistributionEnvironment, region: string): RegionStore {
  const store = env.regionStores[region];
  if (!store) throw new Error(`region ${region} has no artifact store in the configuration`);
  return store;
}

function checkDistribution(
  env: DistributionEnvironment,
  value: unknown,
  i: number,
  options: PreflightOptions,
): PlannedDistribution {
  const at = `distributions[${i}]`;
  const d = obj(value, at, 'a map with a region');
  noExtra(d, MEMBERS, at);
  const region = d.region;
  if (typeof region !== 'string' || !env.regions.includes(region))
    throw invalidValue(
      `${at}.region`,
      `'${String(region)}' is not a region of this Kiln server.`,
      `Configured regions: ${env.regions.join(', ')}.`,
    );
  if (list(d.fastLaunchConfigurations, `${at}.fastLaunchConfigurations`).length > 0)
    throw new KilnError(
      'InvalidParameterCombinationException',
      `'${at}.fastLaunchConfigurations' is a Windows-only setting (EC2 Fast Launch); Kiln builds Linux images and does not support it.`,
      { hint: 'Remove fastLaunchConfigurations.' },
    );
  const account = options.account;
  const launchTemplates = list(d.launchTemplateConfigurations, `${at}.launchTemplateConfigurations`).map(
    (v, j) => {
      const where = `${at}.launchTemplateConfigurations[${j}]`;
      const lt = obj(v, where, 'a map {launchTemplateId, accountId, setDefaultVersion}');
      noExtra(lt, ['launchTemplateId', 'accountId', 'setDefaultVersion'], where);
      if (typeof lt.launchTemplateId !== 'string' || !LAUNCH_TEMPLATE_ID.test(lt.launchTemplateId))
        throw invalidValue(
          `${where}.launchTemplateId`,
          `'${String(lt.launchTemplateId)}' is not a launch template id (lt- and 17 characters).`,
        );
      return Object.freeze({
        launchTemplateId: lt.launchTemplateId,
        accountId:
          lt.accountId === undefined
            ? account
            : knownAccount(env, account, lt.accountId, `${where}.accountId`),
        setDefaultVersion: lt.setDefaultVersion === true,
      });
    },
  );
  const ami =
    d.amiDistributionConfiguration === undefined
      ? undefined
      : checkAmi(env, d.amiDistributionConfiguration, region, `${at}.amiDistributionConfiguration`, options);
  const store = storeOf(env, region);
  // Encryption at rest seals blobs in a directory store; a registry stores them as pushed, so a
  // key there would fail every distribution after the build: refuse it here instead.
  if (ami?.kmsKey && store.type === 'registry')
    throw invalidValue(
      `${at}.amiDistributionConfiguration.kmsKeyId`,
      `encryption at rest applies to directory stores; ${region} stores its artifacts in the registry ${store.url}.`,
      `Remove kmsKeyId from this region, or give ${region} a directory store in the config file's regionStores.`,
    );
  const owners = new Set([account, ...(ami?.targetAccountIds ?? [])]);
  const ssmParameters = list(d.ssmParameterConfigurations, `${at}.ssmParameterConfigurations`).map((v, j) => {
    const where = `${at}.ssmParameterConfigurations[${j}]`;
    let target: SsmParameterTarget;
    try {
      target = checkSsmParameterTarget(v, where);
    } catch (err) {
      const [member, ...rest] = (err as Error).message.split(' ');
      throw invalidValue(member ?? where, rest.join(' '));
    }
    if (target.amiAccountId !== undefined && !owners.has(target.amiAccountId))
      throw invalidValue(
        `${where}.amiAccountId`,
        `account ${target.amiAccountId} gets no copy in ${region}.`,
        'Use the image account or one of amiDistributionConfiguration.targetAccountIds.',
      );
    return target;
  });
  const licenses = list(d.licenseConfigurationArns, `${at}.licenseConfigurationArns`).map((v, j) => {
    if (typeof v !== 'string' || !/^arn:aws[^:]*:license-manager:/.test(v))
      throw invalidValue(
        `${at}.licenseConfigurationArns[${j}]`,
        `'${String(v)}' is not a License Manager configuration ARN.`,
      );
    return v;
  });
  return Object.freeze({
    index: i,
    region,
    store,
    ...(ami ? { ami } : {}),
    ...(d.containerDistributionConfiguration === undefined
      ? {}
      : {
          container: checkContainer(
            d.containerDistributionConfiguration,
            `${at}.containerDistributionConfiguration`,
            options.sample,
          ),
        }),
    launchTemplates: Object.freeze(launchTemplates),
    ssmParameters: Object.freeze(ssmParameters),
    ...(d.s3ExportConfiguration === undefined
      ? {}
      : { s3Export: checkS3Export(d.s3ExportConfiguration, `${at}.s3ExportConfiguration`) }),
    licenseConfigurationArns: Object.freeze(licenses),
  });
}

/**
 * Checks `distributions` (as stored in a distribution configuration) and plans each entry.
 * Without a configuration, an image is published in its build region under the default name.
 */
export function preflightDistributions(
  distributions: unknown,
  env: DistributionEnvironment,
  options: PreflightOptions,
): readonly PlannedDistribution[] {
  const raw = distributions === undefined ? [{ region: options.buildRegion }] : distributions;
  if (!Array.isArray(raw) || raw.length === 0)
    throw invalidValue('distributions', 'must be a non-empty list of {region, …}.');
  const planned = raw.map((d, i) => checkDistribution(env, d, i, options));
  const seen = new Map<string, number>();
  for (const p of planned) {
    const first = seen.get(p.region);
    if (first !== undefined)
      throw new KilnError(
        'InvalidParameterCombinationException',
        `'distributions[${p.index}].region' repeats region '${p.region}' of distributions[${first}]; give each region once.`,
      );
    seen.set(p.region, p.index);
  }
  return Object.freeze(planned);
}
