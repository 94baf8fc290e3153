import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatArn, latestVersionReferences, normalizeName, parseArn } from './arn.js';
import {
  compareVersions,
  formatVersion,
  newestMatching,
  parseVersion,
  parseVersionPattern,
} from './semver.js';

describe('semantic versions', () => {
  const rejects: [string, string][] = [
    ['1.0', 'InvalidVersionNumberException'],
    ['1.0.0.0', 'InvalidVersionNumberException'],
    ['a.b.c', 'InvalidVersionNumberException'],
    ['1.0.-1', 'InvalidVersionNumberException'],
    ['1073741824.0.0', 'InvalidVersionNumberException'],
  ];
  for (const [text, code] of rejects) {
    it(`rejects ${text}`, () => assert.throws(() => parseVersion(text), { name: code }));
  }
  it('accepts the largest node', () => assert.equal(parseVersion('1073741823.0.0').major, 1073741823));

  const patterns: [string, string | null][] = [
    ['x.x.x', 'x.x.x'],
    ['1.x.x', '1.x.x'],
    ['1.2.x', '1.2.x'],
    ['1.2.3', '1.2.3'],
    ['x.2.x', null],
    ['1.x.8', null],
    ['x.x.1', null],
  ];
  for (const [text, want] of patterns) {
    it(`pattern ${text}`, () => {
      if (want === null)
        assert.throws(() => parseVersionPattern(text), { name: 'InvalidVersionNumberException' });
      else assert.equal(formatVersion(parseVersionPattern(text)), want);
    });
  }

  it('resolves wildcards to the newest match, numerically (the AWS example)', () => {
    const items = ['2.2.4', '1.7.8', '1.6.8', '1.10.0'].map((v) => ({ version: parseVersion(v) }));
    const pick = (p: string) => {
      const found = newestMatching(items, parseVersionPattern(p));
      return found ? formatVersion(found.version) : undefined;
    };
    assert.equal(pick('x.x.x'), '2.2.4');
    assert.equal(pick('1.x.x'), '1.10.0');
    assert.equal(pick('1.6.x'), '1.6.8');
    assert.equal(pick('3.x.x'), undefined);
    assert.ok(compareVersions(parseVersion('1.10.0'), parseVersion('1.9.9')) > 0);
  });
});

describe('ARNs', () => {
  it('normalizes names as the service does', () => {
    assert.equal(normalizeName('My Windows2016 Pipeline'), 'my-windows2016-pipeline');
  });
  it('formats and parses every level', () => {
    const arn = formatArn({
      region: 'us-east-1',
      account: '123456789012',
      type: 'component',
      name: 'My Comp',
      version: parseVersion('1.2.3'),
      build: 4,
    });
    assert.equal(arn, 'arn:aws:imagebuilder:us-east-1:123456789012:component/my-comp/1.2.3/4');
    const parsed = parseArn(arn, 'componentArn');
    assert.equal(parsed.build, 4);
    assert.equal(parsed.name, 'my-comp');
    const wf = parseArn('arn:aws:imagebuilder:us-east-1:aws:workflow/test/test-image/x.x.x', 'workflowArn');
    assert.equal(wf.workflowType, 'test');
    assert.throws(
      () => parseArn('arn:aws:imagebuilder:us-east-1:1:image-pipeline/p/1.0.0', 'imagePipelineArn'),
      /has no version/,
    );
    assert.throws(() => parseArn('arn:aws:s3:::bucket', 'resourceArn'), {
      name: 'InvalidParameterValueException',
    });
  });
  it('derives latestVersionReferences', () => {
    const refs = latestVersionReferences({
      region: 'us-east-1',
      account: '123456789012',
      type: 'image-recipe',
      name: 'r',
      version: parseVersion('1.2.3'),
    });
    assert.deepEqual(refs, {
      latestVersionArn: 'arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/r/x.x.x',
      latestMajorVersionArn: 'arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/r/1.x.x',
      latestMinorVersionArn: 'arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/r/1.2.x',
      latestPatchVersionArn: 'arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/r/1.2.3',
    });
  });
});
