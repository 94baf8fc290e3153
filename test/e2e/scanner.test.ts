import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import { requireTool } from '../../src/host/tools.js';
import { runChecked } from '../../src/host/process.js';
import { ingestFeed } from '../../src/scanner/feed-store.js';
import { inventoryOf } from '../../src/scanner/inventory.js';
import { matchInventory } from '../../src/scanner/match.js';
import { spdx23Problems } from '../../src/scanner/sbom-test-support.js';
import { cycloneDxSbom, spdxSbom } from '../../src/scanner/sbom.js';
import type { InstalledPackage } from '../../src/scanner/dpkg-status.js';
import { fixtureAdvisories } from '../support/osv-fixture.js';
import { sharedBookworm } from '../support/debian.js';

/** dpkg-query run inside the tree itself (bwrap), the oracle for the inventory. */
async function dpkgQuery(root: string, format: string): Promise<string[]> {
  const bwrap = requireTool('bwrap', 'bubblewrap');
  const { stdout } = await runChecked([
    bwrap,
    '--ro-bind',
    root,
    '/',
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--unshare-all',
    '--die-with-parent',
    'dpkg-query',
    '-W',
    '-f',
    format,
  ]);
  return stdout.split('\n').filter(Boolean).sort();
}

test(
  'the inventory of the real bookworm tree equals dpkg-query -W run inside it',
  { timeout: 600_000 },
  async () => {
    const root = await sharedBookworm();
    const cache = new Map<string, readonly InstalledPackage[]>();
    const inventory = await inventoryOf(root, { cache });
    assert.equal(inventory.os.id, 'debian');
    assert.equal(inventory.os.versionId, '12');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax.
    const binaries = '${Package} ${Version} ${Architecture}\n';
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax.
    const withSource = '${Package} ${source:Package} ${source:Version}\n';
    const ours = inventory.packages.map((p) => `${p.name} ${p.version} ${p.architecture}`).sort();
    assert.deepEqual(ours, await dpkgQuery(root, binaries));
    const sources = inventory.packages.map((p) => `${p.name} ${p.sourceName} ${p.sourceVersion}`).sort();
    assert.deepEqual(sources, await dpkgQuery(root, withSource));
    assert.ok(inventory.packages.length > 50);
    // Cached by the status file's digest: a second read reuses the parsed list.
    assert.deepEqual([...cache.keys()], [inventory.statusSha256]);
    assert.equal((await inventoryOf(root, { cache })).packages, inventory.packages);

    const options = {
      timestamp: '2026-01-01T00:00:00Z',
      toolVersion: '0.1.0',
      subjectName: 'bookworm-minbase',
    };
    const bom = JSON.stringify(cycloneDxSbom(inventory, options));
    assert.equal(await new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(bom), null);
    assert.deepEqual(spdx23Problems(spdxSbom(inventory, options) as Record<string, unknown>), []);
  },
);

test(
  'a fixture feed for packages really in the tree gives exactly the expected findings',
  { timeout: 600_000 },
  async () => {
    const root = await sharedBookworm();
    const inventory = await inventoryOf(root);
    const source = (name: string) => {
      const found = inventory.packages.find((p) => p.sourceName === name);
      assert.ok(found, `bookworm minbase has source package ${name}`);
      return found.sourceVersion;
    };
    const { later, records } = fixtureAdvisories(source);
    const dir = await mkdtemp(join(tmpdir(), 'kiln-scan-'));
    try {
      await mkdir(join(dir, 'feed'));
      for (const r of records) await writeFile(join(dir, 'feed', `${r.id}.json`), JSON.stringify(r));
      const index = await ingestFeed(join(dir, 'feed'), join(dir, 'store'), { now: '2026-01-01T00:00:00Z' });
      const findings = matchInventory(inventory, index);
      const utilLinux = inventory.packages
        .filter((p) => p.sourceName === 'util-linux')
        .map((p) => p.name)
        .sort();
      assert.ok(utilLinux.includes('bsdutils'), 'bsdutils (epoch 1:) is matched through its source version');
      assert.deepEqual(
        findings.map((f) => [f.vulnerabilityId, f.packageName, f.fixedInVersion, f.severity]),
        utilLinux.map((name) => ['CVE-2099-0001', name, later, 'HIGH']),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);
