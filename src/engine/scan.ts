/**
 * The build's supply-chain record of what an image contains: the dpkg inventory of the built
 * tree and its CycloneDX and SPDX SBOMs, written once per image build under
 * `<dataDir>/image-scans/<key>/` and named in the image record's `kilnInventory` member
 * (not `kilnArtifacts`: image events merge members shallowly, and capture writes that one).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidValue, wrapError } from '../core/errors.js';
import { writeFileAtomic } from '../host/fs.js';
import type { InstalledPackage } from '../scanner/dpkg-status.js';
import type { FeedIndex } from '../scanner/feed-index.js';
import { type Inventory, type InventoryCache, inventoryOf } from '../scanner/inventory.js';
import type { Finding } from '../scanner/match.js';
import { cycloneDxSbom, spdxSbom } from '../scanner/sbom.js';
import type { Severity } from '../scanner/severity.js';
import { KILN_VERSION } from '../signing/provenance.js';
import type { BuildContext } from './context.js';

/** The image record member (`kilnInventory`) that points at the stored inventory and SBOMs. */
export interface StoredInventory {
  readonly statusSha256: string;
  readonly packageCount: number;
  /** Files (absolute paths on the server's machine). */
  readonly inventory: string;
  readonly sbomCycloneDx: string;
  readonly sbomSpdx: string;
}

const INVENTORY_MEMBER = 'kilnInventory';
const CACHE_LIMIT = 64;

/**
 * Parsed package lists by status digest, shared by builds in this process: a rebuild whose
 * components do not touch dpkg reads the same status file and skips the parse.
 */
class BoundedCache implements InventoryCache {
  readonly #entries = new Map<string, readonly InstalledPackage[]>();
  get(statusSha256: string) {
    return this.#entries.get(statusSha256);
  }
  set(statusSha256: string, packages: readonly InstalledPackage[]) {
    if (this.#entries.size >= CACHE_LIMIT) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(statusSha256, packages);
  }
}

const cache = new BoundedCache();

/** Where an image build's inventory lives: one directory per image build version ARN. */
export function inventoryDir(dataDir: string, imageArn: string): string {
  const key = createHash('sha256').update(imageArn).digest('hex').slice(0, 32);
  return join(dataDir, 'image-scans', key);
}

/** `web-base-1.0.0-1` for `arn:…:image/web-base/1.0.0/1` (pure). */
export function subjectNameOf(imageArn: string): string {
  const m = /:image\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(imageArn);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : imageArn;
}

/**
 * Inventories `rootDir`, writes inventory.json, sbom.cdx.json and sbom.spdx.json for the
 * build's image, and records them in the image record. The SBOM timestamp is the build's
 * clock, so the same tree at the same time gives byte-identical documents.
 */
export async function recordInventory(ctx: BuildContext, rootDir: string): Promise<Inventory> {
  const inventory = await inventoryOf(rootDir, { cache });
  const dir = inventoryDir(ctx.paths.dataDir, ctx.request.imageArn);
  const options = {
    timestamp: new Date(ctx.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    toolVersion: KILN_VERSION,
    subjectName: subjectNameOf(ctx.request.imageArn),
  };
  const stored: StoredInventory = {
    statusSha256: inventory.statusSha256,
    packageCount: inventory.packages.length,
    inventory: join(dir, 'inventory.json'),
    sbomCycloneDx: join(dir, 'sbom.cdx.json'),
    sbomSpdx: join(dir, 'sbom.spdx.json'),
  };
  try {
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(stored.inventory, JSON.stringify(inventory));
    await writeFileAtomic(
      stored.sbomCycloneDx,
      `${JSON.stringify(cycloneDxSbom(inventory, options), null, 2)}\n`,
    );
    await writeFileAtomic(stored.sbomSpdx, `${JSON.stringify(spdxSbom(inventory, options), null, 2)}\n`);
  } catch (err) {
    throw wrapError(`storing the package inventory of ${ctx.request.imageArn} in ${dir}`, err);
  }
  await ctx.emit({ kind: 'image', members: { [INVENTORY_MEMBER]: stored } });
  return inventory;
}

/** The stored inventory an image record names, or undefined when none was collected. */
export function storedInventoryOf(body: Readonly<Record<string, unknown>>): StoredInventory | undefined {
  const member = body[INVENTORY_MEMBER] as StoredInventory | undefined;
  return member && typeof member.inventory === 'string' ? member : undefined;
}

/** Reads the inventory file a record names. */
export async function readStoredInventory(stored: Pick<StoredInventory, 'inventory'>): Promise<Inventory> {
  try {
    return JSON.parse(await readFile(stored.inventory, 'utf8')) as Inventory;
  } catch (err) {
    throw wrapError(`reading the stored package inventory ${stored.inventory}`, err);
  }
}

// ---- Findings: the service's shape, the gate ------------------------------------------------

/** Where the advisory feed lives in a data directory (`kiln feed update` installs it there). */
export const feedDirOf = (dataDir: string): string => join(dataDir, 'feeds');

/** Who the finding belongs to and when it was seen, for the service's shape. */
export interface FindingOwner {
  readonly account: string;
  readonly imageArn: string;
  readonly pipelineArn?: string;
  /** Epoch ms. */
  readonly observedAt: number;
}

const cvssVersion = (vector: string) => /^CVSS:(\d+\.\d+)/.exec(vector)?.[1] ?? '3.1';

/** A matched Finding as an ImageScanFinding (the model's shape; times in epoch ms) (pure). */
export function imageScanFindingOf(f: Finding, owner: FindingOwner): Record<string, unknown> {
  const fix = f.fixedInVersion;
  return {
    awsAccountId: owner.account,
    imageBuildVersionArn: owner.imageArn,
    ...(owner.pipelineArn ? { imagePipelineArn: owner.pipelineArn } : {}),
    type: 'PACKAGE_VULNERABILITY',
    title: `${f.vulnerabilityId} - ${f.packageName}`,
    description: f.title ?? `${f.vulnerabilityId} affects ${f.sourceName} ${f.sourceVersion}.`,
    remediation: {
      recommendation: {
        text: fix
          ? `Upgrade ${f.packageName} to a version built from ${f.sourceName} ${fix} or later.`
          : 'None provided.',
      },
    },
    severity: f.severity,
    firstObservedAt: owner.observedAt,
    updatedAt: owner.observedAt,
    ...(f.score === undefined ? {} : { inspectorScore: f.score }),
    packageVulnerabilityDetails: {
      vulnerabilityId: f.vulnerabilityId,
      vulnerablePackages: [
        {
          name: f.packageName,
          version: f.packageVersion,
          arch: f.architecture,
          packageManager: 'OS',
          ...(fix ? { fixedInVersion: fix } : {}),
        },
      ],
      source: 'DEBIAN',
      sourceUrl: `https://security-tracker.debian.org/tracker/${f.vulnerabilityId}`,
      vendorSeverity: f.severity,
      relatedVulnerabilities: f.advisoryIds,
      ...(f.vector && f.score !== undefined
        ? {
            cvss: [
              { baseScore: f.score, scoringVector: f.vector, source: 'OSV', version: cvssVersion(f.vector) },
            ],
          }
        : {}),
    },
    fixAvailable: fix ? 'YES' : 'NO',
  };
}

/** The gate an image's `kiln:scanGate` tag asks for: `HIGH`, or `HIGH,fixable` (docs/api-notes.md). */
export interface ScanGate {
  readonly minimum: Severity;
  /** Only findings with a fix count. */
  readonly fixableOnly: boolean;
}

export const SCAN_GATE_TAG = 'kiln:scanGate';
const GATE_LEVELS: readonly Severity[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
const RANK: Readonly<Record<string, number>> = { INFORMATIONAL: 0, LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 };

/** The gate of an image's tags, undefined when it has none; a bad value names the tag (pure). */
export function scanGateOf(tags: Readonly<Record<string, string>> | undefined): ScanGate | undefined {
  const text = tags?.[SCAN_GATE_TAG];
  if (text === undefined) return undefined;
  const [level = '', ...flags] = text.split(',').map((p) => p.trim());
  const minimum = level.toUpperCase() as Severity;
  const unknown = flags.filter((f) => f !== 'fixable');
  if (!GATE_LEVELS.includes(minimum) || unknown.length > 0)
    throw invalidValue(
      `tags.${SCAN_GATE_TAG}`,
      `'${text}' is not a scan gate.`,
      `Use a severity (${GATE_LEVELS.join(', ')}), optionally followed by ',fixable'.`,
    );
  return { minimum, fixableOnly: flags.includes('fixable') };
}

/** The findings that trip the gate (UNTRIAGED never does: its severity is unknown) (pure). */
export function gateViolations(findings: readonly Finding[], gate: ScanGate): readonly Finding[] {
  return findings.filter(
    (f) =>
      (RANK[f.severity] ?? -1) >= (RANK[gate.minimum] as number) &&
      (!gate.fixableOnly || f.fixedInVersion !== undefined),
  );
}

/** The image's failure reason for a tripped gate: every finding, most severe first (pure). */
export function gateReason(violations: readonly Finding[], gate: ScanGate): string {
  const sorted = [...violations].sort((a, b) => (RANK[b.severity] ?? 0) - (RANK[a.severity] ?? 0));
  const list = sorted.map(
    (f) =>
      `${f.vulnerabilityId} ${f.severity} ${f.packageName} ${f.packageVersion}` +
      (f.fixedInVersion ? ` (fixed in ${f.fixedInVersion})` : ''),
  );
  const what = `${gate.minimum}${gate.fixableOnly ? ' with a fix available' : ''}`;
  return `scan gate ${SCAN_GATE_TAG}: ${violations.length} finding(s) at or above ${what}: ${list.join('; ')}`;
}

// ---- Storing findings ------------------------------------------------------------------------

/** The image record member (`kilnScan`) naming the stored findings. */
export interface StoredScan {
  readonly findings: string;
  readonly findingCount: number;
  readonly feedSource: string;
  readonly feedIngestedAt: string;
  /** Epoch ms of the match. */
  readonly scannedAt: number;
}

const SCAN_MEMBER = 'kilnScan';

/** Writes `findings.json` (ImageScanFinding rows) beside the inventory and names it in the record. */
export async function storeFindings(
  ctx: BuildContext,
  findings: readonly Finding[],
  feed: FeedIndex,
): Promise<StoredScan> {
  const dir = inventoryDir(ctx.paths.dataDir, ctx.request.imageArn);
  const scannedAt = ctx.clock.now();
  const owner: FindingOwner = {
    account: ctx.request.account,
    imageArn: ctx.request.imageArn,
    observedAt: scannedAt,
    ...(typeof ctx.image.sourcePipelineArn === 'string' ? { pipelineArn: ctx.image.sourcePipelineArn } : {}),
  };
  const stored: StoredScan = {
    findings: join(dir, 'findings.json'),
    findingCount: findings.length,
    feedSource: feed.source,
    feedIngestedAt: feed.ingestedAt,
    scannedAt,
  };
  try {
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(stored.findings, JSON.stringify(findings.map((f) => imageScanFindingOf(f, owner))));
  } catch (err) {
    throw wrapError(`storing the scan findings of ${ctx.request.imageArn} in ${dir}`, err);
  }
  await ctx.emit({ kind: 'image', members: { [SCAN_MEMBER]: stored } });
  return stored;
}

/** The stored findings an image record names, or undefined when it was not scanned. */
export function storedScanOf(body: Readonly<Record<string, unknown>>): StoredScan | undefined {
  const member = body[SCAN_MEMBER] as StoredScan | undefined;
  return member && typeof member.findings === 'string' ? member : undefined;
}

/** The ImageScanFinding rows of a stored scan. */
export async function readStoredFindings(stored: StoredScan): Promise<Record<string, unknown>[]> {
  try {
    return JSON.parse(await readFile(stored.findings, 'utf8')) as Record<string, unknown>[];
  } catch (err) {
    throw wrapError(`reading the stored scan findings ${stored.findings}`, err);
  }
}

const gateFailures = new WeakMap<BuildContext, string>();

/** Remembers that this build's scan gate tripped (CollectImageScanFindings calls it). */
export function recordScanGateFailure(ctx: BuildContext, reason: string): void {
  gateFailures.set(ctx, reason);
}

/**
 * The reason the scan gate fails this build, if it tripped. The engine checks it after the
 * TEST workflows: the managed test workflow runs the scan step with onFailure Continue (a
 * scan that cannot run must not fail the image), but a tripped gate must.
 */
export function scanGateFailure(ctx: BuildContext): string | undefined {
  return gateFailures.get(ctx);
}
