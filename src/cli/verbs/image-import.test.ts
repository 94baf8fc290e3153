import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importTaskId } from './image-import.js';

test('importTaskId makes the path absolute and prefixes the format', () => {
  assert.equal(importTaskId('root.tar', '/home/me', undefined), '/home/me/root.tar');
  assert.equal(importTaskId('../d.qcow2', '/home/me', 'qcow2'), 'qcow2:/home/d.qcow2');
  assert.equal(importTaskId('/srv/layout', '/x', 'oci-layout'), 'oci-layout:/srv/layout');
  assert.throws(() => importTaskId('d.vmdk', '/x', 'vmdk'), /--format must be one of/);
});
