import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planLayerPrep } from './flatten.js';

test('planLayerPrep sorts whiteouts, opaque markers and entries', () => {
  const prep = planLayerPrep([
    { path: 'etc', type: 'dir' },
    { path: 'etc/.wh.issue', type: 'file' },
    { path: 'etc/default', type: 'dir' },
    { path: 'etc/default/.wh..wh..opq', type: 'file' },
    { path: 'etc/default/only', type: 'file' },
    { path: '.wh.opt', type: 'file' },
  ]);
  assert.deepEqual(prep, {
    remove: ['etc/issue', 'opt'],
    empty: ['etc/default'],
    entries: [
      { path: 'etc', type: 'dir' },
      { path: 'etc/default', type: 'dir' },
      { path: 'etc/default/only', type: 'file' },
    ],
  });
});

test('planLayerPrep refuses paths that climb out of the tree', () => {
  assert.throws(() => planLayerPrep([{ path: 'etc/../../x', type: 'file' }]), /escapes the tree/);
  assert.throws(() => planLayerPrep([{ path: '../.wh.x', type: 'file' }]), /escapes the tree/);
});
