/**
 * The agent-backed InstanceFs needs only `exec`, so it runs here in a bwrap sandbox (fast), where
 * its answers can be checked against the bwrap InstanceFs on the same tree; the boot test
 * (test/e2e/boot-test.test.ts) runs it in a QEMU VM.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { agentInstanceFs, instanceFsFor, treeVisibleOnHost } from './fs-agent.js';
import { InstanceFsError } from './fs-errors.js';
import type { InstanceFs } from './instance-fs.js';
import { launchTestSandbox, type TestSandbox } from './test-sandbox.js';

let sb: TestSandbox;
let agent: InstanceFs;

before(async () => {
  sb = await launchTestSandbox();
  agent = agentInstanceFs(sb.instance);
  await sb.sh(
    [
      "echo 'kilnuser:x:4242:4343::/home/kilnuser:/bin/sh' >> /etc/passwd",
      "echo 'kilngrp:x:4343:' >> /etc/group",
    ].join('\n'),
  );
});

after(() => sb?.stop());

/** The outcome of a call as a comparable value: its result, or the error code and message. */
async function outcome(call: () => Promise<unknown>): Promise<unknown> {
  try {
    const value = await call();
    return Buffer.isBuffer(value) ? { bytes: value.toString('hex') } : { value };
  } catch (err) {
    assert.ok(err instanceof InstanceFsError, String(err));
    return { code: err.code, path: err.path, message: err.message };
  }
}

test('picks the host-side InstanceFs for a sandbox and the agent one when the tree is not visible', () => {
  assert.equal(treeVisibleOnHost(sb.instance), true);
  assert.notEqual(instanceFsFor(sb.instance).constructor.name, agent.constructor.name);
  const vmLike = Object.create(sb.instance, {
    rootDir: {
      get() {
        throw new Error('a VM');
      },
    },
  });
  assert.equal(treeVisibleOnHost(vmLike), false);
  assert.equal(instanceFsFor(vmLike).constructor.name, agent.constructor.name);
});

test('reads answer exactly as the bwrap InstanceFs does, errors included', async () => {
  const binary = randomBytes(3 * 1024 * 1024 + 17);
  await sb.fs.mkdir('/cmp/d/inner');
  await sb.fs.writeFile('/cmp/bin', binary);
  await sb.sh(
    [
      'cd /cmp && echo x > d/f && chmod 4751 d/f && ln -s d/f link && ln -s /etc abs && ln -s nowhere dangling',
      'ln -s loop1 loop2 && ln -s loop2 loop1 && ln -s ../../../../.. up && chown 4242:4343 d/f',
    ].join('\n'),
  );
  const paths = [
    '/cmp/bin',
    '/cmp/d',
    '/cmp/d/f',
    '/cmp/link',
    '/cmp/abs/passwd',
    '/cmp/dangling',
    '/cmp/loop1',
    '/cmp/up/etc/hostname',
    '/cmp/d/f/below',
    '/cmp/missing/../x',
    '/proc/self/status',
    '/cmp/d/./inner/../f',
    'cmp/d/f',
  ];
  const calls: [string, (fs: InstanceFs, p: string) => Promise<unknown>][] = [
    ['stat', (fs, p) => fs.stat(p)],
    ['lstat', (fs, p) => fs.lstat(p)],
    ['realpath', (fs, p) => fs.realpath(p)],
    ['readFile', (fs, p) => fs.readFile(p)],
    ['readdir', (fs, p) => fs.readdir(p)],
    ['readlink', (fs, p) => fs.readlink(p)],
    ['glob', (fs, p) => fs.glob(`${p}/*`)],
  ];
  for (const path of paths) {
    for (const [name, call] of calls) {
      assert.deepEqual(
        await outcome(() => call(agent, path)),
        await outcome(() => call(sb.fs, path)),
        `${name} ${path}`,
      );
    }
  }
});

test('writes: large and streamed files, modes, links, owners, moves, error codes', async () => {
  const big = randomBytes(2 * 1024 * 1024 + 5);
  await agent.mkdir('/w/a/b', { mode: 0o750 });
  await agent.writeFile('/w/a/b/big', big, { mode: 0o600 });
  assert.ok((await sb.fs.readFile('/w/a/b/big')).equals(big));
  assert.equal(await sb.sh("stat -c '%a' /w/a /w/a/b /w/a/b/big"), '750\n750\n600\n');
  async function* pieces() {
    for (let i = 0; i < 5; i++) yield Buffer.alloc(300 * 1024, 65 + i);
  }
  await agent.writeFile('/w/streamed', pieces());
  const streamed = await sb.fs.readFile('/w/streamed');
  assert.equal(streamed.length, 5 * 300 * 1024);
  assert.equal(streamed.subarray(-1).toString(), 'E');
  await agent.writeFile('/w/empty', '');
  assert.deepEqual(await sb.fs.stat('/w/empty'), { type: 'file', mode: 0o644, size: 0, uid: 0, gid: 0 });
  await agent.appendFile('/w/empty', 'more');
  assert.equal(await sb.sh('cat /w/empty'), 'more');
  await agent.symlink('/etc/hostname', '/w/link');
  // copy follows a link at the destination, as a process in the instance would.
  await agent.copy('/w/empty', '/w/link');
  assert.equal(await sb.sh('cat /etc/hostname; test -L /w/link && echo " via link"'), 'more via link\n');
  await agent.copy('/w/a', '/w/copy');
  assert.equal(await sb.sh("stat -c '%a' /w/copy/b /w/copy/b/big"), '750\n600\n');
  await agent.chown('/w/copy', { user: 'kilnuser' }, { recursive: true });
  await agent.chmod('/w/copy', 0o700, { recursive: true });
  assert.equal(await sb.sh("stat -c '%a %U %G' /w/copy/b/big"), '700 kilnuser kilngrp\n');
  await agent.rename('/w/copy', '/tmp/moved');
  assert.equal(await sb.sh('ls /tmp/moved/b; test -e /w/copy || echo gone'), 'big\ngone\n');
  await agent.rm('/tmp/moved', { recursive: true });
  const codes = await Promise.all(
    [
      () => agent.rm('/w/a'),
      () => agent.rmdir('/w/a'),
      () => agent.rm('/tmp', { recursive: true }),
      () => agent.symlink('x', '/w/empty'),
      () => agent.copy('/w/a', '/w/a/b/again'),
      () => agent.writeFile('/w/none/f', 'x'),
      () => agent.appendFile('/w/none', 'x'),
      () => agent.mkdir('/w/empty/sub'),
      () => agent.chown('/w/empty', { user: 'nosuchuser' }),
      () => agent.writeFile('/dev/null', 'x'),
    ].map(async (call) => ((await outcome(call)) as { code?: string }).code ?? 'ok'),
  );
  assert.deepEqual(codes, [
    'EISDIR',
    'ENOTEMPTY',
    'EINVAL',
    'EEXIST',
    'EINVAL',
    'ENOENT',
    'ENOENT',
    'ENOTDIR',
    'ENOACCOUNT',
    'EUNREACHABLE',
  ]);
});

const DIR = fileURLToPath(new URL('../../../test/fixtures/toe/', import.meta.url));
/** The file-system fixtures, which fixtures-files.test.ts runs with the bwrap InstanceFs. */
const FIXTURES = readdirSync(DIR).filter((f) => /^([5-9]\d)-.*\.yaml$/.test(f));

test('the file-module fixtures end the same way with the agent InstanceFs', async () => {
  assert.ok(FIXTURES.length >= 40, `only ${FIXTURES.length} fixtures`);
  for (const file of FIXTURES.sort()) {
    const expect = JSON.parse(readFileSync(`${DIR}${file.replace(/\.yaml$/, '.expect.json')}`, 'utf8')) as {
      status: string;
      steps?: Record<string, string>;
      files?: Record<string, { content?: string } | null>;
    };
    const fresh = await launchTestSandbox();
    try {
      const r = await fresh.run([{ path: file, text: readFileSync(`${DIR}${file}`, 'utf8') }], {
        fs: agentInstanceFs(fresh.instance),
      });
      assert.equal(r.summary.status, expect.status, `${file}: ${r.summary.failureMessage}`);
      const steps = r.record.documents[0]?.phases.flatMap((p) => p.steps) ?? [];
      for (const [name, status] of Object.entries(expect.steps ?? {}))
        assert.equal(steps.find((s) => s.name === name)?.status, status, `${file}: step ${name}`);
      for (const [path, want] of Object.entries(expect.files ?? {})) {
        const seen = await outcome(() => fresh.fs.readFile(path));
        if (want === null) assert.equal((seen as { code?: string }).code, 'ENOENT', `${file}: ${path}`);
        else if (want.content !== undefined)
          assert.deepEqual(seen, { bytes: Buffer.from(want.content).toString('hex') }, `${file}: ${path}`);
      }
    } finally {
      await fresh.stop();
    }
  }
});
