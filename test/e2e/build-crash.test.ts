/**
 * A build killed with kill -9 mid-step (the engine in a child process) leaves nothing behind
 * once the next engine starts (createImageBuildEngine reaps on creation): no mounts, no
 * processes, no cgroups, no instance records, no partial image; and the same recipe builds.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { randomBytes } from 'node:crypto';
import { makeTempDir, removeTree } from '../../src/host/fs.js';
import { currentMounts, mountsUnder } from '../../src/host/mount.js';
import { runProcess } from '../../src/host/process.js';
import type { InstanceRecord } from '../../src/instances/bwrap/registry.js';
import { sharedBookworm, testCacheDir } from '../support/debian.js';
import { componentRecord, engineFor, imageRequest } from './build-support.js';

const token = randomBytes(6).toString('hex');
// The shared apt cache is bind-mounted into every build instance: the first build leaves a
// flag there and sleeps; the next build of the same recipe sees the flag and goes straight on.
const flag = `/var/cache/apt/kiln-crash-${token}`;
const DOCUMENT = `name: crash-sleeper
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: SleepOnce
        action: ExecuteBash
        inputs:
          commands:
            - echo hello > /etc/kiln-crash-was-here
            - if [ ! -e ${flag} ]; then touch ${flag}; echo kiln-crash-$((40 + 2)); sleep 300; fi # kiln-crash-marker
`;

const cacheDir = testCacheDir();
const stateDir = join(cacheDir, 'instances');
let dataDir: string;

before(async () => {
  await sharedBookworm();
  dataDir = await makeTempDir('kiln-build-crash-');
});

after(async () => {
  await rm(join(cacheDir, 'apt', 'cache', `kiln-crash-${token}`), { force: true });
  if (dataDir) await removeTree(dataDir);
});

const recordsOf = (pid: number): InstanceRecord[] =>
  existsSync(stateDir)
    ? readdirSync(stateDir)
        .filter((n) => n.endsWith('.json'))
        .flatMap((n) => {
          try {
            return [JSON.parse(readFileSync(join(stateDir, n), 'utf8')) as InstanceRecord];
          } catch {
            return [];
          }
        })
        .filter((r) => r.owner.pid === pid)
    : [];

/** Processes whose cgroup is one of the instance's, or whose command line carries the marker. */
const leftoverProcesses = (ids: readonly string[]): string[] =>
  readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        const cgroup = readFileSync(`/proc/${p}/cgroup`, 'utf8');
        const cmdline = readFileSync(`/proc/${p}/cmdline`, 'utf8');
        return ids.some((id) => cgroup.includes(`kiln-${id}`)) || cmdline.includes('kiln-crash-marker');
      } catch {
        return false;
      }
    });

test(
  'a build killed with SIGKILL mid-step leaves no mounts, processes or partial images; the next build works',
  {
    timeout: 300_000,
  },
  async () => {
    const documentFile = join(dataDir, 'crash-sleeper.yaml');
    await writeFile(documentFile, DOCUMENT);
    let pid = 0;
    let records: InstanceRecord[] = [];
    const child = await runProcess(
      [
        process.execPath,
        '--import',
        'tsx',
        join(import.meta.dirname, 'build-crash-child.ts'),
        dataDir,
        cacheDir,
        documentFile,
      ],
      {
        cwd: join(import.meta.dirname, '../..'),
        timeoutMs: 240_000,
        onSpawn: (p) => {
          pid = p;
        },
        onStdoutLine: (line) => {
          // The component's output (its source says $((40 + 2)), so an echoed command never matches).
          if (!line.includes('kiln-crash-42') || records.length > 0) return;
          // The component is sleeping in its instance: note what the engine recorded, then kill -9.
          records = recordsOf(pid);
          process.kill(pid, 'SIGKILL');
        },
      },
    );
    assert.equal(
      child.signal,
      'SIGKILL',
      `the child was not killed mid-step:\n${child.stdout}\n${child.stderr}`,
    );
    assert.ok(records.length > 0, 'the running build had recorded its instance');
    const ids = records.map((r) => r.id);
    assert.ok(
      records.every((r) => r.cgroups && r.cgroups.length > 0),
      'build instances run in their own cgroups',
    );

    // Nothing was published: image directories appear only by rename of a finished one.
    const imagesDir = join(dataDir, 'images');
    const visible = existsSync(imagesDir) ? (await readdir(imagesDir)).filter((n) => !n.startsWith('.')) : [];
    assert.deepEqual(visible, []);

    // The next engine reaps the dead build's leftovers when it starts, then builds the same recipe.
    const build = engineFor({ dataDir, cacheDir }, [componentRecord('crash-sleeper', DOCUMENT)]);
    const next = await build(imageRequest({ name: 'crash-image', components: [{ name: 'crash-sleeper' }] }));
    assert.equal(next.outcome.status, 'AVAILABLE', next.outcome.reason);

    const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
    for (const r of records) {
      assert.ok(!mountinfo.includes(r.id), `a mount of ${r.id} is left`);
      assert.deepEqual(mountsUnder(r.scratchDir), []);
      assert.equal(existsSync(r.scratchDir), false, `scratch ${r.scratchDir} is left`);
      assert.equal(existsSync(join(stateDir, `${r.id}.json`)), false, `record of ${r.id} is left`);
      for (const dir of r.cgroups ?? []) assert.equal(existsSync(dir), false, `cgroup ${dir} is left`);
    }
    assert.deepEqual(mountsUnder(dataDir), []);
    assert.ok(!currentMounts().some((m) => m.mountPoint.startsWith(dataDir)));
    assert.deepEqual(leftoverProcesses(ids), []);
    // Exactly the new build's image is visible, complete, and no staging directory is left.
    const entries = await readdir(imagesDir);
    assert.equal(entries.length, 1, entries.join(', '));
    const artifacts = next.image.kilnArtifacts as Record<string, string>;
    for (const file of ['image.json', 'image.oci.tar', 'disk.raw', 'disk.qcow2'])
      assert.ok(existsSync(join(imagesDir, artifacts.imageId as string, file)), `${file} is published`);
  },
);
