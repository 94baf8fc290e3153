/**
 * Helpers for the runner's tests: a sink that records every event, a timer the test fires by
 * hand, and action handlers that log their calls and do what the test tells them.
 */
import { ManualClock } from '../core/clock.js';
import type { WorkflowActionName, WorkflowType } from './actions.js';
import type { WorkflowDocument } from './document.js';
import { StepActionInbox } from './run-inbox.js';
import type {
  ActionContext,
  ActionHandler,
  ActionRegistry,
  StepTimer,
  WaitingStepRecord,
  WorkflowExecutionRecord,
  WorkflowSink,
  WorkflowStepRecord,
} from './run-types.js';
import type { RunWorkflowOptions } from './runner.js';
import { parseOk } from './testing.js';

export type SinkEvent =
  | { readonly type: 'workflow'; readonly record: WorkflowExecutionRecord }
  | { readonly type: 'step'; readonly record: WorkflowStepRecord }
  | { readonly type: 'waiting'; readonly record: WaitingStepRecord }
  | { readonly type: 'waitEnded'; readonly stepExecutionId: string };

export class RecordingSink implements WorkflowSink {
  readonly events: SinkEvent[] = [];
  /** Called after a step starts waiting; tests deliver actions from here. */
  onWaiting: (record: WaitingStepRecord) => void = () => {};
  log?: (stepExecutionId: string, line: string) => void;

  async workflowChanged(record: WorkflowExecutionRecord): Promise<void> {
    this.events.push({ type: 'workflow', record });
  }
  async stepChanged(record: WorkflowStepRecord): Promise<void> {
    this.events.push({ type: 'step', record });
  }
  async stepWaiting(record: WaitingStepRecord): Promise<void> {
    this.events.push({ type: 'waiting', record });
    queueMicrotask(() => this.onWaiting(record));
  }
  async stepWaitEnded(stepExecutionId: string): Promise<void> {
    this.events.push({ type: 'waitEnded', stepExecutionId });
  }

  /** Workflow statuses in the order they were reported. */
  workflowStatuses(): string[] {
    return this.events.flatMap((e) => (e.type === 'workflow' ? [e.record.status] : []));
  }

  /** `name status` or `name rollback:status` per step event, in order. */
  stepTrail(): string[] {
    return this.events.flatMap((e) => {
      if (e.type !== 'step') return [];
      const r = e.record;
      return [
        r.rollbackStatus === undefined ? `${r.name} ${r.status}` : `${r.name} rollback:${r.rollbackStatus}`,
      ];
    });
  }
}

/** A timer that fires only when the test says so. */
export class ManualTimer implements StepTimer {
  readonly armed: { readonly ms: number; readonly fire: () => void; cleared: boolean }[] = [];

  start(ms: number, fire: () => void): () => void {
    const entry = { ms, fire, cleared: false };
    this.armed.push(entry);
    return () => {
      entry.cleared = true;
    };
  }

  /** Fires the most recently armed timer that is still pending. */
  expire(): void {
    const entry = this.armed.filter((e) => !e.cleared).at(-1);
    if (!entry) throw new Error('no step timer is armed');
    entry.cleared = true;
    entry.fire();
  }
}

/** What each fake handler call saw, in call order: `run Step` / `rollback Step`. */
export interface CallLog {
  readonly calls: string[];
  readonly inputs: Record<string, Record<string, unknown>>;
  readonly rollbackOutputs: Record<string, Record<string, unknown>>;
}

export type FakeBehaviour = (
  inputs: Record<string, unknown>,
  ctx: ActionContext,
) => Promise<Record<string, unknown>>;

/**
 * A registry where every action returns `outputs[action]` (default `{}`) unless `behaviour`
 * has a function for the step's name; actions in `withRollback` also roll back.
 */
export function fakeActions(
  log: CallLog,
  options: {
    outputs?: Partial<Record<WorkflowActionName, Record<string, unknown>>>;
    behaviour?: Record<string, FakeBehaviour>;
    withRollback?: readonly WorkflowActionName[];
    failRollback?: readonly string[];
  } = {},
): ActionRegistry {
  const registry: Partial<Record<WorkflowActionName, ActionHandler>> = {};
  const names = [
    'LaunchInstance',
    'ExecuteComponents',
    'CollectImageMetadata',
    'CollectImageScanFindings',
    'SanitizeInstance',
    'RunSysPrep',
    'CreateImage',
    'TerminateInstance',
    'RunCommand',
  ] as const;
  for (const action of names) {
    const handler: ActionHandler = {
      run: async (inputs, ctx) => {
        log.calls.push(`run ${ctx.stepName}`);
        log.inputs[ctx.stepName] = inputs;
        const custom = options.behaviour?.[ctx.stepName];
        return custom ? custom(inputs, ctx) : { ...options.outputs?.[action] };
      },
    };
    if (options.withRollback?.includes(action)) {
      handler.rollback = async (_inputs, outputs, ctx) => {
        log.calls.push(`rollback ${ctx.stepName}`);
        log.rollbackOutputs[ctx.stepName] = outputs;
        if (options.failRollback?.includes(ctx.stepName)) throw new Error(`cannot undo ${ctx.stepName}`);
      };
    }
    registry[action] = handler;
  }
  return registry;
}

export const newLog = (): CallLog => ({ calls: [], inputs: {}, rollbackOutputs: {} });

/** Rejects with the signal's reason once it aborts, as a well-behaved action does. */
export const untilAborted = (signal: AbortSignal): Promise<never> =>
  new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });

export const documentOf = (yaml: string, type: WorkflowType = 'BUILD'): WorkflowDocument =>
  parseOk(yaml, type).document;

/** Options for runWorkflow with fresh fakes; override what the test is about. */
export function runOptions(actions: ActionRegistry, extra: Partial<RunWorkflowOptions> = {}) {
  const sink = extra.sink instanceof RecordingSink ? extra.sink : new RecordingSink();
  return {
    parameters: [],
    imagebuilder: {},
    actions,
    inbox: new StepActionInbox(),
    signal: new AbortController().signal,
    clock: new ManualClock(Date.UTC(2024, 0, 1)),
    timer: new ManualTimer(),
    ...extra,
    sink,
  } satisfies RunWorkflowOptions;
}
