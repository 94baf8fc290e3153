import type { Instance } from '../../instances/backend.js';
import { ACTION_SPECS } from '../actions/index.js';
import type { InputMap, Step } from '../model.js';
import { evaluateCondition, type FileProbe, ifDecision } from './conditions.js';
import type { InstanceFs } from './instance-fs.js';
import { loopIterations } from './loop-iter.js';
import type { ExecuteModule, ModuleContext, ModuleOutcome, S3Settings, StepLog } from './module.js';
import { type ChainEntry, type ChainValues, type LoopScope, resolveText, resolveValue } from './resolve.js';
import type { StepResume } from './run-state.js';
import { resolveCondition } from './step-condition.js';
import type { RunRecord, StepRef } from './types.js';

/** What one step runs with. */
export interface StepEnv {
  readonly instance: Instance;
  readonly fs: InstanceFs;
  readonly probe: FileProbe;
  readonly env: Readonly<Record<string, string>>;
  readonly s3: S3Settings | undefined;
  readonly modules: Readonly<Record<string, ExecuteModule>>;
  readonly variables: ReadonlyMap<string, string>;
  readonly chaining: ChainValues;
  readonly signal: AbortSignal;
  readonly log: StepLog;
  readonly ref: StepRef;
  readonly now: () => number;
}

export type StepResult =
  | {
      readonly kind: 'done';
      readonly status: 'success' | 'failed' | 'skipped';
      readonly failureMessage: string;
      readonly exitCode?: number;
      readonly inputs: string;
      readonly outputs: string;
      readonly detailedOutput: RunRecord | null;
      readonly chain: ChainEntry;
    }
  | { readonly kind: 'reboot'; readonly rerunStep: boolean; readonly resume?: StepResume };

const NO_LOOP: LoopScope[] = [{ index: 0, value: '' }];

/** Windows modules exist in documents validated for Windows; a Linux instance cannot run them. */
function missingModule(action: string): ModuleOutcome {
  const linux = ACTION_SPECS.get(action)?.platforms.includes('Linux');
  const why = linux ? 'Kiln has no module for it' : 'it runs on Windows only';
  return { status: 'failed', message: `${action} cannot run on this Linux instance: ${why}` };
}

/** stdout of successful iterations joined with "\n" (awstoe's loop merge); other keys: the last value. */
export function mergeOutputs(all: readonly Readonly<Record<string, unknown>>[]): Record<string, unknown> {
  if (all.length === 1) return { ...all[0] };
  const merged: Record<string, unknown> = {};
  for (const outputs of all) {
    for (const [k, v] of Object.entries(outputs)) {
      const prev = merged[k];
      merged[k] = typeof v === 'string' && typeof prev === 'string' ? `${prev}\n${v}` : v;
    }
  }
  return merged;
}

async function runModule(
  run: ExecuteModule,
  inputs: InputMap | readonly InputMap[],
  ctx: ModuleContext,
): Promise<ModuleOutcome> {
  try {
    return await run(inputs, ctx);
  } catch (err) {
    if ((err as Error).name === 'InstanceFsError')
      return { status: 'failed', message: (err as Error).message };
    ctx.log.debug(`${ctx.step.action}: internal error: ${(err as Error).stack ?? err}`);
    return { status: 'failed', message: `Kiln failed running ${ctx.step.action}: ${(err as Error).message}` };
  }
}

/**
 * Runs one step: its `if` (once), then up to maxAttempts attempts, each running every loop
 * iteration under one timeout. Returns when the step is done or asks for a reboot; `resume`
 * continues a step a reboot interrupted (its `if` is not evaluated again).
 */
export async function runStep(step: Step, env: StepEnv, resume?: StepResume): Promise<StepResult> {
  const scope = { variables: env.variables, chaining: env.chaining };
  const resolveOuter = (text: string) => resolveText(text, scope);
  const listInputs = Array.isArray(step.inputs);
  const done = (
    status: 'success' | 'failed' | 'skipped',
    failureMessage: string,
    resolved: readonly InputMap[],
    outputs: Record<string, unknown>[],
    exitCode?: number,
  ): Extract<StepResult, { kind: 'done' }> => {
    const merged = outputs.length > 0 ? mergeOutputs(outputs) : {};
    const detailedOutput = (merged.detailedOutput as RunRecord | undefined) ?? null;
    delete merged.detailedOutput;
    const inputs = listInputs ? ((resolved.at(-1) as unknown as InputMap[] | undefined) ?? []) : resolved;
    return {
      kind: 'done',
      status,
      failureMessage,
      ...(exitCode !== undefined ? { exitCode } : {}),
      inputs: JSON.stringify(inputs),
      outputs: JSON.stringify(outputs.length > 0 ? [merged] : []),
      detailedOutput,
      chain: { inputs, listInputs, outputs: merged },
    };
  };

  if (step.if && !resume) {
    const result = await evaluateCondition(step.if, resolveOuter, env.probe);
    const decision = ifDecision(step.if, result);
    env.log.debug(`Executor: if evaluated to ${result}: ${decision}`);
    const plain = [resolveValue(step.inputs as InputMap, scope)];
    if (decision === 'Skip') return done('skipped', '', plain, []);
    if (decision === 'Abort')
      return done('failed', `the step's if condition (${result}) chose Abort`, plain, []);
  }
  const iterations = resume?.iterations ?? (step.loop ? loopIterations(step.loop, resolveOuter) : NO_LOOP);
  const run = env.modules[step.action];
  let last: Extract<StepResult, { kind: 'done' }> | undefined;
  for (let attempt = resume?.attempt ?? 1; attempt <= step.maxAttempts; attempt++) {
    env.log.debug(`Executor: Attempt ${attempt}/${step.maxAttempts}`);
    const carried = resume?.attempt === attempt ? resume : undefined;
    const outputs = carried ? [...carried.outputs] : [];
    const failed = carried ? [...carried.failed] : [];
    const messages = carried ? [...carried.messages] : [];
    const resolvedInputs = carried ? [...carried.resolvedInputs] : [];
    const timeout = new AbortController();
    const timer =
      step.timeoutSeconds > 0
        ? setTimeout(() => timeout.abort(new Error('timeout')), step.timeoutSeconds * 1000)
        : undefined;
    const signal = AbortSignal.any([env.signal, timeout.signal]);
    let exitCode: number | undefined;
    try {
      for (let i = carried?.iteration ?? 0; i < iterations.length; i++) {
        const loop = step.loop ? iterations[i] : undefined;
        const iterScope = loop ? { ...scope, loop } : scope;
        const inputs = resolveValue(step.inputs, iterScope);
        // A list step's entry is its resolved item list; `done` reads the last one.
        resolvedInputs[i] = inputs as InputMap;
        const ctxStep = step.assertion
          ? { ...step, assertion: resolveCondition(step.assertion, (t) => resolveText(t, iterScope)) }
          : step;
        const ctx: ModuleContext = {
          instance: env.instance,
          fs: env.fs,
          env: env.env,
          signal,
          log: env.log,
          step: ctxStep,
          s3: env.s3,
        };
        const outcome = run ? await runModule(run, inputs, ctx) : missingModule(step.action);
        if (outcome.status === 'reboot') {
          const next = outcome.rerunStep ? i : i + 1;
          if (next >= iterations.length && !outcome.rerunStep && failed.length === 0) {
            return { kind: 'reboot', rerunStep: false };
          }
          const resumeAt: StepResume = {
            attempt,
            iteration: next,
            iterations,
            outputs,
            failed,
            messages,
            resolvedInputs,
            startMs: resume?.startMs ?? env.now(),
          };
          return { kind: 'reboot', rerunStep: true, resume: resumeAt };
        }
        if (outcome.status === 'success') outputs.push(outcome.outputs);
        else {
          failed.push(i);
          messages.push(outcome.message);
          exitCode ??= outcome.exitCode;
        }
        if (signal.aborted) break;
      }
    } finally {
      clearTimeout(timer);
    }
    if (timeout.signal.aborted && !env.signal.aborted) {
      messages.splice(0, messages.length, `Step timed out after ${step.timeoutSeconds} seconds`);
    }
    if (env.signal.aborted) messages.splice(0, messages.length, 'the run was cancelled');
    if (failed.length === 0 && !signal.aborted) return done('success', '', resolvedInputs, outputs);
    const which = step.loop && !timeout.signal.aborted ? ` (failed iterations: ${failed.join(', ')})` : '';
    last = done('failed', `${messages[0] ?? 'failed'}${which}`, resolvedInputs, outputs, exitCode);
    if (env.signal.aborted) return last;
    if (attempt < step.maxAttempts) {
      env.log.info(
        `Executor: attempt ${attempt}/${step.maxAttempts} failed: ${last.failureMessage}; retrying`,
      );
    }
  }
  return last ?? done('failed', 'no attempt ran', [], []);
}
