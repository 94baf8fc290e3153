import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseImportSource } from './imports.js';

test('parseImportSource: [FORMAT:]PATH or file:// URIs, absolute only', () => {
  const ok: [string, { path: string; format?: string }][] = [
    ['/srv/root.tar', { path: '/srv/root.tar' }],
    ['tar:/srv/root.tar', { path: '/srv/root.tar', format: 'tar' }],
    ['oci-layout:/srv/layout', { path: '/srv/layout', format: 'oci-layout' }],
    ['file:///srv/disk.qcow2', { path: '/srv/disk.qcow2' }],
    ['raw:file:///srv/disk.img', { path: '/srv/disk.img', format: 'raw' }],
  ];
  for (const [text, want] of ok) assert.deepEqual(parseImportSource(text, 'vmImportTaskId'), want, text);
  for (const bad of ['root.tar', 'vmdk:/srv/d.vmdk', 'tar:relative/x.tar', 'import-i-0123456789abcdef0']) {
    assert.throws(() => parseImportSource(bad, 'vmImportTaskId'), /vmImportTaskId/, bad);
  }
});
