import { parseArn } from '../core/arn.js';
import { isKilnError, KilnError } from '../core/errors.js';
import { imageLaunchableBy, organizationsOf, principalsOf } from '../distribution/permission.js';
import type { ResourceRecord } from '../store/store.js';
import { byNameKey, latestRefsOf } from './components.js';
import type { CallContext, Handler, ServiceDeps } from './context.js';
import { bodyField, compileFilters } from './filters.js';
import { listByOwner } from './owners.js';
import { listBuilds } from './builds.js';
import { policyHandlers } from './policy-handlers.js';
import { deleteImageBuild } from './executions/control.js';
import { compact, resolveVersioned } from './resources.js';

const READ = 'imagebuilder:GetImage';
const IN_PROGRESS = new Set(['PENDING', 'CREATING', 'BUILDING', 'TESTING', 'DISTRIBUTING', 'INTEGRATING']);
const statusOf = (r: ResourceRecord) => (r.body.state as { status?: string } | undefined)?.status;

const IMAGE_FILTERS = {
  name: bodyField('name'),
  osVersion: bodyField('osVersion'),
  platform: bodyField('platform'),
  type: bodyField('type'),
  version: bodyField('version'),
};

/**
 * Resolves an image ARN for reading: the caller's own, one an image policy shares, or one whose
 * distributed AMIs the caller may launch. For the last, the ARN resolves as its owner sees it
 * and the resolved build must grant the caller launch permission (a wildcard ARN does not fall
 * back to an older shared build).
 */
async function readableImage(deps: ServiceDeps, ctx: CallContext, arn: string): Promise<ResourceRecord> {
  const opts = { type: 'image', action: READ, levels: 'any' } as const;
  try {
    return await resolveVersioned(deps, ctx, arn, 'imageBuildVersionArn', opts);
  } catch (err) {
    if (!isKilnError(err) || err.code !== 'ResourceNotFoundException') throw err;
    const owner = parseArn(arn, 'imageBuildVersionArn').account;
    if (owner === ctx.account) throw err;
    const asOwner = await resolveVersioned(
      deps,
      { ...ctx, account: owner },
      arn,
      'imageBuildVersionArn',
      opts,
    ).catch(() => undefined);
    if (!asOwner || !imageLaunchableBy(asOwner.body, ctx.account, organizationsOf(deps.config))) throw err;
    return asOwner;
  }
}

const getImage: Handler = async (deps, ctx, input) => {
  const r = await readableImage(deps, ctx, input.imageBuildVersionArn);
  return {
    requestId: ctx.requestId,
    image: { ...r.body, tags: r.tags },
    latestVersionReferences: latestRefsOf(r),
  };
};

const versionEntry = (r: ResourceRecord) =>
  compact({
    arn: String(r.body.arn).replace(/\/[0-9]+$/, ''),
    name: r.body.name,
    type: r.body.type,
    version: r.body.version,
    platform: r.body.platform,
    osVersion: r.body.osVersion,
    owner: r.body.owner,
    dateCreated: r.body.dateCreated,
    buildType: r.body.buildType,
    imageSource: r.body.imageSource,
  });

const listImages: Handler = async (deps, ctx, input) => {
  const filter = compileFilters(input.filters, IMAGE_FILTERS);
  const keep = (r: ResourceRecord) =>
    filter(r) && (input.includeDeprecated === true || statusOf(r) !== 'DEPRECATED');
  const nameKey = byNameKey(input);
  const page = await listByOwner({
    deps,
    ctx,
    type: 'image',
    owner: input.owner,
    listAction: 'imagebuilder:ListImages',
    latestBuildsOnly: true,
    selectors: [input.owner, input.filters, input.byName, input.includeDeprecated],
    maxResults: input.maxResults,
    nextToken: input.nextToken,
    keep,
    map: versionEntry,
    ...(nameKey !== undefined ? { nameKey } : {}),
    launchGrants: {
      grantees: principalsOf(ctx.account, organizationsOf(deps.config)),
      granted: (r) => imageLaunchableBy(r.body, ctx.account, organizationsOf(deps.config)),
    },
  });
  return { requestId: ctx.requestId, imageVersionList: page.items, nextToken: page.nextToken };
};

/** The ImageSummary shape, shared with ListImagePipelineImages. */
export const imageSummary = (r: ResourceRecord) =>
  compact({
    arn: r.body.arn,
    name: r.body.name,
    type: r.body.type,
    version: r.body.version,
    platform: r.body.platform,
    osVersion: r.body.osVersion,
    state: r.body.state,
    owner: r.body.owner,
    dateCreated: r.body.dateCreated,
    outputResources: r.body.outputResources,
    tags: r.tags,
    buildType: r.body.buildType,
    imageSource: r.body.imageSource,
    deprecationTime: r.body.deprecationTime,
    lifecycleExecutionId: r.body.lifecycleExecutionId,
    loggingConfiguration: r.body.loggingConfiguration,
  });

const listImageBuildVersions: Handler = async (deps, ctx, input) => {
  const page = await listBuilds(deps, ctx, {
    type: 'image',
    member: 'imageVersionArn',
    versionArn: input.imageVersionArn,
    action: READ,
    levels: 'version',
    input,
    keep: compileFilters(input.filters, IMAGE_FILTERS),
    map: imageSummary,
  });
  return { requestId: ctx.requestId, imageSummaryList: page.items, nextToken: page.nextToken };
};

const deleteImage: Handler = async (deps, ctx, input) => {
  const r = await resolveVersioned(deps, ctx, input.imageBuildVersionArn, 'imageBuildVersionArn', {
    type: 'image',
    action: READ,
    levels: 'build',
  });
  if (r.account !== ctx.account)
    throw new KilnError('ForbiddenException', `Only the owner may delete '${r.arn}'.`);
  if (IN_PROGRESS.has(statusOf(r) ?? '')) {
    throw new KilnError('ResourceInUseException', `The image '${r.arn}' is ${statusOf(r)}.`, {
      hint: 'Cancel it with CancelImageCreation first.',
    });
  }
  await deleteImageBuild(deps, r);
  return { requestId: ctx.requestId, imageBuildVersionArn: r.arn };
};

const imagePolicy = policyHandlers('image', 'imageArn', READ, 'build');

export const IMAGE_HANDLERS: Record<string, Handler> = {
  GetImage: getImage,
  ListImages: listImages,
  ListImageBuildVersions: listImageBuildVersions,
  DeleteImage: deleteImage,
  PutImagePolicy: imagePolicy.put,
  GetImagePolicy: imagePolicy.get,
};
