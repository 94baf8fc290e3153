/**
 * Lifecycle executions as documents in the store. One `lifecycle-execution` document per
 * execution (`lce-…`; parent: the policy ARN, or the image ARN of a StartResourceStateUpdate),
 * one `lifecycle-execution-resource` document per resource it acted on or skipped (parent: the
 * execution id for images, `<execution id>|<image ARN>` for the image's AMIs and containers,
 * which is how ListLifecycleExecutionResources' `parentResourceId` selects them), and a small
 * `lifecycle-execution-image` index so executions can be listed by image ARN.
 */
import type { DocumentRecord, Store } from '../store/store.js';
import type { AmiPlan, LifecycleIncludeResources } from './types.js';

export const EXECUTION_KIND = 'lifecycle-execution';
export const RESOURCE_KIND = 'lifecycle-execution-resource';
export const IMAGE_INDEX_KIND = 'lifecycle-execution-image';

export type ExecutionStatus = 'PENDING' | 'IN_PROGRESS' | 'CANCELLING' | 'CANCELLED' | 'FAILED' | 'SUCCESS';
export type ResourceStatus = 'IN_PROGRESS' | 'SUCCESS' | 'FAILED' | 'SKIPPED';
/** LifecycleExecutionResourceActionName. */
export type ActionName = 'AVAILABLE' | 'DEPRECATE' | 'DISABLE' | 'DELETE';
export const ACTIVE: readonly ExecutionStatus[] = ['PENDING', 'IN_PROGRESS', 'CANCELLING'];

/** A StartResourceStateUpdate request, stored until the execution runs it. */
export interface StateUpdate {
  readonly resourceArn: string;
  readonly status: 'AVAILABLE' | 'DEPRECATED' | 'DISABLED' | 'DELETED';
  readonly includeResources: Required<LifecycleIncludeResources>;
  readonly exclusionRules?: { readonly amis?: Readonly<Record<string, unknown>> };
}

export interface ExecutionBody {
  readonly lifecycleExecutionId: string;
  readonly lifecyclePolicyArn?: string;
  readonly stateUpdate?: StateUpdate;
  readonly state: { readonly status: ExecutionStatus; readonly reason?: string };
  /** Epoch ms (the API shows epoch seconds). */
  readonly startTime?: number;
  readonly endTime?: number;
  /** Not before this instant (StartResourceStateUpdate's `updateAt`); epoch ms. */
  readonly runAt: number;
  readonly resourcesImpactedSummary: { readonly hasImpactedResources: boolean };
  readonly trigger: 'SCHEDULED' | 'MANUAL' | 'STATE_UPDATE';
  /** The runner holding the execution (`host:pid:nonce`) and its last heartbeat. */
  readonly owner?: string;
  readonly heartbeatAt?: number;
  /** Times the execution was taken up again after its runner died. */
  readonly resumed?: number;
}

/** What an image-level resource document remembers so an interrupted action can be finished. */
export interface ImageWork {
  readonly arn: string;
  readonly action: ActionName;
  readonly reason: string;
  readonly includeResources: Required<LifecycleIncludeResources>;
  readonly amis: readonly AmiPlan[];
}

export interface ResourceBody {
  readonly accountId: string;
  readonly resourceId: string;
  readonly state: { readonly status: ResourceStatus; readonly reason?: string };
  readonly action: { readonly name: ActionName; readonly reason?: string };
  readonly region: string;
  readonly snapshots?: readonly { snapshotId: string; state: { status: ResourceStatus; reason?: string } }[];
  readonly imageUris?: readonly string[];
  readonly startTime: number;
  readonly endTime?: number;
  /** Image-level documents only: the work, for finishing it after a crash. */
  readonly work?: ImageWork;
}

/** Sorts by creation time, then id: listings show executions in the order they were made. */
export const executionSortKey = (createdAt: number, id: string): string =>
  `${String(createdAt).padStart(15, '0')}:${id}`;

export const childParent = (executionId: string, imageArn: string): string => `${executionId}|${imageArn}`;

export const executionOf = (doc: DocumentRecord): ExecutionBody => doc.body as unknown as ExecutionBody;

export async function getExecution(store: Store, id: string): Promise<DocumentRecord | undefined> {
  return store.getDocument(EXECUTION_KIND, id);
}

/** Replaces the execution's body (the status column follows `state.status`). */
export async function putExecutionBody(
  store: Store,
  doc: DocumentRecord,
  body: ExecutionBody,
  now: number,
  expected?: readonly ExecutionStatus[],
): Promise<boolean> {
  return store.updateDocument(
    EXECUTION_KIND,
    doc.id,
    { status: body.state.status, body: body as unknown as Record<string, unknown>, updatedAt: now },
    expected,
  );
}

/** Writes (or rewrites) one resource document; `seq` orders them as they were processed. */
export async function putResource(
  store: Store,
  exec: DocumentRecord,
  parent: string,
  seq: string,
  body: ResourceBody,
  now: number,
): Promise<void> {
  const id = `${exec.id}|${body.region}|${body.resourceId}`;
  const previous = await store.getDocument(RESOURCE_KIND, id);
  await store.putDocument({
    kind: RESOURCE_KIND,
    id,
    account: exec.account,
    region: exec.region,
    parent,
    status: body.state.status,
    sortKey: previous?.sortKey ?? seq,
    body: body as unknown as Record<string, unknown>,
    createdAt: previous?.createdAt ?? now,
    updatedAt: now,
  });
}

/** Records that `imageArn` was part of the execution (ListLifecycleExecutions by image ARN). */
export async function indexImage(store: Store, exec: DocumentRecord, imageArn: string, now: number) {
  await store.putDocument({
    kind: IMAGE_INDEX_KIND,
    id: `${imageArn}|${exec.id}`,
    account: exec.account,
    region: exec.region,
    parent: imageArn,
    status: '',
    sortKey: exec.sortKey,
    body: { lifecycleExecutionId: exec.id },
    createdAt: now,
    updatedAt: now,
  });
}

/** The image-level resource documents of an execution. */
export async function imageResources(store: Store, executionId: string): Promise<DocumentRecord[]> {
  return store.listDocuments({ kind: RESOURCE_KIND, parent: executionId, limit: 1_000_000 });
}

/** The execution of a policy that is still pending or running, if any: one at a time. */
export async function activeExecutionOf(store: Store, parent: string): Promise<DocumentRecord | undefined> {
  const [doc] = await store.listDocuments({ kind: EXECUTION_KIND, parent, status: ACTIVE, limit: 1 });
  return doc;
}
