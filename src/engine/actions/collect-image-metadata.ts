import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ActionHandler } from '../../workflows/runner.js';
import type { BuildContext } from '../context.js';
import { instanceOf } from '../instances.js';
import { recordInventory } from '../scan.js';

/** The PRETTY_NAME (else NAME VERSION) of an os-release file (pure). */
export function osVersionOf(osRelease: string): string {
  const fields = new Map<string, string>();
  for (const line of osRelease.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) fields.set(m[1] as string, (m[2] as string).replace(/^"(.*)"$/, '$1'));
  }
  return fields.get('PRETTY_NAME') ?? [fields.get('NAME'), fields.get('VERSION')].filter(Boolean).join(' ');
}

/**
 * CollectImageMetadata: the image's osVersion from /etc/os-release of the built tree, and (for
 * dpkg-based trees) its package inventory and SBOMs (src/engine/scan.ts).
 */
export function collectImageMetadataAction(ctx: BuildContext): ActionHandler {
  return {
    async run(inputs) {
      const entry = instanceOf(ctx, inputs.instanceId);
      const text = await readFile(join(entry.instance.rootDir, 'etc/os-release'), 'utf8').catch(() =>
        readFile(join(entry.instance.rootDir, 'usr/lib/os-release'), 'utf8'),
      );
      const osVersion = osVersionOf(text);
      // Only dpkg-based trees have an inventory; others still get their osVersion.
      if (existsSync(join(entry.instance.rootDir, 'var/lib/dpkg/status')))
        await recordInventory(ctx, entry.instance.rootDir);
      await ctx.emit({ kind: 'image', members: { osVersion } });
      return { osVersion, associationId: '' };
    },
  };
}
