/**
 * Reference-counted garbage collection and `kiln store check` against a real server: images
 * sharing a layer (imports of the same root tar), deletions that free exactly the blobs nothing
 * else references, a collection killed with SIGKILL mid-deletion, and damage check finds.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { lstat, open, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  CreateLifecyclePolicyCommand,
  DeleteImageCommand,
  GetImageCommand,
  ImportVmImageCommand,
} from '@aws-sdk/client-imagebuilder';
import {
  amiRecordFile,
  listAmiRecords,
  readAmiRecord,
  removeAmiRecord,
} from '../../src/distribution/ami-store.js';
import { removeTree } from '../../src/host/fs.js';
import { runChecked } from '../../src/host/process.js';
import { DirectoryBlobStore } from '../../src/images/blob-store.js';
import { diskUsage } from '../../src/images/gc/gc.fixture.js';
import { journalFile } from '../../src/images/gc/journal.js';
import {
  KILN_BIN,
  REPO_ROOT,
  type ServerProcess,
  sdkClient,
  startServerProcess,
  tempDir,
} from '../support/kiln-server.js';

let server: ServerProcess;
let work: string;
let dataDir: string;
const cacheDir = tempDir('store-gc-cache');
const env = { KILN_CACHE_DIR: cacheDir };
const main = () => new DirectoryBlobStore(join(dataDir, 'blobs'));

function kiln(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const e: Record<string, string | undefined> = {
    ...process.env,
    ...env,
    KILN_ENDPOINT: server.url,
    KILN_DATA_DIR: dataDir,
  };
  for (const k of [
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'KILN_ACCESS_KEY_ID',
    'KILN_SECRET_ACCESS_KEY',
  ])
    delete e[k];
  return new Promise((resolve) =>
    execFile(process.execPath, [KILN_BIN, ...args], { cwd: work, env: e }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 125) : 0, stdout, stderr }),
    ),
  );
}

async function rootTar(name: string, content: string): Promise<void> {
  mkdirSync(join(work, name, 'etc'), { recursive: true });
  writeFileSync(join(work, name, 'etc', 'os-release'), `ID=${name}\n`);
  writeFileSync(join(work, name, 'etc', 'payload'), content.repeat(4000));
  await runChecked([
    'tar',
    '--create',
    `--file=${join(work, `${name}.tar`)}`,
    `--directory=${join(work, name)}`,
    '.',
  ]);
}

/** Imports a tar; returns the image ARN and its id (`ami-…`). */
async function importImage(tar: string, name: string, version: string) {
  const r = await kiln('image', 'import', `${tar}.tar`, '--name', name, '--version', version);
  assert.equal(r.code, 0, r.stderr);
  const arn = (/imported (\S+)/.exec(r.stdout) as RegExpExecArray)[1] as string;
  const record = (await listAmiRecords(dataDir)).find((a) => a.imageArn === arn);
  assert.ok(record, `no AMI record for ${arn}`);
  return { arn, id: record.image, region: record.region };
}

/** manifest, config and layers of an image, read from its image directory's layout. */
async function closure(id: string): Promise<string[]> {
  const dir = join(dataDir, 'images', id);
  const { manifestDigest } = JSON.parse(await readFile(join(dir, 'image.json'), 'utf8')) as {
    manifestDigest: string;
  };
  const blob = (d: string) => join(dir, 'oci', 'blobs', 'sha256', d.slice(7));
  const m = JSON.parse(await readFile(blob(manifestDigest), 'utf8')) as {
    config: { digest: string };
    layers: { digest: string }[];
  };
  return [manifestDigest, m.config.digest, ...m.layers.map((l) => l.digest)];
}

/** Disk usage of the artifact store (images, blobs, regions), hard links counted once. */
async function artifactUsage(): Promise<number> {
  const seen = new Set<string>();
  let total = 0;
  for (const d of ['images', 'blobs', 'regions']) total += await diskUsage(join(dataDir, d), seen);
  return total;
}

/** What deleting `id` must free: its blobs no other image uses, and its directory's own files. */
async function expectedFreed(id: string, others: string[]): Promise<number> {
  const kept = new Set((await Promise.all(others.map(closure))).flat());
  let bytes = 0;
  for (const d of new Set(await closure(id)))
    if (!kept.has(d)) bytes += (await lstat(main().localPath(d as never))).size;
  for (const f of ['image.json', join('oci', 'index.json'), join('oci', 'oci-layout')])
    bytes += (await lstat(join(dataDir, 'images', id, f))).size;
  return bytes;
}

async function until(what: string, ok: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

async function deleteImage(image: { arn: string; id: string }): Promise<void> {
  await sdkClient(server).send(new DeleteImageCommand({ imageBuildVersionArn: image.arn }));
  await until(`${image.id}'s directory and collection`, () => !existsSync(join(dataDir, 'images', image.id)));
}

before(async () => {
  server = await startServerProcess({ env });
  dataDir = server.dataDir;
  work = tempDir('store-gc');
  await rootTar('alpha', 'a');
  await rootTar('beta', 'b');
  await rootTar('gamma', 'g');
});

after(async () => {
  await server?.stop();
  await removeTree(dataDir ?? '/nonexistent-kiln');
  if (work) await removeTree(work);
  await removeTree(cacheDir);
});

test('deletions free exactly the blobs nothing references; a SIGKILLed collection is finished at restart', async () => {
  const a1 = await importImage('alpha', 'alpha', '1.0.0');
  const a2 = await importImage('alpha', 'alpha', '1.0.1');
  const b1 = await importImage('beta', 'beta', '1.0.0');
  const [a1c, a2c] = [await closure(a1.id), await closure(a2.id)];
  assert.equal(a1c[2], a2c[2], 'the two alpha imports share their layer');
  const fresh = await kiln('store', 'check');
  assert.equal(fresh.code, 0, fresh.stdout + fresh.stderr);

  // An AMI outlives its image (as in AWS): DeleteImage alone frees only the image directory.
  const dirOnly = await expectedFreed(a2.id, [a2.id]);
  let before = await artifactUsage();
  await deleteImage(a2);
  assert.equal(before - (await artifactUsage()), dirOnly);
  for (const d of a2c) assert.equal(await main().has(d as never), true, `${d} is kept for the AMI`);

  // Deregistered first (what lifecycle's includeResources.amis does), then deleted: the shared
  // layer stays for alpha 1.0.1's AMI, the rest of alpha 1.0.0 goes.
  const freedA1 =
    (await expectedFreed(a1.id, [b1.id])) - (await lstat(main().localPath(a1c[2] as never))).size;
  await removeAmiRecord(dataDir, a1.region, a1.id);
  before = await artifactUsage();
  await deleteImage(a1);
  await until('alpha 1.0.0 blobs collected', async () => !(await main().has(a1c[0] as never)));
  assert.equal(before - (await artifactUsage()), freedA1);
  assert.equal(await main().has(a1c[2] as never), true);

  // beta shares nothing: every blob of it goes.
  const freedB1 = await expectedFreed(b1.id, []);
  const b1c = await closure(b1.id);
  await removeAmiRecord(dataDir, b1.region, b1.id);
  before = await artifactUsage();
  await deleteImage(b1);
  await until('beta blobs collected', async () => !(await main().has(b1c[2] as never)));
  assert.equal(before - (await artifactUsage()), freedB1);
  const clean = await kiln('store', 'check');
  assert.equal(clean.code, 0, clean.stdout + clean.stderr);

  // A collection in another process, killed with SIGKILL after 2 of its deletions.
  await removeAmiRecord(dataDir, a2.region, a2.id);
  for (let i = 0; i < 5; i++) await main().put(Buffer.from(`orphan ${i}`));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(REPO_ROOT, 'test/e2e/store-gc-child.ts'), dataDir, cacheDir, '2'],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('"paused"')) resolve();
    });
    child.once('exit', () => reject(new Error(`the collection ended before pausing: ${out}`)));
  });
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  assert.deepEqual(JSON.parse(out.trim()), { paused: 2, total: 8 });
  assert.equal(existsSync(journalFile(dataDir)), true);
  const damaged = await kiln('store', 'check');
  assert.equal(damaged.code, 1);
  assert.match(
    damaged.stdout,
    /journal: gc: a garbage collection started .* did not finish \(8 files to delete\)/,
  );
  assert.match(damaged.stdout, /dangling: main/);

  await server.stop();
  server = await startServerProcess({ dataDir, env });
  assert.equal(existsSync(journalFile(dataDir)), false, 'the restart finished the journal');
  const after = await kiln('store', 'check');
  assert.equal(after.code, 0, after.stdout + after.stderr);
  assert.match(after.stdout, /the store is clean/);
  for (const d of a2c) assert.equal(await main().has(d as never), false);
});

/** Imports a tar with ImportVmImage and `tags` (the CLI's import takes no tags). */
async function importTagged(tar: string, name: string, version: string, tags: Record<string, string>) {
  const answer = await sdkClient(server).send(
    new ImportVmImageCommand({
      name,
      semanticVersion: version,
      platform: 'Linux',
      vmImportTaskId: join(work, `${tar}.tar`),
      tags,
      clientToken: `${name}-${version}-${tar}-${Date.now()}`,
    }),
  );
  const arn = answer.imageArn as string;
  const record = (await listAmiRecords(dataDir)).find((a) => a.imageArn === arn);
  assert.ok(record, `no AMI record for ${arn}`);
  return { arn, id: record.image, region: record.region };
}

/**
 * What deleting `gone` (images and their AMIs) must free, computed from the manifests: blobs of
 * theirs no remaining image directory uses, their directories' own files and their AMI records.
 */
async function expectedFreedAll(gone: { id: string; region: string }[]) {
  const goneIds = new Set(gone.map((g) => g.id));
  const remaining = (await readdir(join(dataDir, 'images'))).filter(
    (d) => d.startsWith('ami-') && !goneIds.has(d),
  );
  const kept = new Set((await Promise.all(remaining.map(closure))).flat());
  const freedBlobs = new Set((await Promise.all(gone.map((g) => closure(g.id)))).flat());
  for (const d of kept) freedBlobs.delete(d);
  let bytes = 0;
  for (const d of freedBlobs) bytes += (await lstat(main().localPath(d as never))).size;
  for (const g of gone) {
    for (const f of ['image.json', join('oci', 'index.json'), join('oci', 'oci-layout')])
      bytes += (await lstat(join(dataDir, 'images', g.id, f))).size;
    bytes += (await lstat(amiRecordFile(dataDir, g.region, g.id))).size;
  }
  return { bytes, freedBlobs: [...freedBlobs], kept: [...kept] };
}

test('a lifecycle DELETE frees exactly the blobs nothing else references', async () => {
  await rootTar('shared', 's');
  await rootTar('solo', 'o');
  await rootTar('newest', 'n');
  const retire = { retire: 'yes' };
  // Four builds of retire/1.0.0, oldest first; COUNT 1 keeps only the newest of its recipe version.
  const r1 = await importTagged('shared', 'retire', '1.0.0', retire);
  const r2 = await importTagged('shared', 'retire', '1.0.0', retire);
  const r3 = await importTagged('solo', 'retire', '1.0.0', retire);
  const r4 = await importTagged('newest', 'retire', '1.0.0', retire);
  // Not selected (another tag value), sharing the layer of r1 and r2.
  const keeper = await importTagged('shared', 'keeper', '1.0.0', { retire: 'no' });
  const sharedLayer = (await closure(keeper.id))[2] as string;
  assert.equal((await closure(r1.id))[2], sharedLayer, 'r1 shares its layer with the unselected image');
  assert.equal((await closure(r2.id))[2], sharedLayer, 'r2 shares its layer with the unselected image');
  const soloLayer = (await closure(r3.id))[2] as string;
  const gone = [r1, r2, r3];
  const expected = await expectedFreedAll(gone);
  assert.ok(expected.freedBlobs.includes(soloLayer), 'the solo layer is among the freed blobs');
  assert.ok(!expected.freedBlobs.includes(sharedLayer), 'the shared layer is not');
  const client = sdkClient(server);
  try {
    const policy = await client.send(
      new CreateLifecyclePolicyCommand({
        name: 'retire-old',
        executionRole: 'lifecycle',
        resourceType: 'AMI_IMAGE',
        policyDetails: [
          {
            action: { type: 'DELETE', includeResources: { amis: true, snapshots: true } },
            filter: { type: 'COUNT', value: 1 },
          },
        ],
        resourceSelection: { tagMap: retire },
        clientToken: 'retire-old',
      }),
    );
    assert.match(policy.lifecyclePolicyArn ?? '', /:lifecycle-policy\/retire-old$/);

    const usage0 = await artifactUsage();
    const preview = await kiln('lifecycle', 'preview', 'retire-old');
    assert.equal(preview.code, 0, preview.stderr);
    const rows = preview.stdout.split('\n');
    for (const img of gone)
      assert.match(rows.find((r) => r.startsWith(img.arn)) ?? '', /\sDELETE\s+not among the newest 1/);
    assert.match(rows.find((r) => r.startsWith(r4.arn)) ?? '', /\sKEEP\s/);
    assert.ok(!preview.stdout.includes(keeper.arn), 'the unselected image is not in the plan');
    assert.match(preview.stdout, /0 DEPRECATE, 0 DISABLE, 3 DELETE, 0 SKIPPED, 1 KEEP/);
    assert.equal(await artifactUsage(), usage0, 'preview changed nothing on disk');
    for (const img of [...gone, r4, keeper]) {
      assert.equal(
        (await client.send(new GetImageCommand({ imageBuildVersionArn: img.arn }))).image?.state?.status,
        'AVAILABLE',
      );
      assert.ok(await readAmiRecord(dataDir, img.region, img.id), `${img.id} is still registered`);
    }

    const run = await kiln('lifecycle', 'run', 'retire-old', '--wait');
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^lce-[0-9a-f-]{36} SUCCESS\n/);
    for (const img of gone) assert.match(run.stdout, new RegExp(`${img.arn}\\s+DELETE\\s+SUCCESS`));
    for (const img of gone) {
      await assert.rejects(client.send(new GetImageCommand({ imageBuildVersionArn: img.arn })), {
        name: 'ResourceNotFoundException',
      });
      assert.equal(await readAmiRecord(dataDir, img.region, img.id), undefined, `${img.id} deregistered`);
    }
    for (const img of [r4, keeper]) {
      assert.equal(
        (await client.send(new GetImageCommand({ imageBuildVersionArn: img.arn }))).image?.state?.status,
        'AVAILABLE',
      );
      assert.ok(await readAmiRecord(dataDir, img.region, img.id), `${img.id} is still registered`);
    }
    // The image directories go with the worker's artifact cleanup, the blobs with the collection.
    await until('the deleted images collected', async () => {
      if (gone.some((g) => existsSync(join(dataDir, 'images', g.id)))) return false;
      for (const d of expected.freedBlobs) if (await main().has(d as never)) return false;
      return true;
    });
    assert.equal(usage0 - (await artifactUsage()), expected.bytes);
    assert.equal(await main().has(sharedLayer as never), true, 'the layer the unselected image uses stays');
    for (const d of expected.kept) assert.equal(await main().has(d as never), true, `${d} stays`);
    const check = await kiln('store', 'check');
    assert.equal(check.code, 0, check.stdout + check.stderr);
  } finally {
    client.destroy();
  }
});

test('kiln store check finds a removed and a corrupted blob; --repair restores what has a good copy', async () => {
  const g = await importImage('gamma', 'gamma', '1.0.0');
  const [manifest, config, layer] = await closure(g.id);
  await rm(main().localPath(config as never));
  const missing = await kiln('store', 'check', '--json');
  assert.equal(missing.code, 1);
  const report = JSON.parse(missing.stdout) as {
    problems: { kind: string; store: string; referencedBy?: string[] }[];
  };
  assert.deepEqual(
    report.problems.map((p) => [p.kind, p.store, p.referencedBy]),
    [['missing', 'main', [`image ${g.id}`, `AMI ${g.id} in ${g.region}`]]],
  );
  const repaired = await kiln('store', 'check', '--repair');
  assert.equal(repaired.code, 0, repaired.stdout);
  assert.match(repaired.stdout, /repaired missing: main/);
  assert.equal(await main().has(config as never), true);

  // A flipped byte hits every hard link of the file: no good copy is left, nothing is deleted.
  const handle = await open(main().localPath(layer as never), 'r+');
  await handle.write(Buffer.from([0xff]), 0, 1, 10);
  await handle.close();
  const corrupt = await kiln('store', 'check');
  assert.equal(corrupt.code, 1);
  assert.match(
    corrupt.stdout,
    new RegExp(`corrupt: main ${layer} \\(referenced by image ${g.id}, AMI ${g.id} in ${g.region}\\)`),
  );
  assert.equal((await kiln('store', 'check', '--repair')).code, 1);
  assert.equal(await main().has(layer as never), true);
  assert.equal(await main().has(manifest as never), true);
});
