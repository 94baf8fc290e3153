import { resolve } from 'node:path';
import { ApplyError, applyPlan } from '../../apply/apply.js';
import { loadManifest } from '../../apply/load.js';
import { ManifestError } from '../../apply/manifest.js';
import { planApply } from '../../apply/plan.js';
import { renderPlan } from '../../apply/render.js';
import { RESOURCES } from '../../apply/resources.js';
import { readCurrentState } from '../../apply/state.js';
import { expectPositionals, type FlagSpec, usageText } from '../args.js';
import { CLIENT_FLAGS, describeClientError } from '../client.js';
import { runClientVerb } from '../run.js';
import type { Verb } from '../verb.js';

const FLAGS: readonly FlagSpec[] = [
  { name: 'dry-run', type: 'boolean', help: 'print the plan and change nothing' },
];

const DONE = { create: 'created', 'new-version': 'created', update: 'updated', unchanged: 'kept' } as const;

export const applyVerb: Verb = {
  path: ['apply'],
  summary: 'Make the server match a YAML manifest (file or directory); see docs/apply.md',
  usage: usageText(
    'kiln apply FILE|DIR [--dry-run]',
    'Reads the manifest, compares it with the server, prints the plan (create, new version, update,\n' +
      'unchanged) and applies it in dependency order. Running it again changes nothing.',
    [...FLAGS, ...CLIENT_FLAGS],
  ),
  run: (args, io) =>
    runClientVerb(args, io, FLAGS, async (parsed, { client, settings }) => {
      const [path] = expectPositionals(parsed, ['FILE|DIR']);
      let manifest: Awaited<ReturnType<typeof loadManifest>>;
      try {
        manifest = await loadManifest(resolve(io.cwd, path as string));
      } catch (err) {
        if (!(err instanceof ManifestError)) throw err;
        io.stderr.write(`kiln: invalid manifest: ${err.message}\n`);
        return 1;
      }
      const plan = planApply(manifest, await readCurrentState(client, manifest));
      io.stdout.write(renderPlan(plan));
      if (parsed.boolean('dry-run') || plan.every((a) => a.action === 'unchanged')) return 0;
      try {
        await applyPlan(client, plan, ({ action, arn }) => {
          if (action.action !== 'unchanged') io.stdout.write(`${DONE[action.action]} ${arn}\n`);
        });
      } catch (err) {
        if (!(err instanceof ApplyError)) throw err;
        const { line, exitCode } = describeClientError(err.cause, settings.endpoint);
        const { action } = err;
        io.stderr.write(
          `${line} (${action.action} ${RESOURCES[action.kind].label} '${action.name}', ${action.origin})\n`,
        );
        return exitCode;
      }
      io.stdout.write('Applied.\n');
      return 0;
    }),
};
