import { setTimeout as sleep } from 'node:timers/promises';
import type { InputMap } from '../model.js';
import { describeCondition, evaluateCondition } from './conditions.js';
import { commandOutcome } from './mod-commands.js';
import type { ExecuteModule } from './module.js';
import { instanceProbe } from './probe.js';

const same = (text: string) => text;

/** Assert: the step's expression (operands already resolved by the engine); false fails the step. */
export const assertModule: ExecuteModule = async (_inputs, ctx) => {
  const assertion = ctx.step.assertion;
  if (!assertion) throw new Error('Assert step without a parsed assertion');
  const ok = await evaluateCondition(assertion, same, instanceProbe(ctx.fs));
  const text = describeCondition(assertion, same);
  ctx.log.info(`Assert: ${text} is ${ok}`);
  return ok ? { status: 'success', outputs: {} } : { status: 'failed', message: `assertion failed: ${text}` };
};

/**
 * Reboot: waits `delaySeconds`, then asks the engine to restart the instance. Execution resumes
 * at the next step (the Reboot step itself counts as done).
 */
export const rebootModule: ExecuteModule = async (inputs, ctx) => {
  const delay = Number((inputs as InputMap).delaySeconds ?? 0);
  if (!Number.isFinite(delay) || delay < 0) {
    return { status: 'failed', message: `delaySeconds must be a whole number of seconds, not '${delay}'` };
  }
  ctx.log.info(`Reboot: restarting the instance${delay > 0 ? ` in ${delay} seconds` : ''}`);
  if (delay > 0) {
    try {
      await sleep(delay * 1000, undefined, { signal: ctx.signal });
    } catch {
      return { status: 'failed', message: 'the reboot was cancelled while waiting for delaySeconds' };
    }
  }
  return { status: 'reboot', rerunStep: false };
};

const PACKAGE = /^[A-Za-z0-9][A-Za-z0-9+.:~_*-]*$/;
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The shell script UpdateOS runs. apt: `apt-get update`, then with `include` only those packages
 * are upgraded (`install --only-upgrade`); otherwise everything but `exclude` (held for the
 * upgrade, released afterwards unless they were held before). yum: `update` with `--exclude`.
 */
export function updateOsScript(
  manager: 'apt-get' | 'yum',
  include: readonly string[],
  exclude: readonly string[],
): string {
  const wanted = include.filter((p) => !exclude.includes(p));
  if (manager === 'yum') {
    const excl = exclude.map((p) => `--exclude=${quote(p)}`);
    if (include.length > 0 && wanted.length === 0)
      return 'echo "UpdateOS: nothing to update (include minus exclude is empty)"';
    return ['yum', '-y', 'update', ...excl, ...wanted.map(quote)].join(' ');
  }
  const apt = 'apt-get -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold';
  const lines = ['set -e', 'apt-get update'];
  if (include.length > 0) {
    if (wanted.length === 0) return 'echo "UpdateOS: nothing to update (include minus exclude is empty)"';
    lines.push(`${apt} install --only-upgrade -- ${wanted.map(quote).join(' ')}`);
    return lines.join('\n');
  }
  if (exclude.length > 0) {
    lines.push(
      'held_before=$(apt-mark showhold)',
      'held=()',
      `for p in ${exclude.map(quote).join(' ')}; do`,
      '  if ! grep -qxF -- "$p" <<<"$held_before" && apt-mark hold -- "$p" >/dev/null 2>&1; then held+=("$p"); fi',
      'done',
      `trap '[ \${#held[@]} -eq 0 ] || apt-mark unhold -- "\${held[@]}" >/dev/null' EXIT`,
    );
  }
  lines.push(`${apt} upgrade`);
  return lines.join('\n');
}

/** UpdateOS on Linux: apt-get (Debian) or yum, non-interactively. */
export const updateOsModule: ExecuteModule = async (inputs, ctx) => {
  const { include = [], exclude = [] } = inputs as {
    include?: readonly string[];
    exclude?: readonly string[];
  };
  const bad = [...include, ...exclude].find((p) => !PACKAGE.test(p));
  if (bad !== undefined)
    return { status: 'failed', message: `'${bad}' is not a package name (include/exclude)` };
  const probe = instanceProbe(ctx.fs);
  const manager = (await probe.binaryExists('apt-get'))
    ? 'apt-get'
    : (await probe.binaryExists('yum'))
      ? 'yum'
      : undefined;
  if (!manager) {
    return {
      status: 'failed',
      message: 'UpdateOS needs apt-get or yum in the instance, and neither is on its PATH',
    };
  }
  ctx.log.info(`UpdateOS: updating with ${manager}`);
  const result = await ctx.instance.exec(['bash', '-c', updateOsScript(manager, include, exclude)], {
    env: { ...ctx.env, DEBIAN_FRONTEND: 'noninteractive' },
    signal: ctx.signal,
    onStdoutLine: (line) => ctx.log.stdout(line),
    onStderrLine: (line) => ctx.log.stderr(line),
  });
  const outcome = commandOutcome(`UpdateOS (${manager})`, result, ctx);
  // 194 from apt is not a reboot request; and UpdateOS has no outputs.
  if (outcome.status === 'reboot')
    return { status: 'failed', message: `UpdateOS (${manager}) failed with exit status 194`, exitCode: 194 };
  return outcome.status === 'success' ? { status: 'success', outputs: {} } : outcome;
};
