/**
 * Container recipes, built natively on the same instances as AMIs (no Docker daemon, no
 * buildah, the same caches): the Dockerfile template's placeholders are expanded, `FROM` is the
 * resolved parent tree, `RUN` runs in the build instance, the components run with the AWSTOE
 * executor where `{{{ imagebuilder:components }}}` stands, and ENV/WORKDIR/CMD/ENTRYPOINT/
 * LABEL/USER become the image config. The result is one layer on top of the parent's.
 */
import type { ImageConfigOptions } from '../images/oci.js';
import { captureImage } from './capture.js';
import { runComponentPhases } from './component-run.js';
import { type BuildContext, type BuildInstance, logLine } from './context.js';
import { withAptCaches } from './instances.js';

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

export async function buildContainerImage(
  ctx: BuildContext,
  entry: BuildInstance,
  signal: AbortSignal,
): Promise<void> {
  const template = ctx.recipe.dockerfileTemplateData;
  if (typeof template !== 'string')
    throw new Error('dockerfileTemplateData is required (dockerfileTemplateUri is a later issue)');
  const parentImage = String(ctx.recipe.parentImage);
  const instructions = parseDockerfile(expandDockerfileTemplate(template, parentImage));
  const config: ImageConfigOptions & { env: string[]; labels: Record<string, string> } = {
    created: 0,
    env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    labels: {},
  };
  let cwd = '/';
  for (const ins of instructions) {
    signal.throwIfAborted();
    if (ins.op === 'FROM' && ins.image !== parentImage)
      throw new Error(`FROM ${ins.image}: only the recipe's parentImage (${parentImage}) can be built from`);
    if (ins.op === 'RUN') {
      await logLine(ctx, 'Dockerfile', `RUN ${ins.command}`);
      const env = Object.fromEntries(
        config.env.map((e) => e.split(/=(.*)/s).slice(0, 2) as [string, string]),
      );
      const result = await withAptCaches(ctx, entry, signal, () =>
        entry.instance.exec(['/bin/sh', '-c', ins.command], {
          env,
          cwd,
          signal,
          onStdoutLine: (l) => void logLine(ctx, 'Dockerfile', l, 'stdout'),
          onStderrLine: (l) => void logLine(ctx, 'Dockerfile', l, 'stderr'),
        }),
      );
      if (result.exitCode !== 0)
        throw new Error(
          `RUN ${ins.command} exited ${result.exitCode}: ${result.stderr.trim().split('\n').slice(-10).join('\n')}`,
        );
    } else if (ins.op === 'COMPONENTS') {
      for (const planned of ctx.plan?.components ?? [])
        await withAptCaches(ctx, entry, signal, () =>
          runComponentPhases(ctx, entry.id, planned.component, ['build', 'validate'], signal),
        );
    } else if (ins.op === 'ENV') {
      for (const [k, v] of ins.pairs)
        config.env = [...config.env.filter((e) => !e.startsWith(`${k}=`)), `${k}=${v}`];
    } else if (ins.op === 'LABEL') Object.assign(config.labels, Object.fromEntries(ins.pairs));
    else if (ins.op === 'WORKDIR') cwd = config.workingDir = ins.value;
    else if (ins.op === 'USER') config.user = ins.value;
    else if (ins.op === 'CMD') config.cmd = [...ins.argv];
    else if (ins.op === 'ENTRYPOINT') config.entrypoint = [...ins.argv];
  }
  await captureImage(ctx, entry, signal, { disks: false, config });
}
