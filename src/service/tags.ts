import { KilnError } from '../core/errors.js';
import type { ResourceRecord } from '../store/store.js';
import type { CallContext, Handler, ServiceDeps } from './context.js';

const MAX_TAGS = 50;

async function taggable(deps: ServiceDeps, ctx: CallContext, arn: string): Promise<ResourceRecord> {
  const record = await deps.store.getResource(arn);
  if (!record || record.account !== ctx.account || record.region !== ctx.region) {
    throw new KilnError('ResourceNotFoundException', `The resource '${arn}' does not exist.`, {
      hint: 'Tag operations take the exact ARN a Create call returned (with its version and build).',
    });
  }
  return record;
}

const tagResource: Handler = async (deps, ctx, input) => {
  await deps.store.transaction(async (store) => {
    const record = await taggable({ ...deps, store }, ctx, input.resourceArn);
    const tags = { ...record.tags, ...input.tags };
    if (Object.keys(tags).length > MAX_TAGS) {
      throw new KilnError(
        'InvalidParameterException',
        `A resource may carry at most ${MAX_TAGS} tags; this would make ${Object.keys(tags).length}.`,
      );
    }
    await store.update(record.arn, { tags });
  });
  return {};
};

const untagResource: Handler = async (deps, ctx, input) => {
  await deps.store.transaction(async (store) => {
    const record = await taggable({ ...deps, store }, ctx, input.resourceArn);
    const tags = { ...record.tags };
    for (const key of input.tagKeys as string[]) delete tags[key];
    await store.update(record.arn, { tags });
  });
  return {};
};

const listTagsForResource: Handler = async (deps, ctx, input) => {
  const record = await taggable(deps, ctx, input.resourceArn);
  return { tags: record.tags };
};

export const TAG_HANDLERS: Record<string, Handler> = {
  TagResource: tagResource,
  UntagResource: untagResource,
  ListTagsForResource: listTagsForResource,
};
