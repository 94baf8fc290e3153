/**
 * Distribution, first part (design.md §2 step 6): for each distribution whose region is one of
 * Kiln's configured regions, copy the image's blobs into that region's artifact store (only the
 * missing ones: the stores are content-addressed), register the image there under the AMI name
 * template and tags, and report it in `outputResources.amis`. Registries, launch templates,
 * launch permissions, KMS and other accounts are a later issue and are refused, not faked.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isoTime } from '../core/clock.js';
import { hexId } from '../core/ids.js';
import { writeFileAtomic } from '../host/fs.js';
import { DirectoryBlobStore } from '../images/blob-store.js';
import { type BuildContext, logLine } from './context.js';

/** `{{imagebuilder:buildDate}}` and `{{imagebuilder:buildVersion}}` in an AMI name (pure). */
export function renderAmiName(template: string, buildDate: number, buildVersion: number): string {
  const date = isoTime(buildDate).replace(/:/g, '-');
  return template
    .replace(/\{\{\s*imagebuilder:buildDate\s*\}\}/g, date)
    .replace(/\{\{\s*imagebuilder:buildVersion\s*\}\}/g, String(buildVersion));
}

interface Distribution {
  readonly region: string;
  readonly amiDistributionConfiguration?: {
    name?: string;
    description?: string;
    amiTags?: Record<string, string>;
    targetAccountIds?: string[];
  };
  readonly [member: string]: unknown;
}

const UNSUPPORTED = [
  'containerDistributionConfiguration',
  'launchTemplateConfigurations',
  'licenseConfigurationArns',
  'fastLaunchConfigurations',
  's3ExportConfiguration',
  'ssmParameterConfigurations',
];

export interface DistributedImage {
  readonly region: string;
  readonly image: string;
  readonly name: string;
  readonly description?: string;
  readonly accountId: string;
}

/** Which distributions apply (pure): the configuration's, or the build's own region without one. */
export function distributionsFor(
  config: Readonly<Record<string, unknown>> | undefined,
  buildRegion: string,
  regions: readonly string[],
): Distribution[] {
  const all = (config?.distributions as Distribution[] | undefined) ?? [{ region: buildRegion }];
  for (const [i, d] of all.entries()) {
    const extra = UNSUPPORTED.find((m) => d[m] !== undefined);
    if (extra) throw new Error(`distributions[${i}].${extra} is not supported by Kiln yet (a later issue)`);
    if (d.amiDistributionConfiguration?.targetAccountIds?.length)
      throw new Error(
        `distributions[${i}].amiDistributionConfiguration.targetAccountIds: other accounts are a later issue`,
      );
    if (!regions.includes(d.region))
      throw new Error(
        `distributions[${i}].region '${d.region}' is not one of Kiln's regions (${regions.join(', ')})`,
      );
  }
  return all;
}

export async function distributeImage(
  ctx: BuildContext,
  regions: readonly string[],
  signal: AbortSignal,
): Promise<DistributedImage[]> {
  const captured = ctx.captured;
  if (!captured) throw new Error('no image was captured to distribute');
  const distributions = distributionsFor(
    ctx.image.distributionConfiguration as Record<string, unknown> | undefined,
    ctx.request.region,
    regions,
  );
  const buildDate = ctx.clock.now();
  const buildVersion = Number(/\/(\d+)$/.exec(ctx.request.imageArn)?.[1] ?? 1);
  const blobs = [
    { digest: captured.oci.manifestDigest },
    { digest: captured.oci.configDigest },
    ...captured.oci.layers,
  ];
  const out: DistributedImage[] = [];
  for (const d of distributions) {
    signal.throwIfAborted();
    const store = new DirectoryBlobStore(join(ctx.paths.regionsDir, d.region));
    await mkdir(join(store.root, 'blobs', 'sha256'), { recursive: true });
    let copied = 0;
    for (const blob of blobs) {
      if (await store.has(blob.digest)) continue;
      await ctx.blobs.exportTo(blob.digest, store.localPath(blob.digest));
      copied += 1;
    }
    const ami = d.amiDistributionConfiguration ?? {};
    const name = renderAmiName(
      ami.name ?? `${String(ctx.image.name)}-{{imagebuilder:buildDate}}`,
      buildDate,
      buildVersion,
    );
    const image = d.region === ctx.request.region ? captured.imageId : hexId('ami');
    const registered: DistributedImage = {
      region: d.region,
      image,
      name,
      ...(ami.description === undefined ? {} : { description: ami.description }),
      accountId: ctx.request.account,
    };
    await mkdir(join(store.root, 'images'), { recursive: true });
    await writeFileAtomic(
      join(store.root, 'images', `${image}.json`),
      JSON.stringify(
        {
          ...registered,
          tags: ami.amiTags ?? {},
          manifestDigest: captured.oci.manifestDigest,
          imageArn: ctx.request.imageArn,
          creationDate: isoTime(buildDate),
        },
        null,
        2,
      ),
    );
    await logLine(
      ctx,
      'DistributeImage',
      `registered ${image} '${name}' in ${d.region} (${copied} of ${blobs.length} blobs copied)`,
    );
    out.push(registered);
  }
  await ctx.emit({ kind: 'image', members: { outputResources: { amis: out } } });
  return out;
}
