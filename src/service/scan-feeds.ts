/**
 * Feed updates (`POST /kiln/feeds`): install an advisory feed, then re-match every AVAILABLE,
 * scanned image from its stored inventory without rebuilding; new CRITICAL findings go to the
 * event log (and the image's topic).
 */
import { isoTime } from '../core/clock.js';
import { KilnError } from '../core/errors.js';
import {
  feedDirOf,
  imageScanFindingOf,
  readStoredFindings,
  readStoredInventory,
  storedInventoryOf,
  storedScanOf,
} from '../engine/scan.js';
import type { KilnEvent } from '../events/event.js';
import { newEventId, recordEvent } from '../events/event-log.js';
import { wake } from '../events/wake.js';
import { writeFileAtomic } from '../host/fs.js';
import type { FeedIndex } from '../scanner/feed-index.js';
import { ingestFeed } from '../scanner/feed-store.js';
import { matchInventory } from '../scanner/match.js';
import type { ResourceRecord } from '../store/store.js';
import type { CallContext, ServiceDeps } from './context.js';
import { topicOf } from './executions/transitions.js';
import type { Row } from './scans.js';

const findingId = (row: Row) => {
  const d = row.packageVulnerabilityDetails as {
    vulnerabilityId?: string;
    vulnerablePackages?: { name?: string; arch?: string }[];
  };
  const pkg = d?.vulnerablePackages?.[0];
  return `${d?.vulnerabilityId}\0${pkg?.name}\0${pkg?.arch}`;
};

/** The new rows with the first-observed time of rows seen before; the new CRITICAL ones (pure). */
export function mergeRescan(previous: readonly Row[], next: readonly Row[]) {
  const seen = new Map(previous.map((r) => [findingId(r), r]));
  const rows = next.map((r) => {
    const before = seen.get(findingId(r));
    return before ? { ...r, firstObservedAt: before.firstObservedAt } : r;
  });
  const newCritical = rows.filter((r) => r.severity === 'CRITICAL' && !seen.has(findingId(r)));
  return { rows, newCritical };
}

export const SCAN_FINDINGS_DETAIL_TYPE = 'EC2 Image Builder Image Scan Findings Updated';

/**
 * Re-matches every AVAILABLE, scanned image of the caller's account (all configured regions)
 * against `feed` from its stored inventory, without rebuilding; new CRITICAL findings are
 * recorded in the event log (and sent to the image's topic). Returns what changed.
 */
export async function rescanImages(deps: ServiceDeps, ctx: CallContext, feed: FeedIndex) {
  let images = 0;
  let critical = 0;
  for (const region of deps.config.regions) {
    let after: string | undefined;
    for (;;) {
      const batch = await deps.store.list({
        account: ctx.account,
        region,
        type: 'image',
        limit: 200,
        ...(after === undefined ? {} : { afterSortKey: after }),
      });
      for (const { record } of batch) {
        const found = await rescanOne(deps, record, feed);
        images += found === undefined ? 0 : 1;
        critical += found ?? 0;
      }
      if (batch.length < 200) break;
      after = batch.at(-1)?.sortKey;
    }
  }
  return { imagesRescanned: images, newCriticalFindings: critical };
}

async function rescanOne(deps: ServiceDeps, record: ResourceRecord, feed: FeedIndex) {
  const stored = storedScanOf(record.body);
  const inventoryRef = storedInventoryOf(record.body);
  const status = (record.body.state as { status?: string } | undefined)?.status;
  if (!stored || !inventoryRef || status !== 'AVAILABLE') return undefined;
  const now = deps.clock.now();
  const owner = {
    account: record.account,
    imageArn: record.arn,
    observedAt: now,
    ...(typeof record.body.sourcePipelineArn === 'string'
      ? { pipelineArn: record.body.sourcePipelineArn }
      : {}),
  };
  const findings = matchInventory(await readStoredInventory(inventoryRef), feed);
  const { rows, newCritical } = mergeRescan(
    await readStoredFindings(stored),
    findings.map((f) => imageScanFindingOf(f, owner)),
  );
  await writeFileAtomic(stored.findings, JSON.stringify(rows));
  await deps.store.transaction(async (tx) => {
    const current = await tx.getResource(record.arn);
    if (!current) return;
    const kilnScan = {
      ...stored,
      findingCount: rows.length,
      feedSource: feed.source,
      feedIngestedAt: feed.ingestedAt,
      scannedAt: now,
    };
    await tx.update(record.arn, { body: { ...current.body, kilnScan }, dateUpdated: now });
    if (newCritical.length === 0) return;
    const event: KilnEvent = Object.freeze({
      version: '0',
      id: newEventId(),
      'detail-type': SCAN_FINDINGS_DETAIL_TYPE,
      source: 'aws.imagebuilder',
      account: record.account,
      time: isoTime(now),
      region: record.region,
      resources: [record.arn],
      detail: {
        imageBuildVersionArn: record.arn,
        newCriticalFindings: newCritical.map(
          (r) => (r.packageVulnerabilityDetails as { vulnerabilityId: string }).vulnerabilityId,
        ),
        feedSource: feed.source,
      },
    });
    if ((await recordEvent(tx, event, topicOf(current.body))) > 0) wake(deps.store, 'deliveries');
  });
  return newCritical.length;
}

/** `POST /kiln/feeds {source}`: installs a feed (docs/api-notes.md) and rescans AVAILABLE images. */
export function scanRoutes(
  deps: ServiceDeps,
): Record<string, (call: { ctx: CallContext; body: Record<string, unknown> }) => Promise<unknown>> {
  return {
    'POST /kiln/feeds': async ({ ctx, body }) => {
      const source = body.source;
      if (typeof source !== 'string' || source === '')
        throw new KilnError('InvalidRequestException', "'source' is required.", {
          hint: 'Pass a directory or all.zip path on the server, or an http(s) URL.',
        });
      const feed = await ingestFeed(source, feedDirOf(deps.config.dataDir), {
        now: isoTime(deps.clock.now()),
      });
      return {
        advisories: feed.advisories.length,
        source: feed.source,
        ingestedAt: feed.ingestedAt,
        ...(await rescanImages(deps, ctx, feed)),
      };
    },
  };
}
