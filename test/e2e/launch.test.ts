/**
 * Launch templates, launches and sharing through a real server: an imported image (a minimal
 * root tree: the host's dash and its libraries) shared with a second account, which lists it
 * with `owner: Shared` and launches it, while a third account can neither see nor launch it;
 * launch templates through the CLI; a disabled AMI refuses launches.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  GetImageCommand,
  type ImagebuilderClient,
  ImportVmImageCommand,
  ListImagesCommand,
} from '@aws-sdk/client-imagebuilder';
import { readAmiRecord, updateAmiRecord } from '../../src/distribution/ami-store.js';
import { runChecked } from '../../src/host/process.js';
import { requireTool } from '../../src/host/tools.js';
import { rejectsWith } from '../support/assert.js';
import { testCacheDir } from '../support/debian.js';
import {
  KILN_BIN,
  REPO_ROOT,
  removeDir,
  type ServerProcess,
  sdkClient,
  startServerProcess,
  tempDir,
} from '../support/kiln-server.js';

const OWNER = '111111111111';
const FRIEND = '222222222222';
const STRANGER = '333333333333';
const REGION = 'us-east-1';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A root tree with only /bin/sh (the host's dash) and what it links, plus a marker file. */
function miniRoot(dir: string): string {
  const root = join(dir, 'root');
  const copy = (from: string, to: string) => {
    mkdirSync(dirname(join(root, to)), { recursive: true });
    copyFileSync(realpathSync(from), join(root, to));
  };
  copy('/bin/dash', 'bin/sh');
  copy('/lib/x86_64-linux-gnu/libc.so.6', 'lib/x86_64-linux-gnu/libc.so.6');
  copy('/lib64/ld-linux-x86-64.so.2', 'lib64/ld-linux-x86-64.so.2');
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'etc', 'kiln-marker'), 'launched-from-kiln\n');
  return root;
}

describe('launch templates, launches and launch permissions', () => {
  let server: ServerProcess;
  let dir: string;
  const clients: Record<string, ImagebuilderClient> = {};
  let imageArn = '';
  let amiId = '';
  const kept: string[] = [];

  const kiln = (account: string, ...args: string[]): Promise<Run> =>
    new Promise((resolveRun) => {
      const env: Record<string, string | undefined> = {
        ...process.env,
        KILN_ENDPOINT: server.url,
        KILN_ACCESS_KEY_ID: `AKIA${account}`,
        KILN_SECRET_ACCESS_KEY: `secret-of-${account}`,
        KILN_CACHE_DIR: testCacheDir(),
        AWS_REGION: REGION,
      };
      delete env.AWS_ACCESS_KEY_ID;
      delete env.AWS_SECRET_ACCESS_KEY;
      execFile(process.execPath, [KILN_BIN, ...args], { cwd: REPO_ROOT, env }, (err, stdout, stderr) => {
        resolveRun({ code: err ? (typeof err.code === 'number' ? err.code : 125) : 0, stdout, stderr });
      });
    });

  /** `kiln instance run` that must succeed; remembers the kept instance for cleanup. */
  const run = async (account: string, ...args: string[]): Promise<Run & { instanceId: string }> => {
    const r = await kiln(account, 'instance', 'run', ...args);
    const json = args.includes('--json') && r.stdout.startsWith('{');
    const id = json
      ? (JSON.parse(r.stdout) as { instance: { instanceId: string } }).instance.instanceId
      : /instance (\S+) \(from ami-[0-9a-f]+\) is kept/.exec(r.stderr)?.[1];
    assert.ok(id, `kiln instance run ${args.join(' ')}: ${r.code}\n${r.stdout}\n${r.stderr}`);
    kept.push(id);
    return { ...r, instanceId: id };
  };

  before(async () => {
    requireTool('bwrap', 'bubblewrap');
    dir = tempDir('launch');
    const config = join(dir, 'kiln.yaml');
    writeFileSync(
      config,
      [
        `regions: [${REGION}, eu-west-1]`,
        'accessKeys:',
        ...[OWNER, FRIEND, STRANGER].map(
          (acct) =>
            `  - accessKeyId: AKIA${acct}\n    secretAccessKey: secret-of-${acct}\n    accountId: "${acct}"`,
        ),
      ].join('\n'),
    );
    server = await startServerProcess({ dataDir: join(dir, 'data'), args: ['--config', config] });
    for (const acct of [OWNER, FRIEND, STRANGER])
      clients[acct] = sdkClient(server, { accessKeyId: `AKIA${acct}`, secretAccessKey: `secret-of-${acct}` });
    const tar = join(dir, 'root.tar');
    await runChecked(['tar', '--create', `--file=${tar}`, `--directory=${miniRoot(dir)}`, '.']);
    const imported = await clients[OWNER]?.send(
      new ImportVmImageCommand({
        name: 'mini',
        semanticVersion: '1.0.0',
        platform: 'Linux',
        vmImportTaskId: `tar:${tar}`,
        clientToken: 'import-1',
      }),
    );
    imageArn = imported?.imageArn as string;
    const image = await clients[OWNER]?.send(new GetImageCommand({ imageBuildVersionArn: imageArn }));
    amiId = image?.image?.outputResources?.amis?.[0]?.image as string;
    assert.match(amiId, /^ami-[0-9a-f]{17}$/);
  });

  after(async () => {
    for (const id of kept) await kiln(OWNER, 'instance', 'stop', id);
    await server?.stop();
    removeDir(dir);
  });

  it('shares an AMI with one account only: it lists, reads and launches it, a third cannot', async () => {
    const shared = async (acct: string) =>
      (await clients[acct]?.send(new ListImagesCommand({ owner: 'Shared' })))?.imageVersionList ?? [];
    assert.deepEqual(await shared(FRIEND), []);
    const denied = await kiln(FRIEND, 'instance', 'run', '--image', amiId, '--', 'sh', '-c', 'echo hi');
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /ForbiddenException|Not authorized to launch/);

    const share = await kiln(OWNER, 'ami', 'share', amiId, '--user-id', FRIEND);
    assert.equal(share.code, 0, share.stderr);
    assert.equal(
      (await readAmiRecord(server.dataDir, REGION, amiId))?.launchPermission?.userIds?.[0],
      FRIEND,
    );

    const listed = await shared(FRIEND);
    assert.deepEqual(
      listed.map((i) => [i.name, i.owner]),
      [['mini', OWNER]],
    );
    const got = await clients[FRIEND]?.send(new GetImageCommand({ imageBuildVersionArn: imageArn }));
    assert.equal(got?.image?.arn, imageArn);
    const amis = await kiln(FRIEND, 'ami', 'list', '--json');
    assert.deepEqual(
      (JSON.parse(amis.stdout) as { images: { image: string; owned: boolean }[] }).images.map((a) => [
        a.image,
        a.owned,
      ]),
      [[amiId, false]],
    );

    const launched = await run(
      FRIEND,
      '--image',
      amiId,
      '--',
      'sh',
      '-c',
      'read m < /etc/kiln-marker; echo "$m"; exit 3',
    );
    assert.equal(launched.code, 3, 'the command’s exit status');
    assert.equal(launched.stdout, 'launched-from-kiln\n');
    assert.ok((await readAmiRecord(server.dataDir, REGION, amiId))?.lastLaunched, 'lastLaunched is recorded');

    assert.deepEqual(await shared(STRANGER), []);
    await rejectsWith(
      clients[STRANGER]?.send(new GetImageCommand({ imageBuildVersionArn: imageArn })) as Promise<unknown>,
      'ResourceNotFoundException',
    );
    const stranger = await kiln(STRANGER, 'instance', 'run', '--image', amiId, '--', 'sh', '-c', 'echo hi');
    assert.notEqual(stranger.code, 0);
    assert.match(stranger.stderr, /Not authorized to launch/);
    const strangerAmis = await kiln(STRANGER, 'ami', 'list', '--json');
    assert.deepEqual((JSON.parse(strangerAmis.stdout) as { images: unknown[] }).images, []);
  });

  it('launches from launch templates made with the CLI, by their default version', async () => {
    const created = await kiln(
      OWNER,
      'launch-template',
      'create',
      'web',
      '--image',
      amiId,
      '--description',
      'v1',
    );
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /created web \(lt-[0-9a-f]{17}\): default version 1/);
    const dup = await kiln(OWNER, 'launch-template', 'create', 'web', '--image', amiId);
    assert.match(dup.stderr, /ResourceAlreadyExistsException|already exists/);
    const v2 = await kiln(
      OWNER,
      'launch-template',
      'create-version',
      'web',
      '--instance-type',
      'kiln.micro',
      '--description',
      'v2',
    );
    assert.equal(v2.code, 0, v2.stderr);
    assert.match(v2.stdout, /created version 2 of web \(default: 1\)/);

    const first = await run(OWNER, '--launch-template', 'web', '--json', '--', 'sh', '-c', 'echo one');
    const one = JSON.parse(first.stdout) as {
      instance: { instanceType: string; launchTemplate: { versionNumber: number } };
    };
    assert.equal(one.instance.launchTemplate.versionNumber, 1);
    assert.equal(one.instance.instanceType, 'kiln.small');

    const setDefault = await kiln(OWNER, 'launch-template', 'set-default', 'web', '2');
    assert.equal(setDefault.code, 0, setDefault.stderr);
    const second = await run(OWNER, '--launch-template', 'web', '--json', '--', 'sh', '-c', 'echo two');
    const two = JSON.parse(second.stdout) as {
      instance: {
        instanceType: string;
        launchTemplate: { versionNumber: number };
        command: { stdout: string };
      };
    };
    assert.equal(two.instance.launchTemplate.versionNumber, 2);
    assert.equal(two.instance.instanceType, 'kiln.micro');
    assert.equal(two.instance.command.stdout, 'two\n');

    const noDelete = await kiln(OWNER, 'launch-template', 'delete', 'web', '--version', '2');
    assert.match(noDelete.stderr, /default version/);
    const got = await kiln(OWNER, 'launch-template', 'get', 'web');
    assert.match(got.stdout, /2 \(default\)/);
    assert.equal(
      (await kiln(FRIEND, 'launch-template', 'get', 'web')).code === 0,
      false,
      'templates are per account',
    );

    const list = await kiln(OWNER, 'instance', 'list');
    assert.ok(list.stdout.includes(second.instanceId), list.stdout);
    const stop = await kiln(OWNER, 'instance', 'stop', second.instanceId);
    assert.equal(stop.code, 0, stop.stderr);
    assert.ok(!(await kiln(OWNER, 'instance', 'list')).stdout.includes(second.instanceId));
  });

  it('refuses to launch a disabled AMI', async () => {
    await updateAmiRecord(server.dataDir, REGION, amiId, { state: 'disabled' });
    try {
      const r = await kiln(OWNER, 'instance', 'run', '--image', amiId, '--rm', '--', 'sh', '-c', 'echo hi');
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /disabled and cannot be launched/);
    } finally {
      await updateAmiRecord(server.dataDir, REGION, amiId, { state: 'available' });
    }
    const again = await kiln(
      OWNER,
      'instance',
      'run',
      '--image',
      amiId,
      '--rm',
      '--',
      'sh',
      '-c',
      'echo back',
    );
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, 'back\n');
  });
});
