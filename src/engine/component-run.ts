/**
 * Runs phases of one component's AWSTOE document on an instance, streaming its output into the
 * image's log. A failed run becomes a ComponentFailedError carrying the step, its exit code and
 * the tail of its output, which end up in the image's `state.reason`.
 */
import { join } from 'node:path';
import { runToe } from '../toe/exec/engine.js';
import { instanceFsFor } from '../toe/exec/fs-agent.js';
import type { ToeEvent } from '../toe/exec/types.js';
import { type BuildContext, logLine } from './context.js';
import type { ResolvedComponent } from './plan.js';

const TAIL_LINES = 20;

export class ComponentFailedError extends Error {
  constructor(
    readonly component: string,
    readonly step: string,
    readonly exitCode: number,
    readonly output: string,
    detail: string,
  ) {
    super(
      `component ${component} failed at step ${step} (exit code ${exitCode}): ${detail}${output ? `\n--- last output ---\n${output}` : ''}`,
    );
    this.name = 'ComponentFailedError';
  }
}

/** Recipe parameters as AWSTOE wants them: one string per name (a list joins with commas). */
const toeParameters = (c: ResolvedComponent): Record<string, string> =>
  Object.fromEntries(c.parameters.map((p) => [p.name, p.value.join(',')]));

export async function runComponentPhases(
  ctx: BuildContext,
  instanceId: string,
  component: ResolvedComponent,
  phases: readonly string[],
  signal: AbortSignal,
): Promise<void> {
  const entry = ctx.instances.get(instanceId);
  if (!entry) throw new Error(`instance '${instanceId}' is not running in this build`);
  const tail: string[] = [];
  let lastStep = '';
  let pending: Promise<void> = Promise.resolve();
  const stepName = `${component.name}`;
  const onEvent = (e: ToeEvent) => {
    let text: string | undefined;
    let stream: 'stdout' | 'stderr' | 'info' = 'info';
    if (e.type === 'output') {
      text = e.line;
      stream = e.stream;
      tail.push(`${e.line}`);
      if (tail.length > TAIL_LINES) tail.shift();
    } else if (e.type === 'step-start') {
      lastStep = `${e.ref.phase}/${e.ref.step}`;
      text = `[${e.ref.phase}] step ${e.ref.index}/${e.ref.count} ${e.ref.step} started`;
    } else if (e.type === 'step-end') {
      text = `[${e.ref.phase}] step ${e.ref.step} ${e.status} (${(e.durationMs / 1000).toFixed(2)} s)${e.failureMessage ? `: ${e.failureMessage}` : ''}`;
    }
    if (text !== undefined) {
      const line = text;
      pending = pending.then(() => logLine(ctx, stepName, line, stream));
    }
  };
  const workingDirectory = String(ctx.recipe.workingDirectory ?? '/tmp');
  try {
    const result = await runToe({
      documents: [
        { path: `${component.name}.yaml`, text: component.data, parameters: toeParameters(component) },
      ],
      phases,
      instance: entry.instance,
      fs: instanceFsFor(entry.instance),
      logDirectory: join(ctx.paths.logsDir, ctx.request.imageArn.replace(/[^A-Za-z0-9._-]+/g, '_')),
      workingDirectory,
      onEvent,
      signal,
      ...(ctx.s3 ? { s3: ctx.s3 } : {}),
    });
    await pending;
    signal.throwIfAborted();
    if (result.summary.status !== 'success') {
      throw new ComponentFailedError(
        component.arn,
        lastStep,
        result.exitCode,
        tail.join('\n'),
        result.summary.failureMessage,
      );
    }
  } finally {
    await pending;
  }
}
