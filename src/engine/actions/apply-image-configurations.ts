/**
 * ApplyImageConfigurations (api.md §8.3): per region, configures the distributed AMIs there.
 * `ssmParameterConfigurations` write the AMI id into Kiln's parameter store. Launch templates,
 * S3 exports, license and fast-launch configurations are the distribution issue's; each such
 * target fails on its own with that message. Every target is tried and reported in
 * `configuredImages`; a failed target undoes none of the others, and the step then fails
 * naming every failed target.
 */
import type { ActionHandler } from '../../workflows/runner.js';
import { type BuildContext, logLine } from '../context.js';
import { type DistributedImageRef, parseDistributedImages } from './ami-records.js';
import {
  checkSsmParameterTarget,
  type ParameterStore,
  type SsmParameterTarget,
  writeImageParameter,
} from './image-parameters.js';

const LATER = 'not supported yet (distribution issue)';
const DEFERRED = [
  'launchTemplateConfigurations',
  's3ExportConfiguration',
  'licenseConfigurationArns',
  'fastLaunchConfigurations',
] as const;

/** One thing to configure: a parameter to write, or a deferred configuration that will fail. */
export type ConfigurationTarget =
  | { readonly kind: 'ssmParameter'; readonly target: SsmParameterTarget }
  | { readonly kind: 'deferred'; readonly member: (typeof DEFERRED)[number]; readonly label: string };

export interface RegionConfiguration {
  readonly region: string;
  readonly targets: readonly ConfigurationTarget[];
}

const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** A short name of a deferred target for the report (pure). */
function label(member: (typeof DEFERRED)[number], value: unknown): string {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (member === 'launchTemplateConfigurations')
    return `launch template ${String(v.launchTemplateId ?? '?')}`;
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
        k !== 'region' && k !== 'ssmParameterConfigurations' && !(DEFERRED as readonly string[]).includes(k),
    );
    if (extra) throw new Error(`${where}.${extra} is not an image configuration.`);
    const targets: ConfigurationTarget[] = list(c.ssmParameterConfigurations).map((s, j) => ({
      kind: 'ssmParameter',
      target: checkSsmParameterTarget(s, `${where}.ssmParameterConfigurations[${j}]`),
    }));
    for (const member of DEFERRED)
      for (const v of list(c[member])) targets.push({ kind: 'deferred', member, label: label(member, v) });
    if (targets.length === 0) throw new Error(`${where} configures nothing.`);
    return Object.freeze({ region: c.region, targets: Object.freeze(targets) });
  });
}

interface TargetResult {
  readonly configuration: string;
  readonly target: string;
  readonly status: 'Completed' | 'Failed';
  readonly errorMessage?: string;
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

async function applyTarget(
  ctx: BuildContext,
  store: ParameterStore | undefined,
  image: DistributedImageRef,
  t: ConfigurationTarget,
): Promise<TargetResult> {
  if (t.kind === 'deferred')
    return {
      configuration: t.member,
      target: t.label,
      status: 'Failed',
      errorMessage: `${t.label}: ${LATER}`,
    };
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
            const r = await applyTarget(ctx, store, image, t);
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
