/**
 * DistributeImage: an existing image (its build version ARN, or the id of one of its AMI
 * copies) distributed again with another distribution configuration. It becomes a new image
 * build version of the same name and version, queued to run only the distribution stage on the
 * source's captured artifacts (as RetryImage resumes at DISTRIBUTION). The source's artifacts
 * are referenced as `kilnSourceArtifacts`, not `kilnArtifacts`: deleting the copy must never
 * remove the source's files.
 */
import { type ParsedArn, parseArn } from '../../core/arn.js';
import { invalidValue, KilnError } from '../../core/errors.js';
import { listAmiRecords } from '../../distribution/ami-store.js';
import { distributionEnvironment } from '../../distribution/environment.js';
import { preflightDistributions } from '../../distribution/preflight.js';
import { wake } from '../../events/wake.js';
import type { ResourceRecord } from '../../store/store.js';
import { insertNextBuild } from '../builds.js';
import type { CallContext, Handler, ServiceDeps } from '../context.js';
import { compact, getOwned, resolveVersioned } from '../resources.js';
import { applyStatus } from './image-state.js';
import { EXECUTION_KIND, type ExecutionBody, executionSortKey } from './records.js';
import { statusOf } from './transitions.js';

/** The image a `sourceImage` names: an image build version ARN, or an AMI id of the region. */
async function sourceImageOf(deps: ServiceDeps, ctx: CallContext, source: string): Promise<ResourceRecord> {
  let arn = source;
  if (/^ami-[0-9a-f]{8,17}$/.test(source)) {
    const record = (await listAmiRecords(deps.config.dataDir, ctx.region)).find((r) => r.image === source);
    if (!record || record.accountId !== ctx.account)
      throw new KilnError(
        'ResourceNotFoundException',
        `The AMI '${source}' does not exist in ${ctx.region}.`,
        {
          hint: "Give the image's build version ARN, or the id of an AMI copy your account owns in this region.",
        },
      );
    arn = record.imageArn;
  }
  const image = await resolveVersioned(deps, ctx, arn, 'sourceImage', {
    type: 'image',
    action: 'imagebuilder:GetImage',
    levels: 'any',
  });
  const status = statusOf(image);
  if (status !== 'AVAILABLE')
    throw new KilnError('ResourceInUseException', `The image '${image.arn}' is ${status}, not AVAILABLE.`, {
      hint: 'Only available images can be distributed.',
    });
  const artifacts = (image.body.kilnArtifacts ?? image.body.kilnSourceArtifacts) as
    | { imageId?: string; manifestDigest?: string }
    | undefined;
  if (!artifacts?.imageId || !artifacts.manifestDigest || !image.body.resolvedReferences)
    throw invalidValue('sourceImage', `'${image.arn}' has no captured artifacts Kiln can distribute.`);
  return image;
}

/** What the new image build version keeps of the source (its snapshot, not its results). */
function copiedBody(source: ResourceRecord): Record<string, unknown> {
  const b = source.body;
  const artifacts = (b.kilnArtifacts ?? b.kilnSourceArtifacts) as Record<string, unknown>;
  return compact({
    name: b.name,
    version: b.version,
    type: b.type,
    platform: b.platform,
    osVersion: b.osVersion,
    imageRecipe: b.imageRecipe,
    containerRecipe: b.containerRecipe,
    infrastructureConfiguration: b.infrastructureConfiguration,
    imageTestsConfiguration: b.imageTestsConfiguration,
    enhancedImageMetadataEnabled: b.enhancedImageMetadataEnabled,
    imageScanningConfiguration: b.imageScanningConfiguration,
    workflows: b.workflows,
    resolvedDependencies: b.resolvedDependencies,
    resolvedReferences: b.resolvedReferences,
    imageSource: b.imageSource,
    kilnSourceImageArn: (b.kilnSourceImageArn as string | undefined) ?? source.arn,
    kilnSourceArtifacts: artifacts,
  });
}

const distributeImage: Handler = async (deps, ctx, input) => {
  const source = await sourceImageOf(deps, ctx, input.sourceImage);
  const dist = await getOwned(
    deps,
    ctx,
    input.distributionConfigurationArn,
    'distributionConfigurationArn',
    'distribution-configuration',
  );
  preflightDistributions(dist.body.distributions, distributionEnvironment(deps.config), {
    account: ctx.account,
    buildRegion: ctx.region,
    sample: { buildDate: deps.clock.now(), buildVersion: 1 },
  });
  const version = (parseArn(source.arn, 'sourceImage') as ParsedArn & { version: { major: number } }).version;
  const arn = await deps.store.transaction(async (store) => {
    const tx = { ...deps, store };
    const imageArn = await insertNextBuild(tx, ctx, {
      type: 'image',
      nameKey: source.nameKey,
      versionKey: source.versionKey,
      arn: {
        region: ctx.region,
        account: ctx.account,
        type: 'image',
        name: String(source.body.name),
        version,
      },
      tags: input.tags,
      body: (newArn, now) =>
        applyStatus(
          compact({
            arn: newArn,
            ...copiedBody(source),
            owner: ctx.account,
            distributionConfiguration: { ...dist.body, tags: dist.tags },
            dateCreated: now,
            buildType: 'USER_INITIATED',
            executionRole: input.executionRole,
            loggingConfiguration: input.loggingConfiguration,
          }),
          'PENDING',
          undefined,
          now,
        ),
    });
    const now = deps.clock.now();
    const execution: ExecutionBody = {
      imageArn,
      buildType: 'USER_INITIATED',
      attempt: 1,
      queuedAt: now,
      resumeFromStage: 'DISTRIBUTION',
    };
    await store.putDocument({
      kind: EXECUTION_KIND,
      id: imageArn,
      account: ctx.account,
      region: ctx.region,
      parent: '',
      status: 'QUEUED',
      sortKey: executionSortKey(now, imageArn),
      body: execution as unknown as Record<string, unknown>,
      createdAt: now,
      updatedAt: now,
    });
    return imageArn;
  });
  wake(deps.store, 'queue');
  return { requestId: ctx.requestId, clientToken: input.clientToken, imageBuildVersionArn: arn };
};

export const DISTRIBUTE_HANDLERS: Record<string, Handler> = { DistributeImage: distributeImage };
