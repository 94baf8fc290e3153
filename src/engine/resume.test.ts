import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pinnedRecipe } from './resume.js';

test('pinnedRecipe pins each component to the build the failed run used, keeping parameters', () => {
  const recipe = {
    name: 'r',
    components: [
      { componentArn: 'arn:c/a/x.x.x', parameters: [{ name: 'p', value: ['1'] }] },
      { componentArn: 'arn:c/b/1.x.x' },
    ],
  };
  const pinned = pinnedRecipe(recipe, {
    components: [
      { reference: 'arn:c/a/x.x.x', resolved: 'arn:c/a/1.2.0/3' },
      { reference: 'arn:c/b/1.x.x', resolved: 'arn:c/b/1.0.0/1' },
    ],
  });
  assert.deepEqual(pinned.components, [
    { componentArn: 'arn:c/a/1.2.0/3', parameters: [{ name: 'p', value: ['1'] }] },
    { componentArn: 'arn:c/b/1.0.0/1' },
  ]);
  assert.throws(() => pinnedRecipe(recipe, { components: [] }), /do not match/);
});
