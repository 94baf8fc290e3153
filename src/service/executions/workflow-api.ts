/**
 * The workflow execution operations (api.md §8.1): ListWorkflowExecutions,
 * GetWorkflowExecution, ListWorkflowStepExecutions, GetWorkflowStepExecution,
 * ListWaitingWorkflowSteps and SendWorkflowStepAction, over the records the worker persists.
 */
import { KilnError, invalidValue, notFound } from '../../core/errors.js';
import { wake } from '../../events/wake.js';
import type { DocumentRecord } from '../../store/store.js';
import type { CallContext, Handler, ServiceDeps } from '../context.js';
import { pageOfArray } from '../pagination.js';
import { compact, resolveVersioned } from '../resources.js';
import {
  STEP_ACTION_KIND,
  STEP_EXECUTION_KIND,
  type StepActionBody,
  WAITING,
  WORKFLOW_EXECUTION_KIND,
} from './records.js';
import { statusOf } from './transitions.js';

const READ = 'imagebuilder:GetImage';

async function imageFor(deps: ServiceDeps, ctx: CallContext, arn: string) {
  return resolveVersioned(deps, ctx, arn, 'imageBuildVersionArn', {
    type: 'image',
    action: READ,
    levels: 'build',
  });
}

async function docOf(deps: ServiceDeps, ctx: CallContext, kind: string, id: string, what: string) {
  const doc = await deps.store.getDocument(kind, id);
  if (!doc || doc.account !== ctx.account || doc.region !== ctx.region) throw notFound(what, id);
  return doc;
}

const WORKFLOW_MEMBERS = [
  'workflowBuildVersionArn',
  'workflowExecutionId',
  'type',
  'status',
  'message',
  'totalStepCount',
  'totalStepsSucceeded',
  'totalStepsFailed',
  'totalStepsSkipped',
  'startTime',
  'endTime',
  'parallelGroup',
  'retried',
] as const;

const STEP_MEMBERS = [
  'stepExecutionId',
  'name',
  'description',
  'action',
  'status',
  'rollbackStatus',
  'message',
  'inputs',
  'outputs',
  'startTime',
  'endTime',
] as const;

const pick = (body: Readonly<Record<string, unknown>>, members: readonly string[]) =>
  compact(Object.fromEntries(members.map((m) => [m, body[m]])));

/** The inputs/outputs members are JSON strings in the API. */
const stepView = (doc: DocumentRecord, members: readonly string[]) => {
  const b = doc.body;
  const json = (v: unknown) => (v === undefined || typeof v === 'string' ? v : JSON.stringify(v));
  return pick({ ...b, inputs: json(b.inputs), outputs: json(b.outputs) }, members);
};

const sorted = (docs: readonly DocumentRecord[], view: (d: DocumentRecord) => unknown) =>
  docs.map((d) => ({ sortKey: d.sortKey, item: view(d) }));

const listWorkflowExecutions: Handler = async (deps, ctx, input) => {
  const image = await imageFor(deps, ctx, input.imageBuildVersionArn);
  const docs = await deps.store.listDocuments({
    kind: WORKFLOW_EXECUTION_KIND,
    parent: image.arn,
    limit: 10_000,
  });
  const page = await pageOfArray(
    deps.store,
    ctx.operation,
    [image.arn],
    sorted(docs, (d) => pick(d.body, WORKFLOW_MEMBERS)),
    input.maxResults,
    input.nextToken,
  );
  const reason = (image.body.state as { reason?: string } | undefined)?.reason;
  return compact({
    requestId: ctx.requestId,
    workflowExecutions: page.items,
    imageBuildVersionArn: image.arn,
    message: reason ?? `The image is ${statusOf(image)}.`,
    nextToken: page.nextToken,
  });
};

const getWorkflowExecution: Handler = async (deps, ctx, input) => {
  const doc = await docOf(
    deps,
    ctx,
    WORKFLOW_EXECUTION_KIND,
    input.workflowExecutionId,
    'workflow execution',
  );
  return {
    requestId: ctx.requestId,
    imageBuildVersionArn: doc.parent,
    ...pick(
      doc.body,
      WORKFLOW_MEMBERS.filter((m) => m !== 'retried'),
    ),
  };
};

const listWorkflowStepExecutions: Handler = async (deps, ctx, input) => {
  const wf = await docOf(deps, ctx, WORKFLOW_EXECUTION_KIND, input.workflowExecutionId, 'workflow execution');
  const docs = (
    await deps.store.listDocuments({ kind: STEP_EXECUTION_KIND, parent: wf.parent, limit: 10_000 })
  ).filter((d) => d.body.workflowExecutionId === wf.id);
  const page = await pageOfArray(
    deps.store,
    ctx.operation,
    [wf.id],
    sorted(docs, (d) => stepView(d, STEP_MEMBERS)),
    input.maxResults,
    input.nextToken,
  );
  return compact({
    requestId: ctx.requestId,
    steps: page.items,
    workflowBuildVersionArn: wf.body.workflowBuildVersionArn,
    workflowExecutionId: wf.id,
    imageBuildVersionArn: wf.parent,
    message: wf.body.message,
    nextToken: page.nextToken,
  });
};

const getWorkflowStepExecution: Handler = async (deps, ctx, input) => {
  const doc = await docOf(deps, ctx, STEP_EXECUTION_KIND, input.stepExecutionId, 'workflow step execution');
  return {
    requestId: ctx.requestId,
    ...stepView(doc, [
      ...STEP_MEMBERS,
      'workflowBuildVersionArn',
      'workflowExecutionId',
      'imageBuildVersionArn',
      'onFailure',
      'timeoutSeconds',
    ]),
  };
};

const listWaitingWorkflowSteps: Handler = async (deps, ctx, input) => {
  const docs = await deps.store.listDocuments({
    kind: STEP_EXECUTION_KIND,
    account: ctx.account,
    region: ctx.region,
    status: [WAITING],
    limit: 10_000,
  });
  const members = [
    'stepExecutionId',
    'imageBuildVersionArn',
    'workflowExecutionId',
    'workflowBuildVersionArn',
    'name',
    'action',
    'startTime',
  ];
  const page = await pageOfArray(
    deps.store,
    ctx.operation,
    [],
    sorted(docs, (d) => pick(d.body, members)),
    input.maxResults,
    input.nextToken,
  );
  return compact({ requestId: ctx.requestId, steps: page.items, nextToken: page.nextToken });
};

/** RESUME or STOP a waiting WaitForAction step; the worker running its image delivers it. */
const sendWorkflowStepAction: Handler = async (deps, ctx, input) => {
  const image = await imageFor(deps, ctx, input.imageBuildVersionArn);
  const step = await docOf(deps, ctx, STEP_EXECUTION_KIND, input.stepExecutionId, 'workflow step execution');
  if (step.parent !== image.arn)
    throw invalidValue(
      'imageBuildVersionArn',
      `The step '${step.id}' belongs to '${step.parent}', not to '${image.arn}'.`,
    );
  const now = deps.clock.now();
  await deps.store.transaction(async (store) => {
    const current = await store.getDocument(STEP_EXECUTION_KIND, step.id);
    const pending = await store.getDocument(STEP_ACTION_KIND, step.id);
    if (current?.status !== WAITING || pending?.status === 'PENDING')
      throw new KilnError('ResourceInUseException', `The step '${step.id}' is not waiting for an action.`, {
        hint: 'ListWaitingWorkflowSteps shows the steps that wait; an action is accepted once per wait.',
      });
    const body: StepActionBody = compact({
      stepExecutionId: step.id,
      imageBuildVersionArn: image.arn,
      action: input.action,
      reason: input.reason,
    });
    await store.putDocument({
      kind: STEP_ACTION_KIND,
      id: step.id,
      account: ctx.account,
      region: ctx.region,
      parent: image.arn,
      status: 'PENDING',
      sortKey: String(now).padStart(15, '0'),
      body: body as unknown as Record<string, unknown>,
      createdAt: now,
      updatedAt: now,
    });
  });
  wake(deps.store, 'control');
  return {
    requestId: ctx.requestId,
    clientToken: input.clientToken,
    stepExecutionId: step.id,
    imageBuildVersionArn: image.arn,
  };
};

export const WORKFLOW_EXECUTION_HANDLERS: Record<string, Handler> = {
  ListWorkflowExecutions: listWorkflowExecutions,
  GetWorkflowExecution: getWorkflowExecution,
  ListWorkflowStepExecutions: listWorkflowStepExecutions,
  GetWorkflowStepExecution: getWorkflowStepExecution,
  ListWaitingWorkflowSteps: listWaitingWorkflowSteps,
  SendWorkflowStepAction: sendWorkflowStepAction,
};
