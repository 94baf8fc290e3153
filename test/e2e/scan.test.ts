/**
 * The scanner wired into builds: a really built bookworm image gets its package inventory and
 * SBOMs stored; ListImagePackages answers exactly what dpkg-query reads from the image's disk;
 * a fixture OSV feed gives exactly the expected findings; the scan gate fails the TEST stage.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { feedDirOf, storedInventoryOf } from '../../src/engine/scan.js';
import { makeTempDir, removeTree } from '../../src/host/fs.js';
import { runChecked } from '../../src/host/process.js';
import { requireTool } from '../../src/host/tools.js';
import { ingestFeed } from '../../src/scanner/feed-store.js';
import { inventoryOf } from '../../src/scanner/inventory.js';
import { listEvents } from '../../src/events/event-log.js';
import { SCAN_FINDINGS_DETAIL_TYPE, scanRoutes } from '../../src/service/scan-feeds.js';
import { SCAN_HANDLERS } from '../../src/service/scans.js';
import { openSqliteStore } from '../../src/store/sqlite/open.js';
import type { Store } from '../../src/store/store.js';
import { fixtureAdvisories } from '../support/osv-fixture.js';
import { sharedBookworm, testCacheDir } from '../support/debian.js';
import type { BuildRecord } from './build-support.js';
import {
  CTX,
  PREFIX,
  putComponent,
  recordImage,
  requestOn,
  serviceDeps,
  storeEngine,
} from './parents-support.js';

const MARKER = `name: scan-marker
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Write
        action: ExecuteBash
        inputs:
          commands:
            - echo scanned > /etc/kiln-scan-marker
`;

let dataDir: string;
let store: Store;
let build: ReturnType<typeof storeEngine>;
let image: { arn: string; built: BuildRecord };

before(async () => {
  requireTool('debugfs', 'e2fsprogs');
  requireTool('dpkg-query', 'dpkg');
  await sharedBookworm();
  dataDir = await makeTempDir('kiln-scan-e2e-');
  store = await openSqliteStore(dataDir);
  await putComponent(store, 'scan-marker', MARKER);
  build = storeEngine({ dataDir, cacheDir: testCacheDir() }, store);
  const request = requestOn('debian:bookworm', { name: 'scanned', components: [{ name: 'scan-marker' }] });
  const built = await build(request);
  assert.equal(built.outcome.status, 'AVAILABLE', `${built.outcome.reason}\n${built.logs.join('\n')}`);
  await recordImage(store, request, built);
  image = { arn: request.imageArn, built };
});

after(async () => {
  await store?.close();
  if (dataDir) await removeTree(dataDir);
});

/** dpkg-query over the status file read from the image's raw disk: the oracle. */
async function dpkgQueryOfDisk(raw: string): Promise<string[]> {
  const admin = join(dataDir, 'oracle-dpkg');
  await mkdir(admin, { recursive: true });
  const status = await runChecked(['debugfs', '-R', 'cat /var/lib/dpkg/status', raw]);
  await writeFile(join(admin, 'status'), status.stdout);
  const { stdout } = await runChecked([
    'dpkg-query',
    `--admindir=${admin}`,
    '-W',
    '-f',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax.
    '${db:Status-Status}\\t${Package}\\t${Version}\\n',
  ]);
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('installed\t'))
    .map((l) => l.slice('installed\t'.length))
    .sort();
}

async function allPackages(arn: string, maxResults: number): Promise<string[]> {
  const out: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = (await SCAN_HANDLERS.ListImagePackages!(
      serviceDeps(store, dataDir),
      { ...CTX, operation: 'ListImagePackages' },
      { imageBuildVersionArn: arn, maxResults, ...(nextToken ? { nextToken } : {}) },
    )) as { imagePackageList: { packageName: string; packageVersion: string }[]; nextToken?: string };
    assert.ok(page.imagePackageList.length <= maxResults);
    out.push(...page.imagePackageList.map((p) => `${p.packageName}\t${p.packageVersion}`));
    nextToken = page.nextToken;
  } while (nextToken);
  return out.sort();
}

test('ListImagePackages of a built image equals dpkg-query -W over the image disk', async () => {
  const raw = (image.built.image.kilnArtifacts as Record<string, string>).rawDisk as string;
  const expected = await dpkgQueryOfDisk(raw);
  assert.ok(expected.length > 50, `a bookworm image has many packages, got ${expected.length}`);
  assert.deepEqual(await allPackages(image.arn, 25), expected);
});

test('both SBOMs are stored with the image and name every package', async () => {
  const stored = storedInventoryOf(image.built.image);
  assert.ok(stored, 'the image record names its inventory (kilnInventory)');
  const cdx = JSON.parse(await readFile(stored.sbomCycloneDx, 'utf8'));
  const spdx = JSON.parse(await readFile(stored.sbomSpdx, 'utf8'));
  assert.equal(cdx.bomFormat, 'CycloneDX');
  assert.equal(cdx.specVersion, '1.6');
  assert.equal(spdx.spdxVersion, 'SPDX-2.3');
  assert.equal(cdx.components.length, stored.packageCount);
  assert.ok(
    cdx.components.some((c: { purl: string }) => /^pkg:deb\/debian\/bash@.*distro=debian-12/.test(c.purl)),
  );
});

test('ListImagePackages: unknown images are ResourceNotFoundException', async () => {
  await assert.rejects(
    SCAN_HANDLERS.ListImagePackages!(
      serviceDeps(store, dataDir),
      { ...CTX, operation: 'ListImagePackages' },
      { imageBuildVersionArn: image.arn.replace(/\/\d+$/, '/999') },
    ),
    { name: 'ResourceNotFoundException' },
  );
});

// ---- Findings and the gate -------------------------------------------------------------------

/** The managed test workflow, but with the scan step aborting the stage when it fails. */
const GATED_TEST_WORKFLOW = `name: scan-gated
schemaVersion: 1.0
steps:
  - name: LaunchTestInstance
    action: LaunchInstance
    onFailure: Abort
    inputs:
      waitFor: "ssmAgent"
  - name: CollectImageScanFindings
    action: CollectImageScanFindings
    onFailure: Abort
    inputs:
      instanceId.$: "$.stepOutputs.LaunchTestInstance.instanceId"
  - name: TerminateTestInstance
    action: TerminateInstance
    onFailure: Continue
    inputs:
      instanceId.$: "$.stepOutputs.LaunchTestInstance.instanceId"
`;
const GATED_ARN = `${PREFIX}:workflow/test/scan-gated/1.0.0/1`;

let later: string;
let passedArn: string;
let gzipVersion: string;
let utilLinux: string[];

/** Writes and installs a feed for packages really present: one open, one fixed, one other release. */
async function installFixtureFeed(): Promise<void> {
  const inventory = await inventoryOf(await sharedBookworm());
  const source = (name: string) => {
    const found = inventory.packages.find((p) => p.sourceName === name);
    assert.ok(found, `bookworm has source package ${name}`);
    return found.sourceVersion;
  };
  later = `${source('util-linux')}+kiln1`;
  gzipVersion = source('gzip');
  utilLinux = inventory.packages
    .filter((p) => p.sourceName === 'util-linux')
    .map((p) => p.name)
    .sort();
  const { records } = fixtureAdvisories(source);
  const dir = join(dataDir, 'fixture-feed');
  await mkdir(dir, { recursive: true });
  for (const r of records) await writeFile(join(dir, `${r.id}.json`), JSON.stringify(r));
  await ingestFeed(dir, feedDirOf(dataDir), { now: '2026-01-01T00:00:00Z' });
}

async function putGatedWorkflow(): Promise<void> {
  await store.insert(
    {
      arn: GATED_ARN,
      account: CTX.account,
      region: CTX.region,
      type: 'workflow',
      nameKey: 'scan-gated',
      versionKey: ['1', '0', '0'].map((n) => n.padStart(10, '0')).join('.'),
      build: 1,
      body: { arn: GATED_ARN, name: 'scan-gated', version: '1.0.0', type: 'TEST', data: GATED_TEST_WORKFLOW },
      tags: {},
      policy: undefined,
      dateCreated: 0,
      dateUpdated: 0,
    },
    [],
  );
}

/** A scanned build (tests on, scanning on) with the gate tag, on the gated TEST workflow. */
function scannedRequest(name: string, gate: string) {
  const base = requestOn('debian:bookworm', { name, components: [{ name: 'scan-marker' }] }, true);
  return {
    ...base,
    image: {
      ...base.image,
      imageScanningConfiguration: { imageScanningEnabled: true },
      workflows: [{ workflowArn: GATED_ARN }],
      tags: { 'kiln:scanGate': gate },
    },
  };
}

const scanStep = (b: BuildRecord) =>
  b.events.flatMap((e) =>
    e.kind === 'step' && e.record.action === 'CollectImageScanFindings' && e.record.status !== 'RUNNING'
      ? [e.record]
      : [],
  );

test('a fixture feed gives exactly the expected findings; a gate above them passes', async () => {
  await installFixtureFeed();
  await putGatedWorkflow();
  const request = scannedRequest('scanned-pass', 'CRITICAL');
  const built = await build(request);
  assert.equal(built.outcome.status, 'AVAILABLE', `${built.outcome.reason}\n${built.logs.join('\n')}`);
  assert.deepEqual(built.image.scanState, { status: 'COMPLETED' });
  await recordImage(store, request, built);
  passedArn = request.imageArn;
  const answer = (await SCAN_HANDLERS.ListImageScanFindings!(
    serviceDeps(store, dataDir),
    { ...CTX, operation: 'ListImageScanFindings' },
    { filters: [{ name: 'imageBuildVersionArn', values: [request.imageArn] }] },
  )) as { findings: Record<string, unknown>[] };
  assert.deepEqual(
    answer.findings.map((f) => {
      const d = f.packageVulnerabilityDetails as {
        vulnerabilityId: string;
        vulnerablePackages: { name: string; fixedInVersion?: string }[];
      };
      return [
        d.vulnerabilityId,
        d.vulnerablePackages[0]?.name,
        d.vulnerablePackages[0]?.fixedInVersion,
        f.severity,
      ];
    }),
    utilLinux.map((name) => ['CVE-2099-0001', name, later, 'HIGH']),
  );
  const first = answer.findings[0] as Record<string, unknown>;
  assert.equal(first.type, 'PACKAGE_VULNERABILITY');
  assert.equal(first.awsAccountId, CTX.account);
  assert.equal(first.fixAvailable, 'YES');
  assert.equal(typeof first.firstObservedAt, 'number');
  const bySeverity = (await SCAN_HANDLERS.ListImageScanFindings!(
    serviceDeps(store, dataDir),
    { ...CTX, operation: 'ListImageScanFindings' },
    { filters: [{ name: 'severity', values: ['CRITICAL'] }] },
  )) as { findings: unknown[] };
  assert.deepEqual(bySeverity.findings, []);
  const byImage = await SCAN_HANDLERS.ListImageScanFindingAggregations!(
    serviceDeps(store, dataDir),
    { ...CTX, operation: 'ListImageScanFindingAggregations' },
    { filter: { name: 'imageBuildVersionArn', values: [request.imageArn] } },
  );
  assert.deepEqual(byImage.responses, [
    {
      imageAggregation: {
        imageBuildVersionArn: request.imageArn,
        severityCounts: { all: utilLinux.length, critical: 0, high: utilLinux.length, medium: 0 },
      },
    },
  ]);
});

test('the gate fails the image in TESTING at the chosen severity, listing the findings', async () => {
  const built = await build(scannedRequest('scanned-fail', 'HIGH,fixable'));
  assert.equal(built.outcome.status, 'FAILED');
  assert.match(String(built.outcome.reason), /TEST stage/);
  assert.match(String(built.outcome.reason), /CVE-2099-0001 HIGH bsdutils/);
  assert.deepEqual(built.image.scanState, { status: 'COMPLETED' });
  assert.equal(scanStep(built).at(-1)?.status, 'FAILED');
});

const findingsOf = async (arn: string) =>
  (
    (await SCAN_HANDLERS.ListImageScanFindings!(
      serviceDeps(store, dataDir),
      { ...CTX, operation: 'ListImageScanFindings' },
      { filters: [{ name: 'imageBuildVersionArn', values: [arn] }] },
    )) as { findings: Record<string, unknown>[] }
  ).findings;
const idOf = (f: Record<string, unknown>) =>
  (f.packageVulnerabilityDetails as { vulnerabilityId: string }).vulnerabilityId;

test('a feed update rescans AVAILABLE images from their inventory and logs new critical findings', async () => {
  const before = await findingsOf(passedArn);
  const dir = join(dataDir, 'fixture-feed-2');
  await mkdir(dir, { recursive: true });
  for (const name of ['DEBIAN-CVE-2099-0001.json', 'DSA-9999-1.json', 'DLA-9999-1.json'])
    await writeFile(join(dir, name), await readFile(join(dataDir, 'fixture-feed', name)));
  await writeFile(
    join(dir, 'DSA-9999-2.json'),
    JSON.stringify({
      id: 'DSA-9999-2',
      modified: '2026-02-01T00:00:00Z',
      upstream: ['CVE-2099-0004'],
      severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
      affected: [
        {
          package: { ecosystem: 'Debian:12', name: 'gzip' },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: `${gzipVersion}+kiln1` }] }],
        },
      ],
    }),
  );
  const route = scanRoutes(serviceDeps(store, dataDir))['POST /kiln/feeds']!;
  const answer = (await route({ ctx: { ...CTX, operation: 'kiln:feeds' }, body: { source: dir } })) as {
    imagesRescanned: number;
    newCriticalFindings: number;
  };
  assert.deepEqual(answer.imagesRescanned, 1, 'only the AVAILABLE scanned image');
  assert.equal(answer.newCriticalFindings, 1);
  const after = await findingsOf(passedArn);
  assert.deepEqual(after.map(idOf).sort(), [...before.map(idOf), 'CVE-2099-0004'].sort());
  const kept = after.find((f) => idOf(f) === 'CVE-2099-0001');
  assert.equal(kept?.firstObservedAt, before[0]?.firstObservedAt, 'first seen stays the first build');
  const events = await listEvents(store, { account: CTX.account, region: CTX.region, limit: 100 });
  const scans = events.events.filter((e) => e['detail-type'] === SCAN_FINDINGS_DETAIL_TYPE);
  assert.equal(scans.length, 1);
  assert.deepEqual(scans[0]?.detail.newCriticalFindings, ['CVE-2099-0004']);
  // Matching again against the same feed finds nothing new: no second event.
  const again = (await route({ ctx: { ...CTX, operation: 'kiln:feeds' }, body: { source: dir } })) as {
    newCriticalFindings: number;
  };
  assert.equal(again.newCriticalFindings, 0);
});
