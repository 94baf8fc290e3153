/**
 * Where SendWorkflowStepAction meets a waiting WaitForAction step (api.md §8.1). One inbox may
 * serve every run in the process: the service delivers by step execution id, after it has
 * checked that the step belongs to the image named in the request.
 */
import { KilnError } from '../core/errors.js';
import type { StepAction, StepActionType } from './run-types.js';

interface Waiter {
  readonly resolve: (action: StepAction) => void;
}

export class StepActionInbox {
  readonly #waiting = new Map<string, Waiter>();

  /** Whether the step is waiting for an action now. */
  isWaiting(stepExecutionId: string): boolean {
    return this.#waiting.has(stepExecutionId);
  }

  /**
   * Hands RESUME or STOP to the waiting step. Throws ResourceInUseException when the step is
   * not waiting (never was, already actioned, timed out or cancelled), as the API does.
   */
  deliver(stepExecutionId: string, action: StepActionType, reason?: string): void {
    const waiter = this.#waiting.get(stepExecutionId);
    if (waiter === undefined) {
      throw new KilnError(
        'ResourceInUseException',
        `The workflow step execution '${stepExecutionId}' is not waiting for an action.`,
        {
          hint: 'Only a WaitForAction step that is waiting can be resumed or stopped; see ListWaitingWorkflowSteps.',
        },
      );
    }
    this.#waiting.delete(stepExecutionId);
    waiter.resolve(reason === undefined ? { action } : { action, reason });
  }

  /**
   * Registers the step as waiting (at once, before the returned promise settles) and resolves
   * with the action delivered to it; rejects with the signal's reason when it aborts first.
   */
  wait(stepExecutionId: string, signal: AbortSignal): Promise<StepAction> {
    if (this.#waiting.has(stepExecutionId)) {
      return Promise.reject(new Error(`step execution ${stepExecutionId} is already waiting`));
    }
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<StepAction>((resolve, reject) => {
      const onAbort = () => {
        this.#waiting.delete(stepExecutionId);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiting.set(stepExecutionId, {
        resolve: (action) => {
          signal.removeEventListener('abort', onAbort);
          resolve(action);
        },
      });
    });
  }
}
