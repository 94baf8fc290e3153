import { randomInt } from 'node:crypto';
import type { ExecResult } from '../../instances/backend.js';
import type { InputMap } from '../model.js';
import { InstanceFsError } from './instance-fs.js';
import type { ExecuteModule, ModuleContext, ModuleOutcome } from './module.js';

/** Linux's "reboot, then run this step again" exit status (ExecuteBash, ExecuteBinary). */
export const REBOOT_EXIT_CODE = 194;

/** stdout with its trailing newlines trimmed, as awstoe reports it ("Hello World", not "Hello World\n"). */
export const trimOutput = (stdout: string): string => stdout.replace(/[\r\n]+$/, '');

/** A command's result as a step outcome: 0 success, 194 reboot, anything else a failure. */
export function commandOutcome(what: string, result: ExecResult, ctx: ModuleContext): ModuleOutcome {
  if (result.aborted || result.timedOut) return { status: 'failed', message: `${what} was stopped` };
  if (result.exitCode === null) {
    return { status: 'failed', message: `${what} was killed by signal ${result.signal ?? 'unknown'}` };
  }
  ctx.log.info(`CmdExecution: ExitCode ${result.exitCode}`);
  if (result.exitCode === 0) return { status: 'success', outputs: { stdout: trimOutput(result.stdout) } };
  if (result.exitCode === REBOOT_EXIT_CODE) {
    ctx.log.info(`${ctx.step.action}: exit status 194 requests a reboot; the step runs again afterwards`);
    return { status: 'reboot', rerunStep: true };
  }
  const tail = result.stderr.trim().split('\n').slice(-3).join(' | ');
  return {
    status: 'failed',
    message: `${what} failed with exit status ${result.exitCode}${tail ? `: ${tail}` : ''}`,
    exitCode: result.exitCode,
  };
}

function execOptions(ctx: ModuleContext) {
  return {
    env: ctx.env,
    signal: ctx.signal,
    onStdoutLine: (line: string) => ctx.log.stdout(line),
    onStderrLine: (line: string) => ctx.log.stderr(line),
  };
}

/**
 * ExecuteBash: the commands joined with newlines into ONE script, run as `bash <script>` (no
 * -e), so shell state carries across items and only the script's exit status counts. The
 * script lives in `/tmp/AWSTOE<rand>/` inside the instance, removed afterwards.
 */
export const executeBash: ExecuteModule = async (inputs, ctx) => {
  const commands = (inputs as InputMap).commands as readonly string[];
  const dir = `/tmp/AWSTOE${randomInt(1e9)}`;
  const script = `${dir}/script-${randomInt(1e9)}.sh`;
  await ctx.fs.mkdir(dir, { mode: 0o700 });
  try {
    await ctx.fs.writeFile(script, `${commands.join('\n')}\n`, { mode: 0o700 });
    ctx.log.debug(`ExecuteBash: Created temporary script file at: ${script}`);
    ctx.log.info('ExecuteBash: STARTED EXECUTION');
    const result = await ctx.instance.exec(['bash', script], execOptions(ctx));
    return commandOutcome('the script', result, ctx);
  } finally {
    await ctx.fs.rm(dir, { recursive: true }).catch((err: unknown) => {
      // The script may have removed its own folder.
      if (!(err instanceof InstanceFsError)) throw err;
    });
  }
};

/** ExecuteBinary: `path` run directly with `arguments` (no shell, so no word splitting or globbing). */
export const executeBinary: ExecuteModule = async (inputs, ctx) => {
  const { path, arguments: args } = inputs as { path: string; arguments?: readonly string[] };
  ctx.log.info(`ExecuteBinary: STARTED EXECUTION of ${path}`);
  const result = await ctx.instance.exec([path, ...(args ?? [])], execOptions(ctx));
  return commandOutcome(path, result, ctx);
};
