import assert from 'node:assert/strict';
import { test } from 'node:test';
import { osVersionOf } from './collect-image-metadata.js';

test('reads the OS version from os-release', () => {
  assert.equal(
    osVersionOf('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\n'),
    'Debian GNU/Linux 12 (bookworm)',
  );
  assert.equal(osVersionOf('NAME=Alpine\nVERSION=3.19\n'), 'Alpine 3.19');
});
