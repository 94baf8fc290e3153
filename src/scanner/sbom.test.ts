import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import type { InstalledPackage } from './dpkg-status.js';
import type { Inventory } from './inventory.js';
import { parseOsRelease } from './os-release.js';
import { debPurl, encodePurlComponent } from './purl.js';
import { cycloneDxSbom, spdxSbom } from './sbom.js';
import { spdx23Problems } from './sbom-test-support.js';

const pkg = (name: string, version: string, architecture: string, sourceName = name): InstalledPackage => ({
  name,
  version,
  architecture,
  sourceName,
  sourceVersion: version.replace(/^\d+:/, ''),
  state: 'installed',
});

const SAMPLE: Inventory = {
  os: parseOsRelease('ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n'),
  statusSha256: 'a'.repeat(64),
  packages: [
    pkg('bsdutils', '1:2.38.1-5+deb12u3', 'amd64', 'util-linux'),
    pkg('libssl3', '3.0.15-1~deb12u1', 'amd64', 'openssl'),
    pkg('libstdc++6', '12.2.0-14+deb12u1', 'amd64', 'gcc-12'),
    pkg('libstdc++6', '12.2.0-14+deb12u1', 'i386', 'gcc-12'),
  ],
};
const OPTIONS = { timestamp: '2026-01-01T00:00:00Z', toolVersion: '0.1.0', subjectName: 'web-base 1.0.0/1' };

test('purls percent-encode everything outside the purl allowed set', () => {
  const table: readonly [string, string][] = [
    ['3.0.15-1~deb12u1', '3.0.15-1~deb12u1'],
    ['1:2.38.1-5+deb12u3', '1%3A2.38.1-5%2Bdeb12u3'],
    ['libstdc++6', 'libstdc%2B%2B6'],
    ['ü', '%C3%BC'],
  ];
  for (const [raw, encoded] of table) assert.equal(encodePurlComponent(raw), encoded);
  assert.equal(
    debPurl(SAMPLE.packages[0]!, 'debian-12'),
    'pkg:deb/debian/bsdutils@1%3A2.38.1-5%2Bdeb12u3?arch=amd64&distro=debian-12',
  );
});

test('the CycloneDX 1.6 SBOM validates against the schema the CycloneDX library ships', async () => {
  const bom = cycloneDxSbom(SAMPLE, OPTIONS);
  const errors = await new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(JSON.stringify(bom));
  assert.equal(errors, null, JSON.stringify(errors));
  // The validator really checks: a broken document fails.
  const broken = { ...bom, components: [{ type: 'no-such-type', name: 'x' }] };
  assert.notEqual(
    await new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(JSON.stringify(broken)),
    null,
  );
  const json = bom as { components: { purl: string; properties: { name: string; value: string }[] }[] };
  assert.equal(json.components.length, 4);
  assert.deepEqual(
    json.components[1]?.properties.find((p) => p.name === 'kiln:deb:source:name')?.value,
    'openssl',
  );
});

test('SBOMs are deterministic for a given timestamp and change with it', () => {
  for (const make of [cycloneDxSbom, spdxSbom]) {
    assert.equal(JSON.stringify(make(SAMPLE, OPTIONS)), JSON.stringify(make(SAMPLE, OPTIONS)));
    assert.notEqual(
      JSON.stringify(make(SAMPLE, OPTIONS)),
      JSON.stringify(make(SAMPLE, { ...OPTIONS, timestamp: '2026-01-02T00:00:00Z' })),
    );
  }
});

test('the SPDX 2.3 SBOM has every required field, unique ids and purls', () => {
  const doc = spdxSbom(SAMPLE, OPTIONS) as Record<string, unknown>;
  assert.deepEqual(spdx23Problems(doc), []);
  const packages = doc.packages as { SPDXID: string; externalRefs?: { referenceLocator: string }[] }[];
  assert.deepEqual(
    packages.map((p) => p.SPDXID),
    [
      'SPDXRef-OperatingSystem',
      'SPDXRef-deb-bsdutils-amd64',
      'SPDXRef-deb-libssl3-amd64',
      'SPDXRef-deb-libstdc--6-amd64',
      'SPDXRef-deb-libstdc--6-i386',
    ],
  );
  assert.equal(
    packages[4]?.externalRefs?.[0]?.referenceLocator,
    'pkg:deb/debian/libstdc%2B%2B6@12.2.0-14%2Bdeb12u1?arch=i386&distro=debian-12',
  );
  // The checker really checks.
  assert.deepEqual(
    spdx23Problems({ ...doc, spdxVersion: 'SPDX-2.2', packages: [{ SPDXID: 'SPDXRef-a+b' }] }),
    [
      'spdxVersion',
      'packages[0].SPDXID',
      'packages[0] name/downloadLocation',
      'relationships[0]',
      'relationships[1]',
      'relationships[2]',
      'relationships[3]',
      'relationships[4]',
      'documentDescribes SPDXRef-OperatingSystem',
    ],
  );
});
