import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { inventoryOf, resolveInRoot } from './inventory.js';

const root = await mkdtemp(join(tmpdir(), 'kiln-inv-'));
after(() => rm(root, { recursive: true, force: true }));

test('reads status and an os-release symlinked absolutely, inside the root, never the host', async () => {
  await mkdir(join(root, 'var/lib/dpkg'), { recursive: true });
  await mkdir(join(root, 'usr/lib'), { recursive: true });
  await mkdir(join(root, 'etc'), { recursive: true });
  await writeFile(
    join(root, 'var/lib/dpkg/status'),
    'Package: a\nStatus: install ok installed\nVersion: 1.0\nArchitecture: all\n',
  );
  await writeFile(join(root, 'usr/lib/os-release'), 'ID=debian\nVERSION_ID="12"\n');
  await symlink('/usr/lib/../lib/os-release', join(root, 'etc/os-release'));
  await symlink('../../../../../../etc/passwd', join(root, 'etc/escape'));
  assert.equal(await resolveInRoot(root, 'etc/os-release'), join(root, 'usr/lib/os-release'));
  assert.equal(await resolveInRoot(root, 'etc/escape'), undefined, 'a .. escape stays inside the root');
  const inventory = await inventoryOf(root);
  assert.equal(inventory.os.versionId, '12');
  assert.deepEqual(
    inventory.packages.map((p) => p.name),
    ['a'],
  );
  assert.match(inventory.statusSha256, /^[0-9a-f]{64}$/);
});

test('a tree without a dpkg database is refused with the path', async () => {
  const empty = await mkdtemp(join(tmpdir(), 'kiln-inv-empty-'));
  try {
    await assert.rejects(inventoryOf(empty), { message: /has no \/var\/lib\/dpkg\/status.*dpkg-based/ });
  } finally {
    await rm(empty, { recursive: true, force: true });
  }
});
