/**
 * Launching and ending a build's instances. Every instance shares the apt caches (package
 * files, lists, pkgcache) through bind mounts on directories the parent already has, so
 * nothing of the caches lands in a layer; an instance's apt work holds the cache lock.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { acquireLock, type FileLock } from '../host/lock.js';
import { keepInstance } from '../instances/bwrap/shell.js';
import { treeVisibleOnHost } from '../toe/exec/fs-agent.js';
import type { BindMount } from '../instances/backend.js';
import { type BuildContext, type BuildInstance, logLine } from './context.js';

function aptBinds(ctx: BuildContext): BindMount[] {
  const p = ctx.paths;
  return [
    { src: p.aptCacheDir, dest: '/var/cache/apt', readOnly: false },
    { src: p.debsDir, dest: '/var/cache/apt/archives', readOnly: false },
    { src: p.aptListsDir, dest: '/var/lib/apt/lists', readOnly: false },
  ];
}

/** Launches an instance from `lowerDirs` (top first) on the configured network. */
export async function launchInstance(
  ctx: BuildContext,
  lowerDirs: readonly string[],
  purpose: BuildInstance['purpose'],
): Promise<BuildInstance> {
  const p = ctx.paths;
  for (const dir of [join(p.aptCacheDir, 'archives'), p.debsDir, join(p.aptListsDir, 'partial')])
    await mkdir(dir, { recursive: true });
  const instance = await ctx.backend.launch({
    lowerDirs: [...lowerDirs],
    network: ctx.infra.network,
    instanceType: ctx.infra.instanceType,
    binds: aptBinds(ctx),
    env: { DEBIAN_FRONTEND: 'noninteractive' },
  });
  const entry: BuildInstance = { id: instance.id, instance, lowerDirs: [...lowerDirs], purpose };
  ctx.instances.set(entry.id, entry);
  return entry;
}

export function instanceOf(ctx: BuildContext, id: unknown): BuildInstance {
  const entry = typeof id === 'string' ? ctx.instances.get(id) : undefined;
  if (!entry) throw new Error(`instance '${String(id)}' is not running in this build`);
  return entry;
}

/**
 * Ends an instance: stopped, unless the build failed and the infrastructure configuration says
 * `terminateInstanceOnFailure: false`, in which case it is kept for `kiln instance shell`.
 */
export async function endInstance(ctx: BuildContext, id: string, failed: boolean): Promise<void> {
  const entry = ctx.instances.get(id);
  if (!entry) return;
  ctx.instances.delete(id);
  // A VM cannot be kept for `kiln instance shell` (a sandbox feature): it is stopped.
  if (failed && !ctx.infra.terminateInstanceOnFailure && treeVisibleOnHost(entry.instance)) {
    const kept = await keepInstance(entry.instance, ctx.paths.instanceStateDir, ctx.paths.keptDir, {
      network: ctx.infra.network,
      note: `${entry.purpose} instance of ${ctx.request.imageArn}`,
    });
    await ctx.emit({ kind: 'image', members: { keptInstances: [kept.id] } });
    await logLine(
      ctx,
      'TerminateInstance',
      `kept failed instance ${kept.id}: kiln instance shell ${kept.id}`,
    );
    return;
  }
  await entry.instance.stop();
}

/** Replaces the instance by one over new lowers (a captured layer on top); the id stays. */
export async function relaunch(
  ctx: BuildContext,
  entry: BuildInstance,
  lowerDirs: readonly string[],
): Promise<void> {
  await entry.instance.stop();
  ctx.instances.delete(entry.id);
  const next = await launchInstance(ctx, lowerDirs, entry.purpose);
  ctx.instances.delete(next.id);
  entry.instance = next.instance;
  entry.lowerDirs = next.lowerDirs;
  ctx.instances.set(entry.id, entry);
}

const POLICY_RC = '/usr/sbin/policy-rc.d';

/**
 * Runs `body` holding the apt cache lock, with a policy-rc.d that stops package scripts from
 * starting daemons (there is no init; a daemon would only hold a host port until the exec
 * ends). The file exists only in this instance's upper dir and is removed before any capture.
 */
export async function withAptCaches<T>(
  ctx: BuildContext,
  entry: BuildInstance,
  signal: AbortSignal,
  body: () => Promise<T>,
): Promise<T> {
  const lock: FileLock = await acquireLock(ctx.paths.aptLock, { signal });
  const policy = join(entry.instance.rootDir, POLICY_RC);
  let created = false;
  try {
    try {
      await writeFile(
        policy,
        '#!/bin/sh\n# Kiln build instance: no daemons start during package installs.\nexit 101\n',
        {
          flag: 'wx',
          mode: 0o755,
        },
      );
      created = true;
    } catch {
      // The tree has its own policy-rc.d: keep it.
    }
    return await body();
  } finally {
    if (created) await rm(policy, { force: true });
    await lock.release();
  }
}
