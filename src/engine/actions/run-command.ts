/**
 * RunCommand (api.md §8.3): runs an "SSM document" on one of the build's instances. Kiln has
 * no SSM, so it knows two kinds of document: `AWS-RunShellScript` (the commands run as one
 * bash script, as SSM runs them: no `set -e`, the script's exit status is the last command's)
 * and a component of this image's recipe, named by its ARN, whose `phases` run with the
 * AWSTOE executor. A non-zero exit fails the step with the tail of the output.
 */
import { randomUUID } from 'node:crypto';
import type { ActionHandler } from '../../workflows/runner.js';
import { treeVisibleOnHost } from '../../toe/exec/fs-agent.js';
import { runComponentPhases } from '../component-run.js';
import { type BuildContext, logLine } from '../context.js';
import { instanceOf, withAptCaches } from '../instances.js';
import type { ResolvedComponent } from '../plan.js';

export const SHELL_DOCUMENT = 'AWS-RunShellScript';
const COMPONENT_ARN = /^arn:aws[^:]*:imagebuilder:[^:]+:[^:]+:component\/[^/]+\/[^/]+(\/\d+)?$/;
/** SSM's limits for executionTimeout, in seconds, and its default. */
const TIMEOUT = { min: 1, max: 172_800, default: 3600 };
const TOE_PHASES = ['build', 'validate', 'test'];
/** Lines of output kept in the step's `output` (the whole output is in the image's log). */
export const OUTPUT_LINES = 200;
const TAIL_LINES = 20;

export type RunCommandInputs =
  | {
      readonly kind: 'shell';
      readonly instanceId: string;
      readonly commands: readonly string[];
      readonly workingDirectory?: string;
      readonly executionTimeoutSeconds: number;
    }
  | {
      readonly kind: 'component';
      readonly instanceId: string;
      readonly componentArn: string;
      readonly phases: readonly string[];
    };

const fail = (field: string, problem: string, hint?: string): never => {
  throw new Error(`RunCommand input '${field}' ${problem}${hint ? ` ${hint}` : ''}`);
};

/** An SSM-style parameter value: a list of strings (a single string counts as a list of one). */
function stringList(value: unknown, field: string): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  return fail(field, 'must be a list of strings.', 'e.g. ["echo hello"]');
}

function single(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  const list = stringList(value, field);
  if (list.length !== 1) fail(field, `must hold exactly one value (it has ${list.length}).`);
  return list[0];
}

/** Validates RunCommand's resolved inputs into a frozen value (pure). */
export function checkRunCommandInputs(inputs: Readonly<Record<string, unknown>>): RunCommandInputs {
  const instanceId = inputs.instanceId;
  if (typeof instanceId !== 'string' || instanceId === '')
    fail('instanceId', 'must name an instance of this build.', 'e.g. "$.stepOutputs.Launch.instanceId"');
  const documentName = inputs.documentName;
  if (typeof documentName !== 'string' || documentName === '')
    fail('documentName', `is required: ${SHELL_DOCUMENT} or a component ARN of the recipe.`);
  const raw = inputs.parameters ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    fail('parameters', 'must be a map of parameter name to a list of strings.');
  const parameters = raw as Record<string, unknown>;
  const version = inputs.documentVersion;
  const id = instanceId as string;
  if (documentName === SHELL_DOCUMENT) {
    if (version !== undefined && !['$DEFAULT', '$LATEST', '1'].includes(String(version)))
      fail('documentVersion', `'${String(version)}' does not exist: ${SHELL_DOCUMENT} has version 1 only.`);
    const unknown = Object.keys(parameters).find(
      (k) => !['commands', 'workingDirectory', 'executionTimeout'].includes(k),
    );
    if (unknown) fail(`parameters.${unknown}`, `is not a parameter of ${SHELL_DOCUMENT}.`);
    const commands = stringList(parameters.commands ?? [], 'parameters.commands');
    if (commands.length === 0) fail('parameters.commands', 'must hold at least one command.');
    const workingDirectory = single(parameters.workingDirectory, 'parameters.workingDirectory');
    if (workingDirectory !== undefined && !workingDirectory.startsWith('/'))
      fail('parameters.workingDirectory', `'${workingDirectory}' must be an absolute path.`);
    const timeout = single(parameters.executionTimeout, 'parameters.executionTimeout');
    const seconds = timeout === undefined ? TIMEOUT.default : Number(timeout);
    if (!Number.isInteger(seconds) || seconds < TIMEOUT.min || seconds > TIMEOUT.max)
      fail('parameters.executionTimeout', `'${timeout}' must be whole seconds from 1 to ${TIMEOUT.max}.`);
    return Object.freeze({
      kind: 'shell',
      instanceId: id,
      commands: Object.freeze([...commands]),
      ...(workingDirectory === undefined ? {} : { workingDirectory }),
      executionTimeoutSeconds: seconds,
    });
  }
  if (!COMPONENT_ARN.test(documentName as string))
    fail(
      'documentName',
      `'${String(documentName)}' is not a document Kiln can run.`,
      `Use ${SHELL_DOCUMENT} or the ARN of a component of the image's recipe.`,
    );
  if (version !== undefined)
    fail('documentVersion', 'is not used with a component: its ARN names the version.');
  const unknown = Object.keys(parameters).find((k) => k !== 'phases');
  if (unknown) fail(`parameters.${unknown}`, 'is not a parameter of a component run; only phases is.');
  const phases = stringList(parameters.phases ?? [TOE_PHASES.join(',')], 'parameters.phases')
    .flatMap((p) => p.split(','))
    .map((p) => p.trim())
    .filter(Boolean);
  if (phases.length === 0) fail('parameters.phases', 'must name at least one phase, e.g. ["test"].');
  return Object.freeze({
    kind: 'component',
    instanceId: id,
    componentArn: documentName as string,
    phases: Object.freeze(phases),
  });
}

/** The recipe component a RunCommand names (its build ARN, or the reference the recipe wrote). */
function recipeComponent(ctx: BuildContext, arn: string): ResolvedComponent {
  const planned = ctx.plan?.components.find((p) => p.component.arn === arn || p.component.reference === arn);
  if (planned) return planned.component;
  const known = ctx.plan?.components.map((p) => p.component.arn).join(', ') || 'none';
  throw new Error(
    `RunCommand input 'documentName': ${arn} is not a component of this image's recipe (its components: ${known}).`,
  );
}

export function runCommandAction(ctx: BuildContext): ActionHandler {
  return {
    async run(raw, actx) {
      const inputs = checkRunCommandInputs(raw);
      const entry = instanceOf(ctx, inputs.instanceId);
      const runCommandId = randomUUID();
      const step = actx.stepName;
      if (inputs.kind === 'component') {
        const component = recipeComponent(ctx, inputs.componentArn);
        await runComponentPhases(ctx, entry.id, component, inputs.phases, actx.signal);
        const line = `ran phases ${inputs.phases.join(',')} of ${component.arn}`;
        return { runCommandId, status: 'Success', output: [line] };
      }
      const lines: string[] = [];
      let pending: Promise<void> = Promise.resolve();
      const collect = (stream: 'stdout' | 'stderr') => (line: string) => {
        lines.push(line);
        if (lines.length > OUTPUT_LINES) lines.shift();
        pending = pending.then(() => logLine(ctx, step, line, stream));
      };
      const exec = () =>
        entry.instance.exec(['bash', '-c', inputs.commands.join('\n')], {
          ...(inputs.workingDirectory === undefined ? {} : { cwd: inputs.workingDirectory }),
          timeoutMs: inputs.executionTimeoutSeconds * 1000,
          signal: actx.signal,
          onStdoutLine: collect('stdout'),
          onStderrLine: collect('stderr'),
        });
      await logLine(ctx, step, `${SHELL_DOCUMENT} on ${entry.id} (command ${runCommandId})`);
      // Package installs share the apt caches; the lock keeps two instances from both using them.
      const result = await (treeVisibleOnHost(entry.instance)
        ? withAptCaches(ctx, entry, actx.signal, exec)
        : exec());
      await pending;
      actx.signal.throwIfAborted();
      if (result.timedOut || result.exitCode !== 0) {
        const why = result.timedOut
          ? `timed out after executionTimeout ${inputs.executionTimeoutSeconds} s`
          : `exited with code ${result.exitCode ?? `signal ${result.signal}`}`;
        const tail = lines.slice(-TAIL_LINES).join('\n');
        throw new Error(
          `${SHELL_DOCUMENT} ${why} on ${entry.id}${tail ? `\n--- last output ---\n${tail}` : ''}`,
        );
      }
      return { runCommandId, status: 'Success', output: lines };
    },
  };
}
