/**
 * ApplyImageConfigurations (api.md §8.3): per region, configures the distributed AMIs there.
 * `ssmParameterConfigurations` write the AMI id into Kiln's parameter store;
 * `launchTemplateConfigurations` add a Kiln launch template version pointing at the AMI (and
 * make it the default when asked). S3 exports belong in the distribution configuration (they
 * need the captured disk), and license and fast-launch configurations are Windows/AWS-only:
 * each such target fails on its own saying so. Every target is tried and reported in
 * `configuredImages`; a failed target undoes none of the others, and the step then fails
 * naming every failed target.
 */
import type { ActionHandler } from '../../workflows/runner.js';
import type { AddLaunchTemplateVersion } from '../distribute.js';
import { type BuildContext, logLine } from '../context.js';
import { type DistributedImageRef, parseDistributedImages } from './ami-records.js';
import {
  checkSsmParameterTarget,
  type ParameterStore,
  type SsmParameterTarget,
  writeImageParameter,
} from './image-parameters.js';

const UNSUPPORTED: Readonly<Record<string, string>> = {
  s3ExportConfiguration:
    'not supported in ApplyImageConfigurations: put s3ExportConfiguration in the distribution configuration, which exports the captured disk',
  licenseConfigurationArns: 'not supported by Kiln (AWS License Manager)',
  fastLaunchConfigurations: 'not supported by Kiln (Windows fast launch)',
};
const DEFERRED = ['s3ExportConfiguration', 'licenseConfigurationArns', 'fastLaunchConfigurations'] as const;

export interface LaunchTemplateTarget {
  readonly launchTemplateId: string;
  readonly accountId?: string;
  readonly setDefaultVersion: boolean;
}

/** One thing to configure: a parameter to write, a launch template version to add, or an unsupported configuration that will fail. */
export type ConfigurationTarget =
  | { readonly kind: 'ssmParameter'; readonly target: SsmParameterTarget }
  | { readonly kind: 'launchTemplate'; readonly target: LaunchTemplateTarget; readonly label: string }
  | { readonly kind: 'deferred'; readonly member: (typeof DEFERRED)[number]; readonly label: string };

export interface RegionConfiguration {
  readonly region: string;
  readonly targets: readonly ConfigurationTarget[];
}

const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** A short name of a deferred target for the report (pure). */
function label(member: (typeof DEFERRED)[number], value: unknown): string {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (member === 's3ExportConfiguration') return `S3 export to ${String(v.s3Bucket ?? '?')}`;
  if (member === 'licenseConfigurationArns') return `license configuration ${String(value)}`;
  return 'fast launch';
}

/** Validates the `configurations` input (pure). */
export function checkConfigurations(value: unknown): RegionConfiguration[] {
  const field = "ApplyImageConfigurations input 'configurations'";
  if (!Array.isArray(value) || value.length === 0)
    throw new Error(`${field} must be a non-empty list of {region, ssmParameterConfigurations, …}.`);
  return value.map((item, i) => {
    const c = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    const where = `${field}[${i}]`;
    if (typeof c.region !== 'string' || c.region === '') throw new Error(`${where}.region is required.`);
    const extra = Object.keys(c).find(
      (k) =>
        k !== 'region' &&
        k !== 'ssmParameterConfigurations' &&
        k !== 'launchTemplateConfigurations' &&
        !(DEFERRED as readonly string[]).includes(k),
    );
    if (extra) throw new Error(`${where}.${extra} is not an image configuration.`);
    const targets: ConfigurationTarget[] = list(c.ssmParameterConfigurations).map((s, j) => ({
      kind: 'ssmParameter',
      target: checkSsmParameterTarget(s, `${where}.ssmParameterConfigurations[${j}]`),
    }));
    for (const [j, v] of list(c.launchTemplateConfigurations).entries()) {
      const target = checkLaunchTemplateTarget(v, `${where}.launchTemplateConfigurations[${j}]`);
      targets.push({ kind: 'launchTemplate', target, label: `launch template ${target.launchTemplateId}` });
    }
    for (const member of DEFERRED)
      for (const v of list(c[member])) targets.push({ kind: 'deferred', member, label: label(member, v) });
    if (targets.length === 0) throw new Error(`${where} configures nothing.`);
    return Object.freeze({ region: c.region, targets: Object.freeze(targets) });
  });
}

const LAUNCH_TEMPLATE_ID = /^lt-[a-z0-9-_]{17}$/;

/** Validates one launchTemplateConfigurations entry (pure); errors name the member. */
export function checkLaunchTemplateTarget(value: unknown, where: string): LaunchTemplateTarget {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const extra = Object.keys(v).find(
    (k) => !['launchTemplateId', 'accountId', 'setDefaultVersion'].includes(k),
  );
  if (extra)
    throw new Error(`${where}.${extra} is not a member (launchTemplateId, accountId, setDefaultVersion).`);
  if (typeof v.launchTemplateId !== 'string' || !LAUNCH_TEMPLATE_ID.test(v.launchTemplateId))
    throw new Error(
      `${where}.launchTemplateId '${String(v.launchTemplateId)}' is not a launch template id (lt-…).`,
    );
  if (v.accountId !== undefined && (typeof v.accountId !== 'string' || !/^\d{12}$/.test(v.accountId)))
    throw new Error(`${where}.accountId '${String(v.accountId)}' is not a 12-digit account id.`);
  if (v.setDefaultVersion !== undefined && typeof v.setDefaultVersion !== 'boolean')
    throw new Error(`${where}.setDefaultVersion must be true or false.`);
  return Object.freeze({
    launchTemplateId: v.launchTemplateId,
    ...(v.accountId === undefined ? {} : { accountId: v.accountId as string }),
    setDefaultVersion: v.setDefaultVersion === true,
  });
}

interface TargetResult {
  readonly configuration: string;
  readonly target: string;
  readonly status: 'Completed' | 'Failed';
  readonly errorMessage?: string;
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

async function applyLaunchTemplate(
  ctx: BuildContext,
  addVersion: AddLaunchTemplateVersion | undefined,
  image: DistributedImageRef,
  t: LaunchTemplateTarget,
  label: string,
): Promise<TargetResult> {
  const base = { configuration: 'launchTemplateConfigurations', target: label };
  try {
    if (!addVersion) throw new Error('this engine was given no launch template store to write to');
    const added = await addVersion({
      account: t.accountId ?? image.accountId ?? ctx.request.account,
      region: image.region,
      launchTemplateId: t.launchTemplateId,
      amiId: image.amiId,
      setDefault: t.setDefaultVersion,
    });
    await logLine(
      ctx,
      'ApplyImageConfigurations',
      `launch template ${added.launchTemplateId} version ${added.versionNumber} = ${image.amiId} in ${image.region}${t.setDefaultVersion ? ' (default)' : ''}`,
    );
    return { ...base, status: 'Completed' };
  } catch (err) {
    return { ...base, status: 'Failed', errorMessage: `${label}: ${errorText(err)}` };
  }
}

async function applyTarget(
  ctx: BuildContext,
  store: ParameterStore | undefined,
  addVersion: AddLaunchTemplateVersion | undefined,
  image: DistributedImageRef,
  t: ConfigurationTarget,
): Promise<TargetResult> {
  if (t.kind === 'deferred')
    return {
      configuration: t.member,
      target: t.label,
      status: 'Failed',
      errorMessage: `${t.label}: ${UNSUPPORTED[t.member]}`,
    };
  if (t.kind === 'launchTemplate') return applyLaunchTemplate(ctx, addVersion, image, t.target, t.label);
  const name = t.target.parameterName;
  const base = { configuration: 'ssmParameterConfigurations', target: `parameter ${name}` };
  const account = image.accountId ?? ctx.request.account;
  try {
    if (!store) throw new Error('this engine was given no parameter store to write to');
    if (t.target.amiAccountId !== undefined && t.target.amiAccountId !== account)
      throw new Error(
        `amiAccountId ${t.target.amiAccountId}: the image is in account ${account}; other accounts are the distribution issue's`,
      );
    const version = await writeImageParameter(
      store,
      {
        account: ctx.request.account,
        region: image.region,
        now: ctx.clock.now(),
        description: `image ${ctx.request.imageArn}`,
      },
      t.target,
      image.amiId,
    );
    await logLine(
      ctx,
      'ApplyImageConfigurations',
      `parameter ${name} = ${image.amiId} in ${image.region} (version ${version})`,
    );
    return { ...base, status: 'Completed' };
  } catch (err) {
    return { ...base, status: 'Failed', errorMessage: `parameter ${name}: ${errorText(err)}` };
  }
}

/** The image's `kilnImageConfigurations`: every target's result, across the steps of one build. */
const reported = new WeakMap<BuildContext, Record<string, unknown>[]>();

export function applyImageConfigurationsAction(
  ctx: BuildContext,
  store: ParameterStore | undefined,
  addVersion?: AddLaunchTemplateVersion,
): ActionHandler {
  return {
    async run(inputs, actx) {
      const images = parseDistributedImages(inputs.distributedImages, 'ApplyImageConfigurations');
      const configurations = checkConfigurations(inputs.configurations);
      const configuredImages: Record<string, unknown>[] = [];
      const failures: string[] = [];
      for (const c of configurations) {
        const inRegion = images.filter((d) => d.region === c.region);
        if (inRegion.length === 0) failures.push(`region ${c.region}: no image was distributed there`);
        for (const image of inRegion) {
          const results: TargetResult[] = [];
          for (const t of c.targets) {
            actx.signal.throwIfAborted();
            const r = await applyTarget(ctx, store, addVersion, image, t);
            if (r.errorMessage) {
              failures.push(`${c.region} ${image.amiId}: ${r.errorMessage}`);
              await logLine(ctx, actx.stepName, `${c.region} ${image.amiId}: ${r.errorMessage}`, 'stderr');
            }
            results.push(r);
          }
          const status = results.every((r) => r.status === 'Completed') ? 'Completed' : 'Failed';
          configuredImages.push({ region: c.region, amiId: image.amiId, status, configurations: results });
        }
      }
      const all = [...(reported.get(ctx) ?? []), ...configuredImages];
      reported.set(ctx, all);
      await ctx.emit({ kind: 'image', members: { kilnImageConfigurations: all } });
      if (failures.length > 0) {
        const done = configuredImages
          .flatMap((i) => (i.configurations as TargetResult[]).filter((r) => r.status === 'Completed'))
          .map((r) => r.target);
        throw new Error(
          `${failures.length} configuration target(s) failed: ${failures.join('; ')}${done.length ? ` (applied: ${done.join(', ')})` : ''}`,
        );
      }
      return { configuredImages };
    },
  };
}
