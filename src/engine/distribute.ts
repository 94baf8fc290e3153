/**
 * AMI distribution (design.md §2 step 6, api.md §7): the distribution configuration, checked by
 * the preflight, becomes targets — per region the image account's copy, one copy per
 * `targetAccountIds` account, `ssmParameterConfigurations`, `launchTemplateConfigurations` and
 * `s3ExportConfiguration` — which the runner (src/distribution/run.ts) attempts one by one,
 * retrying transient failures. Every target is reported in the image's `kilnDistribution`;
 * completed copies are listed in `outputResources.amis` and keep their records whatever
 * happens to the other targets; the step fails afterwards naming the targets that failed.
 */
import { createHash } from 'node:crypto';
import type { RegionStore } from '../config/config.js';
import { type AmiNameValues, renderAmiName, renderedNameProblem } from '../distribution/ami-name.js';
import { copyAmi } from '../distribution/ami-copy.js';
import { type AmiRecord, updateAmiRecord, writeAmiRecord } from '../distribution/ami-store.js';
import type { DistributionEnvironment } from '../distribution/environment.js';
import { type PlannedDistribution, preflightDistributions } from '../distribution/preflight.js';
import {
  type DistributionTarget,
  failureReason,
  type RetryPolicy,
  runTargets,
  type TargetReport,
} from '../distribution/run.js';
import { isoTime } from '../core/clock.js';
import type { ParameterStore, SsmParameterTarget } from './actions/image-parameters.js';
import { writeImageParameter } from './actions/image-parameters.js';
import { recordLaunchPermissions } from './actions/modify-image-attributes.js';
import { type BuildContext, logLine } from './context.js';

/** Adds a launch template version pointing at an AMI (helper B's launch templates). */
export type AddLaunchTemplateVersion = (request: {
  readonly account: string;
  readonly region: string;
  readonly launchTemplateId: string;
  readonly amiId: string;
  readonly setDefault: boolean;
}) => Promise<{ readonly launchTemplateId: string; readonly versionNumber: number }>;

/** An AMI copy into a registry region store (src/distribution/registry-copy.ts plugs in here). */
export type CopyToRegistry = (request: {
  readonly region: string;
  readonly store: Extract<RegionStore, { type: 'registry' }>;
  readonly record: AmiRecord;
  readonly source: BuildContext['blobs'];
  /** The captured image's directory (`oci/` layout tagged `latest`, `disk.raw`). */
  readonly imageDir: string;
  readonly signal: AbortSignal;
}) => Promise<void>;

/** A disk export of a copy (src/distribution/s3-export.ts plugs in here); returns where it went. */
export type ExportDisk = (request: {
  readonly region: string;
  readonly store: RegionStore;
  readonly record: AmiRecord;
  readonly format: 'RAW' | 'VMDK' | 'VHD';
  readonly s3Bucket: string;
  readonly s3Prefix?: string;
  readonly lowerDirs: readonly string[];
  /** The captured image's directory (`disk.raw` is the disk exported). */
  readonly imageDir: string;
  readonly signal: AbortSignal;
}) => Promise<{ readonly format: string; readonly path: string }>;

export interface EngineDistribution {
  readonly env: DistributionEnvironment;
  /** Kiln's parameter store (the server's Store); without it parameter targets fail saying so. */
  readonly parameters?: ParameterStore;
  readonly addLaunchTemplateVersion?: AddLaunchTemplateVersion;
  readonly copyToRegistry?: CopyToRegistry;
  readonly exportDisk?: ExportDisk;
  readonly retry?: RetryPolicy;
}

export interface DistributedImage {
  readonly region: string;
  readonly image: string;
  readonly amiId: string;
  readonly name: string;
  readonly description?: string;
  readonly accountId: string;
  readonly status: 'Completed' | 'Failed';
  readonly errorMessage?: string;
}

type Target = DistributionTarget &
  (
    | { readonly kind: 'ami' | 'account-copy'; readonly d: PlannedDistribution; readonly record: AmiRecord }
    | {
        readonly kind: 'ssm-parameter';
        readonly d: PlannedDistribution;
        readonly parameter: SsmParameterTarget;
      }
    | {
        readonly kind: 'launch-template';
        readonly d: PlannedDistribution;
        readonly template: PlannedDistribution['launchTemplates'][number];
      }
    | { readonly kind: 'export'; readonly d: PlannedDistribution }
  );

/** The build number of an image build version ARN (`…/1.0.0/3` → 3). */
export const buildNumberOf = (imageArn: string): number => Number(/\/(\d+)$/.exec(imageArn)?.[1] ?? 1);

/** A copy's AMI id, the same on every try of the same image, region and account (pure). */
export function copyAmiId(imageArn: string, region: string, account: string): string {
  return `ami-${createHash('sha256').update(`${imageArn}\n${region}\n${account}`).digest('hex').slice(0, 17)}`;
}

/** The preflight of a build: the attached configuration (or a workflow's `distributions` input). */
export function planDistribution(
  ctx: BuildContext,
  env: DistributionEnvironment,
  distributions?: unknown,
): readonly PlannedDistribution[] {
  const attached = (ctx.image.distributionConfiguration as { distributions?: unknown } | undefined)
    ?.distributions;
  return preflightDistributions(distributions ?? attached, env, {
    account: ctx.request.account,
    buildRegion: ctx.request.region,
    sample: { buildDate: ctx.clock.now(), buildVersion: buildNumberOf(ctx.request.imageArn) },
  });
}

/** DistributeImage's `distributions` input ({region, name, description, …}) as configuration entries. */
function fromInput(value: unknown): unknown {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw new Error("DistributeImage input 'distributions' must be a list");
  return value.map((item) => {
    const { region, ...ami } = (item ?? {}) as Record<string, unknown>;
    return Object.keys(ami).length > 0 ? { region, amiDistributionConfiguration: ami } : { region };
  });
}

function targetsOf(
  ctx: BuildContext,
  planned: readonly PlannedDistribution[],
  values: AmiNameValues,
): Target[] {
  const captured = ctx.captured!;
  const oci = captured.oci;
  const blobs = [oci.manifestDigest, oci.configDigest, ...oci.layers.map((l) => l.digest)];
  // DistributeImage copies an existing image: every copy is new, even in the build region.
  const freshIds = ctx.image.kilnSourceImageArn !== undefined;
  const account = ctx.request.account;
  const targets: Target[] = [];
  for (const d of planned) {
    const ami = d.ami;
    const name = renderAmiName(
      ami?.nameTemplate ?? `${String(ctx.image.name)}-{{imagebuilder:buildDate}}`,
      values,
    );
    const problem = renderedNameProblem(name);
    if (problem) throw new Error(`distributions[${d.index}].amiDistributionConfiguration.name ${problem}`);
    const tags = Object.fromEntries(
      Object.entries(ami?.amiTags ?? {}).map(([k, v]) => [k, renderAmiName(v, values)]),
    );
    for (const owner of [account, ...(ami?.targetAccountIds ?? [])]) {
      const image =
        owner === account && d.region === ctx.request.region && !freshIds
          ? captured.imageId
          : copyAmiId(ctx.request.imageArn, d.region, owner);
      const record: AmiRecord = {
        region: d.region,
        image,
        name,
        ...(ami?.description === undefined ? {} : { description: ami.description }),
        accountId: owner,
        tags,
        manifestDigest: oci.manifestDigest,
        blobs,
        imageArn: ctx.request.imageArn,
        creationDate: isoTime(values.buildDate),
        ...(ami?.launchPermission ? { launchPermission: ami.launchPermission } : {}),
      };
      targets.push(
        owner === account
          ? { region: d.region, kind: 'ami', label: `ami copy ${image}`, d, record }
          : { region: d.region, kind: 'account-copy', label: `copy ${image} for ${owner}`, d, record },
      );
    }
    for (const parameter of d.ssmParameters)
      targets.push({
        region: d.region,
        kind: 'ssm-parameter',
        label: `parameter ${parameter.parameterName}`,
        d,
        parameter,
      });
    for (const template of d.launchTemplates)
      targets.push({
        region: d.region,
        kind: 'launch-template',
        label: `launch template ${template.launchTemplateId}`,
        d,
        template,
      });
    if (d.s3Export)
      targets.push({
        region: d.region,
        kind: 'export',
        label: `${d.s3Export.diskImageFormat} export to ${d.s3Export.s3Bucket}`,
        d,
      });
  }
  return targets;
}

/** Per build: every target's report and launch permission, across DistributeImage steps. */
const reported = new WeakMap<BuildContext, TargetReport[]>();

export async function distributeImage(
  ctx: BuildContext,
  deps: EngineDistribution,
  signal: AbortSignal,
  input?: unknown,
): Promise<DistributedImage[]> {
  const captured = ctx.captured;
  if (!captured) throw new Error('no image was captured to distribute');
  const planned = planDistribution(ctx, deps.env, fromInput(input));
  const values = { buildDate: ctx.clock.now(), buildVersion: buildNumberOf(ctx.request.imageArn) };
  const targets = targetsOf(ctx, planned, values);
  const done = new Map<string, AmiRecord>(); // `${region}/${account}` → the completed copy
  const copyOf = (region: string, owner: string, what: string): AmiRecord => {
    const copy = done.get(`${region}/${owner}`);
    if (!copy) throw new Error(`${what}: the copy for account ${owner} in ${region} was not made`);
    return copy;
  };

  const attempt = async (t: Target, sig: AbortSignal): Promise<void> => {
    switch (t.kind) {
      case 'ami':
      case 'account-copy': {
        const store = t.d.store;
        if (store.type === 'registry') {
          if (!deps.copyToRegistry)
            throw new Error(
              `region ${t.region} stores its artifacts in the registry ${store.url}; AMI copies into registry stores are not available in this Kiln (src/distribution/registry-copy.ts)`,
            );
          if (t.d.ami?.kmsKey)
            throw new Error(
              `kmsKeyId: encryption at rest applies to directory stores; ${t.region} is a registry`,
            );
          await deps.copyToRegistry({
            region: t.region,
            store,
            record: t.record,
            source: ctx.blobs,
            imageDir: captured.dir,
            signal: sig,
          });
          await writeAmiRecord(ctx.paths.dataDir, t.record);
        } else {
          const copied = await copyAmi({
            dataDir: ctx.paths.dataDir,
            storeRoot: store.path,
            source: ctx.blobs,
            record: t.record as AmiRecord & { blobs: string[] },
            ...(t.d.ami?.kmsKey ? { kmsKey: t.d.ami.kmsKey } : {}),
            signal: sig,
          });
          const key = t.d.ami?.kmsKey ? `, encrypted with ${t.d.ami.kmsKey.arn}` : '';
          await logLine(
            ctx,
            'DistributeImage',
            `registered ${t.record.image} '${t.record.name}' for ${t.record.accountId} in ${t.region} (${copied} of ${t.record.blobs?.length} blobs copied${key})`,
          );
        }
        done.set(`${t.region}/${t.record.accountId}`, t.record);
        return;
      }
      case 'ssm-parameter': {
        if (!deps.parameters) throw new Error('this engine was given no parameter store to write to');
        const owner = t.parameter.amiAccountId ?? ctx.request.account;
        const copy = copyOf(t.region, owner, t.label);
        const version = await writeImageParameter(
          deps.parameters,
          {
            account: ctx.request.account,
            region: t.region,
            now: ctx.clock.now(),
            description: `image ${ctx.request.imageArn}`,
          },
          t.parameter,
          copy.image,
        );
        await logLine(
          ctx,
          'DistributeImage',
          `parameter ${t.parameter.parameterName} = ${copy.image} in ${t.region} (version ${version})`,
        );
        return;
      }
      case 'launch-template': {
        if (!deps.addLaunchTemplateVersion)
          throw new Error(
            'launch templates are not available in this Kiln engine (no addLaunchTemplateVersion)',
          );
        const owner = done.has(`${t.region}/${t.template.accountId}`)
          ? t.template.accountId
          : ctx.request.account;
        const copy = copyOf(t.region, owner, t.label);
        const version = await deps.addLaunchTemplateVersion({
          account: t.template.accountId,
          region: t.region,
          launchTemplateId: t.template.launchTemplateId,
          amiId: copy.image,
          setDefault: t.template.setDefaultVersion,
        });
        await logLine(
          ctx,
          'DistributeImage',
          `launch template ${version.launchTemplateId} version ${version.versionNumber} → ${copy.image}${t.template.setDefaultVersion ? ' (default)' : ''}`,
        );
        return;
      }
      case 'export': {
        const spec = t.d.s3Export!;
        if (!deps.exportDisk)
          throw new Error(
            'disk exports (s3ExportConfiguration) are not available in this Kiln (src/distribution/s3-export.ts)',
          );
        const copy = copyOf(t.region, ctx.request.account, t.label);
        const exported = await deps.exportDisk({
          region: t.region,
          store: t.d.store,
          record: copy,
          format: spec.diskImageFormat,
          s3Bucket: spec.s3Bucket,
          ...(spec.s3Prefix === undefined ? {} : { s3Prefix: spec.s3Prefix }),
          lowerDirs: captured.lowerDirs,
          imageDir: captured.dir,
          signal: sig,
        });
        const updated = await updateAmiRecord(ctx.paths.dataDir, t.region, copy.image, {
          exports: [...(copy.exports ?? []).filter((e) => e.path !== exported.path), exported],
        });
        done.set(`${t.region}/${ctx.request.account}`, updated);
        return;
      }
    }
  };

  const reports = await runTargets(targets, attempt, {
    signal,
    ...(deps.retry ? { retry: deps.retry } : {}),
    onFailure: (t, n, err, again) =>
      logLine(
        ctx,
        'DistributeImage',
        `${t.region} ${t.label}: try ${n} failed: ${err instanceof Error ? err.message : String(err)}${again ? '; retrying' : ''}`,
        'stderr',
      ),
  });
  const copies = targets.filter((t): t is Extract<Target, { record: AmiRecord }> => 'record' in t);
  const distributed: DistributedImage[] = copies.map((t) => {
    const report = reports[targets.indexOf(t)]!;
    const r = t.record;
    return {
      region: r.region,
      image: r.image,
      amiId: r.image,
      name: r.name,
      ...(r.description === undefined ? {} : { description: r.description }),
      accountId: r.accountId,
      status: report.status,
      ...(report.reason ? { errorMessage: report.reason } : {}),
    };
  });
  const all = [...(reported.get(ctx) ?? []), ...reports];
  reported.set(ctx, all);
  const amis = distributed
    .filter((d) => d.status === 'Completed')
    .map(({ region, image, name, description, accountId }) => ({
      region,
      image,
      name,
      ...(description === undefined ? {} : { description }),
      accountId,
    }));
  await ctx.emit({ kind: 'image', members: { outputResources: { amis }, kilnDistribution: all } });
  await recordLaunchPermissions(
    ctx,
    copies
      .filter((t) => t.record.launchPermission && done.has(`${t.region}/${t.record.accountId}`))
      .map((t) => ({
        region: t.region,
        amiId: t.record.image,
        launchPermission: t.record.launchPermission!,
      })),
  );
  const reason = failureReason(reports);
  if (reason) throw new Error(reason);
  return distributed;
}
