import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createGunzip } from 'node:zlib';
import { makeTempDir, removeTree } from '../../src/host/fs.js';
import { runChecked, runProcess } from '../../src/host/process.js';
import { requireTool } from '../../src/host/tools.js';
import { DirectoryBlobStore } from '../../src/images/blob-store.js';
import { cleanInstance } from '../../src/images/cleanup.js';
import { convertToQcow2, writeRawExt4 } from '../../src/images/disk.js';
import { applyLayers, copyTree } from '../../src/images/flatten.js';
import { captureBaseLayer, captureLayer, type Layer } from '../../src/images/layers.js';
import { exportOciArchive, exportOciLayout, writeOciImage } from '../../src/images/oci.js';
import { type TarEntry, TarParser } from '../../src/images/tar-format.js';
import type { Instance } from '../../src/instances/backend.js';
import { BwrapBackend, reapStaleInstances } from '../../src/instances/bwrap/backend.js';
import { sharedBookworm, testCacheDir } from '../support/debian.js';

const EPOCH = 1_700_000_000;
let parent: string;
let scratch: string;
let store: DirectoryBlobStore;
let instance: Instance;
let layer: Layer;
let base: Layer;

/** The entries of a stored gzip layer, by path. */
async function entriesOf(digest: Layer['digest']): Promise<Map<string, TarEntry & { content: string }>> {
  const entries = new Map<string, TarEntry & { content: string }>();
  let current: (TarEntry & { content: string }) | undefined;
  const parser = new TarParser({
    entry: (e) => {
      current = { ...e, content: '' };
      entries.set(e.path, current);
    },
    data: (chunk) => {
      current!.content += chunk.toString();
    },
  });
  for await (const chunk of (await store.open(digest)).pipe(createGunzip())) parser.push(chunk as Buffer);
  return entries;
}

const sh = async (script: string) => {
  const result = await instance.exec(['sh', '-c', script]);
  assert.equal(result.exitCode, 0, result.stderr);
  return result.stdout;
};

before(async () => {
  for (const [tool, pkg] of [
    ['skopeo', 'skopeo'],
    ['qemu-img', 'qemu-utils'],
    ['debugfs', 'e2fsprogs'],
  ] as const)
    requireTool(tool, pkg);
  parent = await sharedBookworm();
  scratch = await makeTempDir('capture-test-', { memory: true });
  store = new DirectoryBlobStore(join(scratch, 'store'));
  const stateDir = join(testCacheDir(), 'instance-state', 'capture-test');
  await reapStaleInstances(stateDir);
  instance = await new BwrapBackend({ stateDir }).launch({ lowerDirs: [parent], network: 'none' });
  // add, modify, delete a file, delete a directory, replace a directory, a capability, a hard link
  await sh(`set -e
    echo kiln > /etc/kiln-added
    echo 'Built by Kiln' > /etc/motd
    rm /etc/issue.net
    rm -r /usr/share/doc/apt
    rm -r /etc/default && mkdir /etc/default && echo fresh > /etc/default/only
    cp /usr/bin/true /usr/local/bin/capped
    ln /etc/kiln-added /etc/kiln-hardlink
    mkdir -p /root/.ssh /var/lib/cloud/instance && echo key > /root/.ssh/authorized_keys && echo x > /var/lib/cloud/instance/id
    echo ssh > /etc/ssh_host_marker && mkdir -p /etc/ssh && echo secret > /etc/ssh/ssh_host_ed25519_key
    echo history > /var/log/kiln-build.log`);
  // a file capability, set from the host through the overlay (minbase has no setcap)
  await runChecked([
    requireTool('setcap', 'libcap2-bin'),
    'cap_net_raw+ep',
    join(instance.rootDir, 'usr/local/bin/capped'),
  ]);
});

after(async () => {
  await instance?.stop();
  if (scratch) await removeTree(scratch);
});

test('cleanup removes what Image Builder removes and keeps what a marker protects', async () => {
  await sh('touch /tmp/skip_cleanup_ssh_files');
  const { plan } = await cleanInstance(instance);
  assert.deepEqual(plan.skipped, ['ssh_files']);
  assert.ok(plan.remove.includes('/var/lib/cloud/instance'), plan.remove.join(' '));
  assert.equal(await sh('cat /etc/ssh/ssh_host_ed25519_key'), 'secret\n');
  assert.equal(await sh('test -e /var/lib/cloud/instance && echo left || echo gone'), 'gone\n');
  assert.equal(await sh('wc -c < /var/log/kiln-build.log'), '0\n');
  assert.equal(await sh('wc -c < /etc/machine-id'), '0\n');
});

test('a layer holds the changes with OCI whiteouts, and the same changes give the same digest', async () => {
  layer = await captureLayer(instance.upperDir, store, { sourceDateEpoch: EPOCH });
  const entries = await entriesOf(layer.digest);
  assert.equal(entries.get('etc/kiln-added')?.content, 'kiln\n');
  assert.equal(entries.get('etc/motd')?.content, 'Built by Kiln\n');
  assert.equal(entries.get('etc/.wh.issue.net')?.type, 'file');
  assert.equal(entries.get('usr/share/doc/.wh.apt')?.type, 'file');
  assert.equal(entries.get('etc/default')?.type, 'dir');
  assert.equal(entries.get('etc/default/.wh..wh..opq')?.type, 'file');
  assert.equal(entries.get('etc/default/only')?.content, 'fresh\n');
  const link = [entries.get('etc/kiln-added'), entries.get('etc/kiln-hardlink')];
  assert.ok(
    link.some((e) => e?.type === 'link'),
    'one of the two names is a hard link',
  );
  for (const e of entries.values()) {
    assert.ok(e.mtime <= EPOCH, `${e.path} mtime ${e.mtime} is clamped`);
    assert.ok(![...e.xattrs.keys()].some((k) => k.startsWith('trusted.overlay.')), e.path);
  }
  assert.ok(entries.get('usr/local/bin/capped')?.xattrs.has('security.capability'), 'file capability kept');
  const whiteouts = [...entries.keys()].filter((p) => p.split('/').pop()!.startsWith('.wh.'));
  assert.equal(layer.whiteouts, whiteouts.length, whiteouts.join(' '));
  assert.deepEqual(whiteouts.sort(), [
    'etc/.wh.hostname', // Image Builder's cleanup (instance files)
    'etc/.wh.issue.net',
    'etc/default/.wh..wh..opq',
    'usr/share/doc/.wh.apt',
  ]);

  await sh('touch /etc/kiln-added /etc/motd /etc/default/only');
  const again = await captureLayer(instance.upperDir, store, { sourceDateEpoch: EPOCH });
  assert.equal(again.digest, layer.digest);
  assert.equal(again.diffId, layer.diffId);
  assert.equal(again.bytesWritten, 0);
});

test('the OCI archive and layout are accepted by skopeo, and layers apply onto the parent', async () => {
  base = await captureBaseLayer(parent, store, { sourceDateEpoch: EPOCH });
  const image = await writeOciImage(
    store,
    [
      { ...base, createdBy: 'debian:bookworm' },
      { ...layer, createdBy: 'kiln capture test' },
    ],
    { created: EPOCH, cmd: ['bash'], workingDir: '/root', labels: { 'org.kiln.test': 'yes' } },
  );
  const archive = join(scratch, 'out', 'image.oci.tar');
  await exportOciArchive(store, image, archive, { tag: 'test' });
  const skopeo = requireTool('skopeo', 'skopeo');
  const inspected = JSON.parse((await runChecked([skopeo, 'inspect', `oci-archive:${archive}`])).stdout);
  assert.deepEqual(inspected.Layers, [base.digest, layer.digest]);
  assert.equal(inspected.Labels['org.kiln.test'], 'yes');
  await exportOciLayout(store, image, join(scratch, 'out', 'layout'), 'test');
  const config = JSON.parse(
    (await runChecked([skopeo, 'inspect', '--config', `oci:${join(scratch, 'out', 'layout')}:test`])).stdout,
  );
  assert.deepEqual(config.rootfs.diff_ids, [base.diffId, layer.diffId]);
  assert.deepEqual(config.config.Cmd, ['bash']);

  const tree = join(scratch, 'tree');
  await mkdir(tree);
  await applyLayers(tree, [base, layer], store);
  assert.equal(await readFile(join(tree, 'etc/kiln-added'), 'utf8'), 'kiln\n');
  assert.equal(await readFile(join(tree, 'etc/motd'), 'utf8'), 'Built by Kiln\n');
  assert.equal(existsSync(join(tree, 'etc/issue.net')), false);
  assert.equal(existsSync(join(tree, 'usr/share/doc/apt')), false);
  assert.equal(existsSync(join(tree, 'usr/share/doc/dpkg')), true);
  assert.deepEqual((await runChecked(['ls', '-A', join(tree, 'etc/default')])).stdout, 'only\n');
  assert.equal(existsSync(join(tree, '.wh..wh..opq')), false);
  const getcap = await runChecked([requireTool('getcap', 'libcap2-bin'), join(tree, 'usr/local/bin/capped')]);
  assert.match(getcap.stdout, /cap_net_raw[=+]ep/);
  // the same tree as applying only the change layer to a copy of the parent
  const viaCopy = join(scratch, 'via-copy');
  await copyTree(parent, viaCopy);
  await applyLayers(viaCopy, [layer], store);
  const diff = await runProcess(['diff', '-r', '--no-dereference', '--exclude=dev', tree, viaCopy]);
  assert.equal(diff.exitCode, 0, diff.stdout + diff.stderr);
  const meta = async (dir: string) =>
    (
      await runChecked(['find', dir, '-printf', '%P %y %m %U:%G %l %s\\n'], { maxCaptureBytes: 1 << 26 })
    ).stdout
      .split('\n')
      .sort();
  const [a, b] = [await meta(tree), await meta(viaCopy)];
  const bSet = new Set(b);
  assert.deepEqual(
    a.filter((l) => !bSet.has(l)),
    [],
  );
  assert.equal(a.length, b.length);
});

test('disk images: a raw ext4 with the tree, and a qcow2 that passes qemu-img check', async () => {
  const tree = join(scratch, 'tree');
  const raw = await writeRawExt4(tree, join(scratch, 'out', 'disk.raw'), { sizeGiB: 1 });
  assert.equal(raw.sizeBytes, 1024 ** 3);
  assert.ok(raw.bytesWritten < raw.sizeBytes / 2, 'sparse');
  const debugfs = requireTool('debugfs', 'e2fsprogs');
  const cat = await runChecked([debugfs, '-R', 'cat /etc/kiln-added', raw.path]);
  assert.equal(cat.stdout, 'kiln\n');
  const qcow = await convertToQcow2(raw.path, join(scratch, 'out', 'disk.qcow2'));
  const info = JSON.parse(
    (await runChecked([requireTool('qemu-img', 'qemu-utils'), 'info', '--output=json', qcow.path])).stdout,
  );
  assert.equal(info.format, 'qcow2');
  assert.equal(info['virtual-size'], 1024 ** 3);
});
