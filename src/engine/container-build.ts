/**
 * Container recipes, built natively on the same instances as AMIs (no Docker daemon, no
 * buildah, the same caches): the Dockerfile template's placeholders are expanded, `FROM` is the
 * resolved parent tree, `RUN` runs in the build instance, the components run with the AWSTOE
 * executor where `{{{ imagebuilder:components }}}` stands, and ENV/WORKDIR/CMD/ENTRYPOINT/
 * LABEL/USER become the image config. The Dockerfile's changes are one layer on top of the
 * parent's, cached under a key chained from the components' keys and the expanded Dockerfile,
 * so a rebuild with nothing changed runs nothing.
 */
import { posix } from 'node:path';
import { captureLayer } from '../images/layers.js';
import type { ImageConfigOptions } from '../images/oci.js';
import { captureImage } from './capture.js';
import { layerInStore } from './component-layers.js';
import { runComponentPhases } from './component-run.js';
import { type BuildContext, type BuildInstance, logLine } from './context.js';
import { relaunch, withAptCaches } from './instances.js';
import { chainKey, documentDigest, type KeyInputs } from './plan.js';

export type DockerInstruction =
  | { readonly op: 'FROM'; readonly image: string }
  | { readonly op: 'RUN'; readonly command: string }
  | { readonly op: 'COMPONENTS' }
  | { readonly op: 'ENV'; readonly pairs: readonly [string, string][] }
  | { readonly op: 'WORKDIR' | 'USER'; readonly value: string }
  | { readonly op: 'CMD' | 'ENTRYPOINT'; readonly argv: readonly string[] }
  | { readonly op: 'LABEL'; readonly pairs: readonly [string, string][] };

const COMPONENTS_MARK = '#KILN-COMPONENTS#';

/** Expands the Image Builder placeholders of a Dockerfile template (pure). */
export function expandDockerfileTemplate(
  template: string,
  parentImage: string,
  environments: readonly string[] = [],
): string {
  return template
    .replace(/\{\{\{\s*imagebuilder:parentImage\s*\}\}\}/g, parentImage)
    .replace(/\{\{\{\s*imagebuilder:environments\s*\}\}\}/g, environments.map((e) => `ENV ${e}`).join('\n'))
    .replace(/\{\{\{\s*imagebuilder:components\s*\}\}\}/g, COMPONENTS_MARK);
}

const unquote = (s: string) => s.replace(/^"(.*)"$/, '$1');

function pairs(text: string): [string, string][] {
  if (!text.includes('=')) {
    const [k, ...rest] = text.split(/\s+/);
    return [[k as string, rest.join(' ')]];
  }
  return [...text.matchAll(/([^\s=]+)=("[^"]*"|\S*)/g)].map((m) => [m[1] as string, unquote(m[2] as string)]);
}

function argv(text: string): string[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) return JSON.parse(trimmed) as string[];
  return ['/bin/sh', '-c', trimmed];
}

/** Parses an expanded Dockerfile (pure); unsupported instructions are refused by line. */
export function parseDockerfile(text: string): DockerInstruction[] {
  const joined = text.replace(/\\\r?\n\s*/g, ' ');
  const out: DockerInstruction[] = [];
  for (const [n, raw] of joined.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === COMPONENTS_MARK) {
      out.push({ op: 'COMPONENTS' });
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\w+)\s+(.*)$/.exec(line);
    const op = m?.[1]?.toUpperCase();
    const rest = m?.[2] ?? '';
    if (op === 'FROM') out.push({ op, image: rest.split(/\s+/)[0] as string });
    else if (op === 'RUN') out.push({ op, command: rest });
    else if (op === 'ENV' || op === 'LABEL') out.push({ op, pairs: pairs(rest) });
    else if (op === 'WORKDIR' || op === 'USER') out.push({ op, value: rest.trim() });
    else if (op === 'CMD' || op === 'ENTRYPOINT') out.push({ op, argv: argv(rest) });
    else
      throw new Error(
        `dockerfileTemplateData line ${n + 1}: '${op ?? line}' is not supported by Kiln's native builder`,
      );
  }
  return out;
}

const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

type ContainerConfig = ImageConfigOptions & { env: string[]; labels: Record<string, string> };

/** ENV, LABEL, WORKDIR, USER, CMD and ENTRYPOINT: the image config, whether or not RUN runs. */
function applyConfig(config: ContainerConfig, ins: DockerInstruction): void {
  if (ins.op === 'ENV') {
    for (const [k, v] of ins.pairs)
      config.env = [...config.env.filter((e) => !e.startsWith(`${k}=`)), `${k}=${v}`];
  } else if (ins.op === 'LABEL') Object.assign(config.labels, Object.fromEntries(ins.pairs));
  else if (ins.op === 'WORKDIR') config.workingDir = posix.resolve(config.workingDir ?? '/', ins.value);
  else if (ins.op === 'USER') config.user = ins.value;
  else if (ins.op === 'CMD') config.cmd = [...ins.argv];
  else if (ins.op === 'ENTRYPOINT') config.entrypoint = [...ins.argv];
}

async function run(
  ctx: BuildContext,
  entry: BuildInstance,
  argv: string[],
  label: string,
  options: { env: Record<string, string>; cwd: string },
  signal: AbortSignal,
): Promise<void> {
  const result = await withAptCaches(ctx, entry, signal, () =>
    entry.instance.exec(argv, {
      ...options,
      signal,
      onStdoutLine: (l) => void logLine(ctx, 'Dockerfile', l, 'stdout'),
      onStderrLine: (l) => void logLine(ctx, 'Dockerfile', l, 'stderr'),
    }),
  );
  if (result.exitCode !== 0)
    throw new Error(
      `${label} exited ${result.exitCode}: ${result.stderr.trim().split('\n').slice(-10).join('\n')}`,
    );
}

/** Runs RUN lines and the components in the build instance, in Dockerfile order. */
async function runDockerfile(
  ctx: BuildContext,
  entry: BuildInstance,
  instructions: readonly DockerInstruction[],
  signal: AbortSignal,
): Promise<void> {
  const config: ContainerConfig = { created: 0, env: [], labels: {} };
  for (const ins of instructions) {
    signal.throwIfAborted();
    applyConfig(config, ins);
    const env = Object.fromEntries(
      [PATH_ENV, ...config.env].map((e) => e.split(/=(.*)/s).slice(0, 2) as [string, string]),
    );
    // Docker creates a WORKDIR that does not exist yet.
    if (ins.op === 'WORKDIR')
      await run(
        ctx,
        entry,
        ['mkdir', '-p', config.workingDir as string],
        `WORKDIR ${ins.value}`,
        { env, cwd: '/' },
        signal,
      );
    else if (ins.op === 'RUN') {
      await logLine(ctx, 'Dockerfile', `RUN ${ins.command}`);
      const cwd = config.workingDir ?? '/';
      await run(ctx, entry, ['/bin/sh', '-c', ins.command], `RUN ${ins.command}`, { env, cwd }, signal);
    } else if (ins.op === 'COMPONENTS') {
      for (const planned of ctx.plan?.components ?? [])
        await withAptCaches(ctx, entry, signal, () =>
          runComponentPhases(ctx, entry.id, planned.component, ['build', 'validate'], signal),
        );
    }
  }
}

export async function buildContainerImage(
  ctx: BuildContext,
  entry: BuildInstance,
  signal: AbortSignal,
): Promise<void> {
  const template = ctx.recipe.dockerfileTemplateData;
  if (typeof template !== 'string')
    throw new Error('dockerfileTemplateData is required (dockerfileTemplateUri is a later issue)');
  const parentImage = String(ctx.recipe.parentImage);
  const dockerfile = expandDockerfileTemplate(template, parentImage);
  const instructions = parseDockerfile(dockerfile);
  for (const ins of instructions)
    if (ins.op === 'FROM' && ins.image !== parentImage)
      throw new Error(`FROM ${ins.image}: only the recipe's parentImage (${parentImage}) can be built from`);
  const config: ContainerConfig = { created: 0, env: [PATH_ENV], labels: {} };
  for (const ins of instructions) applyConfig(config, ins);

  const parent = ctx.parent as NonNullable<BuildContext['parent']>;
  const plan = ctx.plan;
  if (!plan) throw new Error('the build was not planned');
  // The components' chained keys cover the parent, their documents and parameters.
  const keyInputs: KeyInputs = {
    previousKey: plan.components.at(-1)?.cacheKey ?? parent.digest,
    documentDigest: documentDigest(dockerfile),
    parametersDigest: '',
    externalState: ctx.infra.network === 'host' ? parent.mirrorState : '',
  };
  const key = chainKey(keyInputs);
  const hit = plan.layerCache ? await ctx.layers.get(key) : undefined;
  if (hit) {
    const layer = await layerInStore(ctx, hit, signal);
    ctx.componentLayers.push(layer);
    await logLine(ctx, 'Dockerfile', `cached: the Dockerfile reuses layer ${layer.digest} (key ${key})`);
    ctx.buildLowers = [hit.treeDir, ...ctx.buildLowers];
  } else {
    const why = plan.layerCache
      ? 'no layer for this Dockerfile, parent and components yet'
      : 'layer cache turned off for this build';
    await logLine(ctx, 'Dockerfile', `not cached: ${why}; running the Dockerfile`);
    await runDockerfile(ctx, entry, instructions, signal);
    const layer = await captureLayer(entry.instance.upperDir, ctx.blobs, {
      sourceDateEpoch: parent.sourceDateEpoch,
      signal,
    });
    const cached = await ctx.layers.put(
      { key, layer, componentArn: 'kiln:dockerfile', keyInputs, createdAt: ctx.clock.now() },
      entry.instance.upperDir,
      signal,
    );
    ctx.componentLayers.push(cached.layer === layer ? layer : await layerInStore(ctx, cached, signal));
    ctx.buildLowers = [cached.treeDir, ...ctx.buildLowers];
    await logLine(
      ctx,
      'Dockerfile',
      `layer ${layer.digest} captured: ${layer.entries} entries, ${layer.size} bytes compressed`,
    );
  }
  // Both ways the instance now stands on the Dockerfile's layer, so the image is the same.
  await relaunch(ctx, entry, ctx.buildLowers);
  await captureImage(ctx, entry, signal, { disks: false, config });
}
