import assert from 'node:assert/strict';
import { test } from 'node:test';
import { distributionsFor, renderAmiName } from './distribute.js';

test('renders the AMI name template', () => {
  const at = Date.UTC(2024, 4, 6, 7, 8, 9);
  assert.equal(renderAmiName('web-{{imagebuilder:buildDate}}', at, 3), 'web-2024-05-06T07-08-09.000Z');
  assert.equal(renderAmiName('web-{{ imagebuilder:buildVersion }}-x', at, 3), 'web-3-x');
  assert.equal(renderAmiName('plain', at, 1), 'plain');
});

test('distributes to configured regions only, and refuses what is not done yet', () => {
  assert.deepEqual(distributionsFor(undefined, 'us-east-1', ['us-east-1']), [{ region: 'us-east-1' }]);
  assert.throws(
    () => distributionsFor({ distributions: [{ region: 'eu-west-1' }] }, 'us-east-1', ['us-east-1']),
    /distributions\[0\]\.region 'eu-west-1'/,
  );
  assert.throws(
    () =>
      distributionsFor(
        { distributions: [{ region: 'us-east-1', containerDistributionConfiguration: {} }] },
        'us-east-1',
        ['us-east-1'],
      ),
    /containerDistributionConfiguration is not supported/,
  );
});
