/**
 * Kiln's events, shaped like the EventBridge events EC2 Image Builder sends (`source`
 * `aws.imagebuilder`, a `detail-type` naming the change, the ARNs in `resources`). Pure
 * constructors: the id and the time come from the caller.
 */
import { isoTime } from '../core/clock.js';

export interface KilnEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: 'aws.imagebuilder';
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Readonly<Record<string, unknown>>;
}

export const DETAIL_TYPES = {
  imageState: 'EC2 Image Builder Image State Change',
  workflowState: 'EC2 Image Builder Workflow State Change',
  stepState: 'EC2 Image Builder Workflow Step State Change',
  stepWaiting: 'EC2 Image Builder Workflow Step Waiting',
  pipelineDisabled: 'EC2 Image Builder Image Pipeline Automatically Disabled',
} as const;

export interface EventOrigin {
  readonly id: string;
  readonly account: string;
  readonly region: string;
  /** Milliseconds since the epoch. */
  readonly time: number;
}

const event = (
  o: EventOrigin,
  detailType: string,
  resources: readonly string[],
  detail: Record<string, unknown>,
): KilnEvent =>
  Object.freeze({
    version: '0',
    id: o.id,
    'detail-type': detailType,
    source: 'aws.imagebuilder',
    account: o.account,
    time: isoTime(o.time),
    region: o.region,
    resources: Object.freeze([...resources]),
    detail: Object.freeze(detail),
  });

const withoutUndefined = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** An image moved from one ImageStatus to another (reason for FAILED/CANCELLED). */
export function imageStateChangeEvent(
  o: EventOrigin,
  imageArn: string,
  status: string,
  previousStatus: string | undefined,
  reason?: string,
): KilnEvent {
  return event(o, DETAIL_TYPES.imageState, [imageArn], {
    arn: imageArn,
    status,
    previousStatus,
    reason,
    state: withoutUndefined({ status, reason }),
    ...(previousStatus ? { 'previous-state': { status: previousStatus } } : {}),
  });
}

/** A workflow execution (`wf-…`) changed status. */
export function workflowStateChangeEvent(
  o: EventOrigin,
  imageArn: string,
  workflowExecutionId: string,
  workflowArn: string,
  status: string,
  previousStatus: string | undefined,
  reason?: string,
): KilnEvent {
  return event(o, DETAIL_TYPES.workflowState, [imageArn, workflowArn], {
    arn: workflowExecutionId,
    'image-build-version-arn': imageArn,
    'workflow-execution-id': workflowExecutionId,
    status,
    previousStatus,
    reason,
  });
}

/** A workflow step changed status; `waiting` marks a WaitForAction step that now waits. */
export function stepStateChangeEvent(
  o: EventOrigin,
  imageArn: string,
  step: { stepExecutionId: string; workflowExecutionId: string; name: string; action: string },
  status: string,
  previousStatus: string | undefined,
  waiting: boolean,
  reason?: string,
): KilnEvent {
  return event(o, waiting ? DETAIL_TYPES.stepWaiting : DETAIL_TYPES.stepState, [imageArn], {
    arn: step.stepExecutionId,
    'image-build-version-arn': imageArn,
    'workflow-execution-id': step.workflowExecutionId,
    'workflow-step-execution-id': step.stepExecutionId,
    'workflow-step-name': step.name,
    action: step.action,
    status: waiting ? 'WAITING' : status,
    previousStatus,
    reason,
  });
}

/** A pipeline was set DISABLED after too many consecutive failed scheduled runs. */
export function pipelineDisabledEvent(
  o: EventOrigin,
  pipelineArn: string,
  consecutiveFailures: number,
  lastImageArn: string,
): KilnEvent {
  return event(o, DETAIL_TYPES.pipelineDisabled, [pipelineArn, lastImageArn], {
    arn: pipelineArn,
    status: 'DISABLED',
    previousStatus: 'ENABLED',
    reason: `${consecutiveFailures} consecutive scheduled runs failed`,
    'consecutive-failures': consecutiveFailures,
    'last-image-version-arn': lastImageArn,
  });
}
