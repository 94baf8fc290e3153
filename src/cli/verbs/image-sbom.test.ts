import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../args.js';
import { feedSourceOf } from './feed.js';
import { sbomFormatOf } from './image-sbom.js';

test('sbomFormatOf: cyclonedx by default, spdx, anything else names the choices', () => {
  assert.equal(sbomFormatOf(undefined), 'cyclonedx');
  assert.equal(sbomFormatOf('spdx'), 'spdx');
  for (const bad of ['SPDX', 'cdx', 'toString'])
    assert.throws(
      () => sbomFormatOf(bad),
      (e: Error) => e instanceof UsageError && /cyclonedx or spdx/.test(e.message),
    );
});

test('feedSourceOf: paths resolve against the working directory, URLs pass through', () => {
  assert.equal(feedSourceOf('feeds/all.zip', '/srv'), '/srv/feeds/all.zip');
  assert.equal(feedSourceOf('/abs/dir', '/srv'), '/abs/dir');
  assert.equal(feedSourceOf('http://127.0.0.1:9/all.zip', '/srv'), 'http://127.0.0.1:9/all.zip');
});
