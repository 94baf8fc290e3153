import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Finding } from '../scanner/match.js';
import { gateReason, gateViolations, imageScanFindingOf, scanGateOf, subjectNameOf } from './scan.js';

const finding = (over: Partial<Finding>): Finding => ({
  vulnerabilityId: 'CVE-2099-0001',
  severity: 'HIGH',
  severitySource: 'debian-urgency',
  packageName: 'bsdutils',
  packageVersion: '1:2.38.1-5+deb12u1',
  architecture: 'amd64',
  sourceName: 'util-linux',
  sourceVersion: '2.38.1-5+deb12u1',
  advisoryIds: ['DEBIAN-CVE-2099-0001'],
  ...over,
});

test('scanGateOf: a severity, optionally ,fixable; bad values name the tag', () => {
  const ok: [string | undefined, unknown][] = [
    [undefined, undefined],
    ['HIGH', { minimum: 'HIGH', fixableOnly: false }],
    ['critical, fixable', { minimum: 'CRITICAL', fixableOnly: true }],
    ['LOW', { minimum: 'LOW', fixableOnly: false }],
  ];
  for (const [tag, want] of ok)
    assert.deepEqual(scanGateOf(tag === undefined ? {} : { 'kiln:scanGate': tag }), want, tag);
  for (const bad of ['', 'SEVERE', 'HIGH,urgent', 'UNTRIAGED'])
    assert.throws(() => scanGateOf({ 'kiln:scanGate': bad }), /tags\.kiln:scanGate/, bad);
});

test('gateViolations: at or above the minimum, fixable only when asked; UNTRIAGED never', () => {
  const findings = [
    finding({ vulnerabilityId: 'A', severity: 'CRITICAL' }),
    finding({ vulnerabilityId: 'B', severity: 'HIGH', fixedInVersion: '2.39' }),
    finding({ vulnerabilityId: 'C', severity: 'MEDIUM', fixedInVersion: '2.39' }),
    finding({ vulnerabilityId: 'D', severity: 'UNTRIAGED' }),
  ];
  const ids = (minimum: Finding['severity'], fixableOnly: boolean) =>
    gateViolations(findings, { minimum, fixableOnly }).map((f) => f.vulnerabilityId);
  assert.deepEqual(ids('HIGH', false), ['A', 'B']);
  assert.deepEqual(ids('HIGH', true), ['B']);
  assert.deepEqual(ids('MEDIUM', true), ['B', 'C']);
  assert.deepEqual(ids('CRITICAL', true), []);
  assert.deepEqual(ids('LOW', false), ['A', 'B', 'C']);
});

test('gateReason lists every finding, most severe first, with its fix', () => {
  const reason = gateReason(
    [
      finding({ severity: 'HIGH', fixedInVersion: '2.39' }),
      finding({ vulnerabilityId: 'CVE-2', severity: 'CRITICAL' }),
    ],
    { minimum: 'HIGH', fixableOnly: false },
  );
  assert.match(
    reason,
    /2 finding\(s\) at or above HIGH: CVE-2 CRITICAL bsdutils .*; CVE-2099-0001 HIGH bsdutils 1:2\.38\.1-5\+deb12u1 \(fixed in 2\.39\)$/,
  );
});

test('imageScanFindingOf: the service shape, with CVSS when scored', () => {
  const row = imageScanFindingOf(
    finding({ fixedInVersion: '2.39', score: 7.5, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N' }),
    { account: '123456789012', imageArn: 'arn:x', pipelineArn: 'arn:p', observedAt: 1000 },
  );
  assert.equal(row.type, 'PACKAGE_VULNERABILITY');
  assert.equal(row.imagePipelineArn, 'arn:p');
  assert.equal(row.fixAvailable, 'YES');
  assert.equal(row.inspectorScore, 7.5);
  const details = row.packageVulnerabilityDetails as Record<string, unknown>;
  assert.deepEqual(details.vulnerablePackages, [
    {
      name: 'bsdutils',
      version: '1:2.38.1-5+deb12u1',
      arch: 'amd64',
      packageManager: 'OS',
      fixedInVersion: '2.39',
    },
  ]);
  assert.deepEqual((details.cvss as { version: string }[])[0]?.version, '3.1');
  const unfixed = imageScanFindingOf(finding({}), { account: 'a', imageArn: 'arn:x', observedAt: 1 });
  assert.equal(unfixed.fixAvailable, 'NO');
  assert.equal('imagePipelineArn' in unfixed, false);
  assert.equal('cvss' in (unfixed.packageVulnerabilityDetails as object), false);
});

test('subjectNameOf: name-version-build of an image build ARN', () => {
  assert.equal(
    subjectNameOf('arn:aws:imagebuilder:us-east-1:123456789012:image/web-base/1.0.0/3'),
    'web-base-1.0.0-3',
  );
});
