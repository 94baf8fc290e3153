/**
 * Running one action under its step's timeout and the run's cancellation, and turning how it
 * ended into a step outcome. Shared by a step's `run` and its `rollback`.
 */
import { isRecord } from './conditions.js';
import { describe } from './jsonpath.js';
import type { ActionContext, ActionHandler, StepAction, StepTimer } from './run-types.js';

export type StepOutcome =
  | { readonly kind: 'completed'; readonly outputs: Record<string, unknown> }
  | { readonly kind: 'failed'; readonly message: string; readonly outputs?: Record<string, unknown> }
  | { readonly kind: 'cancelled'; readonly outputs?: Record<string, unknown> };

/** The abort reason when a step overruns its timeoutSeconds. */
export class StepTimeoutError extends Error {
  constructor(readonly seconds: number) {
    super(`timed out after ${seconds} seconds`);
    this.name = 'StepTimeoutError';
  }
}

export interface InvokeOptions {
  readonly handler: ActionHandler;
  readonly inputs: Record<string, unknown>;
  /** Everything of the ActionContext except the signal and waitForAction. */
  readonly context: Omit<ActionContext, 'signal' | 'waitForAction'>;
  readonly timeoutSeconds: number;
  readonly timer: StepTimer;
  /** The run's cancellation. */
  readonly runSignal: AbortSignal;
  /** Waits for SendWorkflowStepAction; the runner records the step as waiting around it. */
  readonly waitForAction: (signal: AbortSignal) => Promise<StepAction>;
}

/** Runs the handler; never rejects (a handler error is a failed outcome). */
export async function invokeStep(o: InvokeOptions): Promise<StepOutcome> {
  if (o.runSignal.aborted) return { kind: 'cancelled' };
  let delivered: StepAction | undefined;
  let waited = false;
  const settled = await underSignal(o.timer, o.timeoutSeconds, o.runSignal, (signal) =>
    o.handler.run(o.inputs, {
      ...o.context,
      signal,
      waitForAction: async () => {
        if (waited) throw new Error('waitForAction was already called for this step');
        waited = true;
        delivered = await o.waitForAction(signal);
        return delivered;
      },
    }),
  );
  let outputs: Record<string, unknown> | undefined;
  let badOutputs: string | undefined;
  if (settled.ok) {
    badOutputs = checkOutputs(o.context.action, settled.value);
    if (badOutputs === undefined) outputs = settled.value;
  }
  if (delivered !== undefined) {
    outputs = { ...outputs, action: delivered.action, reason: delivered.reason ?? '' };
  }
  const withOutputs = outputs === undefined ? {} : { outputs };
  if (settled.aborted === 'timeout') {
    const waiting = waited && delivered === undefined ? ' waiting for SendWorkflowStepAction' : '';
    return {
      kind: 'failed',
      message: `Step timed out after ${o.timeoutSeconds} seconds${waiting}`,
      ...withOutputs,
    };
  }
  if (settled.aborted === 'cancel') return { kind: 'cancelled', ...withOutputs };
  if (delivered?.action === 'STOP') {
    const reason = delivered.reason ? `: ${delivered.reason}` : '';
    return { kind: 'failed', message: `Stopped by SendWorkflowStepAction${reason}`, ...withOutputs };
  }
  if (!settled.ok) return { kind: 'failed', message: errorMessage(settled.error), ...withOutputs };
  if (badOutputs !== undefined) return { kind: 'failed', message: badOutputs };
  return { kind: 'completed', outputs: outputs ?? {} };
}

/** Why the outputs can't be recorded, or undefined when they can. */
function checkOutputs(action: string, value: unknown): string | undefined {
  if (!isRecord(value)) return `${action} returned ${describe(value)} instead of a map of outputs`;
  try {
    JSON.stringify(value);
    return undefined;
  } catch (err) {
    return `${action} returned outputs that can't be recorded as JSON: ${errorMessage(err)}`;
  }
}

export type Settled<T> = (
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: unknown }
) & {
  /** Set when the signal aborted before the work settled; that, not the result, decides. */
  readonly aborted?: 'timeout' | 'cancel';
};

/**
 * Runs `work` with a signal that aborts after `seconds` or when `parent` aborts, and waits for
 * it to settle either way: nothing may still be working on a resource once the caller moves on.
 */
export async function underSignal<T>(
  timer: StepTimer,
  seconds: number,
  parent: AbortSignal | undefined,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<Settled<T>> {
  const controller = new AbortController();
  const timeout = new StepTimeoutError(seconds);
  const onParentAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) onParentAbort();
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  const stopTimer = timer.start(seconds * 1000, () => controller.abort(timeout));
  let result: { ok: true; value: T } | { ok: false; error: unknown };
  try {
    result = { ok: true, value: await work(controller.signal) };
  } catch (error) {
    result = { ok: false, error };
  } finally {
    stopTimer();
    parent?.removeEventListener('abort', onParentAbort);
  }
  if (!controller.signal.aborted) return result;
  return { ...result, aborted: controller.signal.reason === timeout ? 'timeout' : 'cancel' };
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
