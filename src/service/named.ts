import { formatArn, normalizeName, type ResourceType } from '../core/arn.js';
import { KilnError } from '../core/errors.js';
import type { ResourceRecord } from '../store/store.js';
import type { CallContext, Handler, Input, ServiceDeps } from './context.js';
import { assertUnused, referenceKeysOf } from './dependents.js';
import { compileFilters, type FilterFields } from './filters.js';
import { listPage } from './pagination.js';
import { getOwned, initialTags, TYPE_LABEL } from './resources.js';

/**
 * The shape shared by unversioned resources (infrastructure and distribution configurations,
 * pipelines, lifecycle policies): unique by normalized name, Update replaces every member but
 * the tags, Delete is refused while something uses the resource.
 */
export interface NamedResourceSpec {
  readonly type: ResourceType;
  /** The request/response member holding the ARN, e.g. `infrastructureConfigurationArn`. */
  readonly arnMember: string;
  /** The Get response member, e.g. `infrastructureConfiguration`. */
  readonly getMember: string;
  readonly listMember: string;
  readonly filters: FilterFields;
  /** Checks the request and returns the stored body (without arn, dates and tags). */
  readonly build: (
    deps: ServiceDeps,
    ctx: CallContext,
    input: Input,
    previous?: ResourceRecord,
  ) => Promise<Record<string, unknown>>;
  readonly summary: (r: ResourceRecord) => Record<string, unknown>;
  /** Lets a type add members computed on read (e.g. a pipeline's dateNextRun). */
  readonly view?: (deps: ServiceDeps, r: ResourceRecord) => Record<string, unknown>;
}

export function namedHandlers(
  spec: NamedResourceSpec,
  ops: { create: string; update?: string; get: string; list: string; delete: string },
) {
  const label = TYPE_LABEL[spec.type];
  const view = (deps: ServiceDeps, r: ResourceRecord) => ({
    ...(spec.view ? spec.view(deps, r) : r.body),
    tags: r.tags,
  });

  const create: Handler = async (deps, ctx, input) => {
    const body = await spec.build(deps, ctx, input);
    const arn = formatArn({ region: ctx.region, account: ctx.account, type: spec.type, name: input.name });
    const now = deps.clock.now();
    await deps.store.transaction(async (store) => {
      if (await store.getResource(arn)) {
        throw new KilnError(
          'ResourceAlreadyExistsException',
          `The ${label} '${input.name}' already exists (${arn}).`,
          {
            hint: `Update it, or pick another name (names that differ only in case or spaces count as the same).`,
          },
        );
      }
      const full = { arn, ...body, dateCreated: now };
      await store.insert(
        {
          arn,
          account: ctx.account,
          region: ctx.region,
          type: spec.type,
          nameKey: normalizeName(input.name),
          versionKey: '',
          build: 0,
          body: full,
          tags: initialTags(input.tags),
          policy: undefined,
          dateCreated: now,
          dateUpdated: now,
        },
        referenceKeysOf(full),
      );
    });
    return { requestId: ctx.requestId, clientToken: input.clientToken, [spec.arnMember]: arn };
  };

  const update: Handler = async (deps, ctx, input) => {
    const arn = input[spec.arnMember] as string;
    const previous = await getOwned(deps, ctx, arn, spec.arnMember, spec.type);
    const body = await spec.build(deps, ctx, { ...input, name: previous.body.name }, previous);
    const now = deps.clock.now();
    const full = { arn, ...body, dateCreated: previous.body.dateCreated, dateUpdated: now };
    await deps.store.update(arn, { body: full, dateUpdated: now }, referenceKeysOf(full));
    return { requestId: ctx.requestId, clientToken: input.clientToken, [spec.arnMember]: arn };
  };

  const get: Handler = async (deps, ctx, input) => {
    const r = await getOwned(deps, ctx, input[spec.arnMember], spec.arnMember, spec.type);
    return { requestId: ctx.requestId, [spec.getMember]: view(deps, r) };
  };

  const list: Handler = async (deps, ctx, input) => {
    const keep = compileFilters(input.filters, spec.filters);
    const page = await listPage({
      store: deps.store,
      operation: ctx.operation,
      selectors: [input.filters],
      query: { account: ctx.account, region: ctx.region, type: spec.type },
      maxResults: input.maxResults,
      nextToken: input.nextToken,
      keep,
      map: (r) => spec.summary({ ...r, body: view(deps, r) }),
    });
    return { requestId: ctx.requestId, [spec.listMember]: page.items, nextToken: page.nextToken };
  };

  const remove: Handler = async (deps, ctx, input) => {
    const r = await getOwned(deps, ctx, input[spec.arnMember], spec.arnMember, spec.type);
    await assertUnused(deps, ctx, r);
    await deps.store.delete(r.arn);
    return { requestId: ctx.requestId, [spec.arnMember]: r.arn };
  };

  const handlers: Record<string, Handler> = {
    [ops.create]: create,
    [ops.get]: get,
    [ops.list]: list,
    [ops.delete]: remove,
  };
  if (ops.update) handlers[ops.update] = update;
  return handlers;
}
