/**
 * CollectImageScanFindings (TEST stage, when imageScanningConfiguration.imageScanningEnabled):
 * matches the image's stored inventory against the installed advisory feed, stores the findings
 * with the image, sets `scanState`, and applies the image's scan gate (`kiln:scanGate` tag).
 */
import { existsSync } from 'node:fs';
import { KilnError } from '../../core/errors.js';
import { loadFeedIndex } from '../../scanner/feed-store.js';
import { matchInventory } from '../../scanner/match.js';
import type { ActionHandler } from '../../workflows/runner.js';
import type { BuildContext } from '../context.js';
import { instanceOf } from '../instances.js';
import {
  feedDirOf,
  gateReason,
  gateViolations,
  inventoryDir,
  readStoredInventory,
  recordInventory,
  recordScanGateFailure,
  scanGateOf,
  storeFindings,
} from '../scan.js';
import { join } from 'node:path';

export function collectImageScanFindingsAction(ctx: BuildContext): ActionHandler {
  return {
    async run(inputs) {
      const scanFailed = async (reason: string): Promise<never> => {
        await ctx.emit({ kind: 'image', members: { scanState: { status: 'FAILED', reason } } });
        throw new KilnError('ServiceException', reason);
      };
      const gate = scanGateOf(ctx.image.tags as Record<string, string> | undefined);
      const feedDir = feedDirOf(ctx.paths.dataDir);
      const feed = await loadFeedIndex(feedDir);
      if (!feed)
        return scanFailed(`no advisory feed is installed in ${feedDir}: run 'kiln feed update SOURCE' first`);
      // The BUILD stage stored the inventory unless metadata collection was off; then read the
      // test instance, which runs the captured image.
      const stored = join(inventoryDir(ctx.paths.dataDir, ctx.request.imageArn), 'inventory.json');
      const inventory = existsSync(stored)
        ? await readStoredInventory({ inventory: stored })
        : await recordInventory(ctx, instanceOf(ctx, inputs.instanceId).instance.rootDir);
      const findings = matchInventory(inventory, feed);
      await storeFindings(ctx, findings, feed);
      await ctx.emit({ kind: 'image', members: { scanState: { status: 'COMPLETED' } } });
      const violations = gate ? gateViolations(findings, gate) : [];
      if (gate && violations.length > 0) {
        const reason = gateReason(violations, gate);
        recordScanGateFailure(ctx, reason);
        throw new KilnError('ServiceException', reason);
      }
      return { findingCount: findings.length };
    },
  };
}
