/**
 * ListLifecycleExecutions, GetLifecycleExecution, ListLifecycleExecutionResources,
 * CancelLifecycleExecution and StartResourceStateUpdate. Executions are documents written by
 * src/lifecycle/ (records.ts); these handlers read them in the model's shapes, ask for a
 * cancel, or queue a state update for the lifecycle runner.
 */
import { timestampInputToMs } from '../contract/model.js';
import { parseArn } from '../core/arn.js';
import { KilnError, notFound } from '../core/errors.js';
import { wake } from '../events/wake.js';
import {
  childParent,
  EXECUTION_KIND,
  type ExecutionBody,
  executionOf,
  IMAGE_INDEX_KIND,
  putExecutionBody,
  RESOURCE_KIND,
  type ResourceBody,
  type StateUpdate,
} from '../lifecycle/records.js';
import { startStateUpdate } from '../lifecycle/start.js';
import type { DocumentQuery, DocumentRecord, Store } from '../store/store.js';
import type { CallContext, Handler, Input, ServiceDeps } from './context.js';
import { IN_PROGRESS } from './executions/image-state.js';
import { statusOf } from './executions/transitions.js';
import { decodeToken, encodeToken, pageSize } from './pagination.js';
import { compact, getOwned, resolveVersioned } from './resources.js';

const combo = (message: string) => new KilnError('InvalidParameterCombinationException', message);

/** The LifecycleExecution shape (times are epoch ms here; the edge writes epoch seconds). */
export const lifecycleExecutionShape = (body: ExecutionBody) =>
  compact({
    lifecycleExecutionId: body.lifecycleExecutionId,
    lifecyclePolicyArn: body.lifecyclePolicyArn,
    resourcesImpactedSummary: body.resourcesImpactedSummary,
    state: compact({ status: body.state.status, reason: body.state.reason }),
    startTime: body.startTime,
    endTime: body.endTime,
  });

/** The LifecycleExecutionResource shape (the recorded work stays inside). */
const resourceShape = (doc: DocumentRecord) => {
  const r = doc.body as unknown as ResourceBody;
  return compact({
    accountId: r.accountId,
    resourceId: r.resourceId,
    state: compact({ ...r.state }),
    action: compact({ ...r.action }),
    region: r.region,
    snapshots: r.snapshots,
    imageUris: r.imageUris,
    startTime: r.startTime,
    endTime: r.endTime,
  });
};

/** Keyset pagination over documents with the same signed tokens as every other listing. */
async function pageOfDocuments(
  store: Store,
  operation: string,
  selectors: unknown,
  query: Omit<DocumentQuery, 'limit' | 'afterSortKey'>,
  input: { maxResults?: number; nextToken?: string },
): Promise<{ items: DocumentRecord[]; nextToken?: string }> {
  const size = pageSize(input.maxResults);
  const after = await decodeToken(store, operation, selectors, input.nextToken);
  const rows = await store.listDocuments({
    ...query,
    limit: size + 1,
    ...(after !== undefined ? { afterSortKey: after } : {}),
  });
  const items = rows.slice(0, size);
  const last = items[items.length - 1];
  if (rows.length <= size || !last) return { items };
  return { items, nextToken: await encodeToken(store, operation, selectors, last.sortKey) };
}

/** An execution of the caller's account and region, or ResourceNotFoundException. */
async function ownedExecution(deps: ServiceDeps, ctx: CallContext, id: string): Promise<DocumentRecord> {
  const doc = await deps.store.getDocument(EXECUTION_KIND, id);
  if (!doc || doc.account !== ctx.account || doc.region !== ctx.region)
    throw notFound('lifecycle execution', id, 'List them with ListLifecycleExecutions and the policy ARN.');
  return doc;
}

const listLifecycleExecutions: Handler = async (deps, ctx, input) => {
  const arn = String(input.resourceArn);
  const type = parseArn(arn, 'resourceArn').type;
  const scope = { account: ctx.account, region: ctx.region, descending: true };
  const selectors = [arn];
  let docs: DocumentRecord[] = [];
  let nextToken: string | undefined;
  if (type === 'lifecycle-policy') {
    await getOwned(deps, ctx, arn, 'resourceArn', 'lifecycle-policy');
    ({ items: docs, nextToken } = await pageOfDocuments(
      deps.store,
      ctx.operation,
      selectors,
      { ...scope, kind: EXECUTION_KIND, parent: arn },
      input,
    ));
  } else if (type === 'image') {
    // Executions that touched the image (it may be deleted by now, so no lookup).
    const page = await pageOfDocuments(
      deps.store,
      ctx.operation,
      selectors,
      { ...scope, kind: IMAGE_INDEX_KIND, parent: arn },
      input,
    );
    nextToken = page.nextToken;
    for (const entry of page.items) {
      const doc = await deps.store.getDocument(EXECUTION_KIND, String(entry.body.lifecycleExecutionId));
      if (doc) docs.push(doc);
    }
  }
  return {
    lifecycleExecutions: docs.map((d) => lifecycleExecutionShape(executionOf(d))),
    ...(nextToken ? { nextToken } : {}),
  };
};

const getLifecycleExecution: Handler = async (deps, ctx, input) => {
  const doc = await ownedExecution(deps, ctx, input.lifecycleExecutionId);
  return { lifecycleExecution: lifecycleExecutionShape(executionOf(doc)) };
};

/** `parentResourceId` empty: the images; an image ARN: that image's AMIs and containers. */
const listLifecycleExecutionResources: Handler = async (deps, ctx, input) => {
  const doc = await ownedExecution(deps, ctx, input.lifecycleExecutionId);
  const parent = input.parentResourceId ? childParent(doc.id, input.parentResourceId) : doc.id;
  const page = await pageOfDocuments(
    deps.store,
    ctx.operation,
    [doc.id, input.parentResourceId],
    { kind: RESOURCE_KIND, parent },
    input,
  );
  const state = executionOf(doc).state;
  return compact({
    lifecycleExecutionId: doc.id,
    lifecycleExecutionState: compact({ status: state.status, reason: state.reason }),
    resources: page.items.map(resourceShape),
    nextToken: page.nextToken,
  });
};

/** A pending execution ends at once; a running one is asked to stop between images. */
const cancelLifecycleExecution: Handler = async (deps, ctx, input) => {
  const doc = await ownedExecution(deps, ctx, input.lifecycleExecutionId);
  const done = await deps.store.transaction(async (store) => {
    const fresh = (await store.getDocument(EXECUTION_KIND, doc.id)) as DocumentRecord;
    const body = executionOf(fresh);
    const now = deps.clock.now();
    if (fresh.status === 'PENDING') {
      const reason = 'Cancelled by CancelLifecycleExecution before it started.';
      const ended: ExecutionBody = { ...body, state: { status: 'CANCELLED', reason }, endTime: now };
      return putExecutionBody(store, fresh, ended, now, ['PENDING']);
    }
    if (fresh.status === 'IN_PROGRESS')
      return putExecutionBody(store, fresh, { ...body, state: { status: 'CANCELLING' } }, now, [
        'IN_PROGRESS',
      ]);
    return fresh.status === 'CANCELLING';
  });
  if (!done) {
    const status = (await deps.store.getDocument(EXECUTION_KIND, doc.id))?.status;
    throw new KilnError('ResourceInUseException', `The lifecycle execution ${doc.id} is already ${status}.`, {
      hint: 'Only PENDING and IN_PROGRESS executions can be cancelled.',
    });
  }
  wake(deps.store, 'queue');
  return { lifecycleExecutionId: doc.id };
};

/** Checks the request against the image, the way the service combines these members. */
function stateUpdateOf(input: Input, imageType: unknown, arn: string): StateUpdate {
  const inc = input.includeResources ?? {};
  const includeResources = {
    amis: inc.amis === true,
    snapshots: inc.snapshots === true,
    containers: inc.containers === true,
  };
  const status = input.state?.status as StateUpdate['status'] | undefined;
  if (!status) throw combo("'state.status' is required: AVAILABLE, DEPRECATED, DISABLED or DELETED.");
  const isAmi = imageType !== 'DOCKER';
  if (includeResources.containers && isAmi)
    throw combo("'includeResources.containers' applies to container images only.");
  if ((includeResources.amis || includeResources.snapshots) && !isAmi)
    throw combo("'includeResources' amis and snapshots apply to AMI images only.");
  if (includeResources.snapshots && status !== 'DELETED')
    throw combo("'includeResources.snapshots' only applies when 'state.status' is DELETED.");
  if (status === 'DELETED' && !Object.values(includeResources).some(Boolean))
    throw combo("Deleting an image needs at least one of 'includeResources' amis, snapshots or containers.");
  if (input.exclusionRules?.amis && !isAmi) throw combo("'exclusionRules.amis' applies to AMI images only.");
  return {
    resourceArn: arn,
    status,
    includeResources,
    ...(input.exclusionRules?.amis ? { exclusionRules: { amis: input.exclusionRules.amis } } : {}),
  };
}

const startResourceStateUpdate: Handler = async (deps, ctx, input) => {
  const image = await resolveVersioned(deps, ctx, input.resourceArn, 'resourceArn', {
    type: 'image',
    action: 'imagebuilder:GetImage',
    levels: 'build',
  });
  if (image.account !== ctx.account)
    throw new KilnError('ForbiddenException', `Only the owner of '${image.arn}' may change its state.`);
  const status = statusOf(image) ?? '';
  if (IN_PROGRESS.has(status))
    throw new KilnError('ResourceInUseException', `The image '${image.arn}' is ${status}.`, {
      hint: 'Wait for the build to end, or cancel it with CancelImageCreation.',
    });
  const update = stateUpdateOf(input, image.body.type, image.arn);
  const runAt = input.updateAt === undefined ? undefined : timestampInputToMs(input.updateAt);
  const doc = await startStateUpdate(deps, image, update, runAt);
  return { lifecycleExecutionId: doc.id, resourceArn: image.arn };
};

export const LIFECYCLE_EXECUTION_HANDLERS: Record<string, Handler> = {
  ListLifecycleExecutions: listLifecycleExecutions,
  GetLifecycleExecution: getLifecycleExecution,
  ListLifecycleExecutionResources: listLifecycleExecutionResources,
  CancelLifecycleExecution: cancelLifecycleExecution,
  StartResourceStateUpdate: startResourceStateUpdate,
};
