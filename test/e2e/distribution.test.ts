/**
 * Distribution through a real `kiln server` and a really built image: two regions (one of them
 * encrypted at rest with a config KMS key), a copy for a second account, launch permissions,
 * the preflight failing images in CREATING when the configuration no longer fits the server,
 * and DistributeImage of an existing image to a new region.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateComponentCommand,
  CreateDistributionConfigurationCommand,
  CreateImageCommand,
  CreateImageRecipeCommand,
  CreateInfrastructureConfigurationCommand,
  DistributeImageCommand,
  type Distribution,
  GetImageCommand,
  type ImagebuilderClient,
  ListImagesCommand,
} from '@aws-sdk/client-imagebuilder';
import { kilnCall } from '../../src/cli/kiln-http.js';
import { listAmiRecords } from '../../src/distribution/ami-store.js';
import { decryptBlob, encryptedBlobPath } from '../../src/distribution/kms.js';
import { runChecked } from '../../src/host/process.js';
import { requireSandboxTools, testCacheDir } from '../support/debian.js';
import {
  KILN_BIN,
  REPO_ROOT,
  type ServerProcess,
  sdkClient,
  startServerProcess,
  tempDir,
} from '../support/kiln-server.js';

const ACCOUNT = '000000000000';
const SECOND = '111122223333';
const TEMP_ACCOUNT = '444455556666';

/** The server's config: three regions, a key in us-west-2, a temporary key and account. */
const configYaml = (full: boolean) => `
regions: [us-east-1, us-west-2${full ? ', eu-west-1' : ''}]
kmsKeys:
  - keyId: golden-key
    region: us-west-2
    aliases: [alias/golden]
${full ? '  - {keyId: temp-key, region: us-east-1}\n' : ''}accessKeys:
  - {accessKeyId: AKIASECONDACCOUNT001, secretAccessKey: second-account-secret, accountId: '${SECOND}'}
${full ? `  - {accessKeyId: AKIATEMPACCOUNT00001, secretAccessKey: temp-account-secret, accountId: '${TEMP_ACCOUNT}'}\n` : ''}`;

const KEYS = {
  second: { accessKeyId: 'AKIASECONDACCOUNT001', secretAccessKey: 'second-account-secret' },
  third: { accessKeyId: 'AKIATEMPACCOUNT00001', secretAccessKey: 'temp-account-secret' },
};

let server: ServerProcess;
let client: ImagebuilderClient;
const dataDir = tempDir('distribution');
const configFile = join(dataDir, '..', `${dataDir.split('/').pop()}.yaml`);
let n = 0;
const token = () => `t${++n}`;

async function start(full: boolean) {
  writeFileSync(configFile, configYaml(full));
  server = await startServerProcess({ dataDir, args: ['--config', configFile] });
  client = sdkClient(server);
}

/** GetImage as the server answers it, with Kiln's extra members the SDK would drop. */
const rawImage = async (arn: string) =>
  (
    await kilnCall<{ image: Record<string, unknown> }>(
      {
        endpoint: server.url,
        region: 'us-east-1',
        credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
      },
      'GET',
      '/GetImage',
      { imageBuildVersionArn: arn },
    )
  ).image;

/** The `kiln` CLI as one account (the admin's keys by default) in a region. */
function kiln(
  args: string[],
  keys: { accessKeyId: string; secretAccessKey: string } = {
    accessKeyId: server.accessKeyId,
    secretAccessKey: server.secretAccessKey,
  },
  region = 'us-east-1',
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    KILN_ENDPOINT: server.url,
    KILN_ACCESS_KEY_ID: keys.accessKeyId,
    KILN_SECRET_ACCESS_KEY: keys.secretAccessKey,
    KILN_CACHE_DIR: testCacheDir(),
    AWS_REGION: region,
  };
  delete env.AWS_ACCESS_KEY_ID;
  delete env.AWS_SECRET_ACCESS_KEY;
  return new Promise((resolveRun) => {
    execFile(process.execPath, [KILN_BIN, ...args], { cwd: REPO_ROOT, env }, (err, stdout, stderr) => {
      resolveRun({ code: err ? (typeof err.code === 'number' ? err.code : 125) : 0, stdout, stderr });
    });
  });
}

async function settle(arn: string) {
  for (;;) {
    const image = (await client.send(new GetImageCommand({ imageBuildVersionArn: arn }))).image;
    const status = image?.state?.status ?? '';
    if (['AVAILABLE', 'FAILED', 'CANCELLED'].includes(status)) return image!;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function distributionConfiguration(name: string, distributions: Record<string, unknown>[]) {
  const out = await client.send(
    new CreateDistributionConfigurationCommand({
      name,
      // The tests pass Kiln's shapes as plain maps; the SDK's Distribution type is the same JSON.
      distributions: distributions as unknown as Distribution[],
      clientToken: token(),
    }),
  );
  return out.distributionConfigurationArn as string;
}

let recipeArn: string;
let infraArn: string;
let builtArn: string;

before(async () => {
  requireSandboxTools();
  await start(true);
  const component = await client.send(
    new CreateComponentCommand({
      name: 'dist-file',
      semanticVersion: '1.0.0',
      platform: 'Linux',
      data: `schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Write
        action: ExecuteBash
        inputs:
          commands: ["echo distributed > /etc/kiln-distributed"]
`,
      clientToken: token(),
    }),
  );
  recipeArn = (
    await client.send(
      new CreateImageRecipeCommand({
        name: 'dist',
        semanticVersion: '1.0.0',
        parentImage: 'debian:bookworm',
        components: [{ componentArn: component.componentBuildVersionArn }],
        clientToken: token(),
      }),
    )
  ).imageRecipeArn as string;
  infraArn = (
    await client.send(
      new CreateInfrastructureConfigurationCommand({
        name: 'dist',
        instanceProfileName: 'kiln',
        clientToken: token(),
      }),
    )
  ).infrastructureConfigurationArn as string;
});

after(async () => {
  client?.destroy();
  await server?.stop();
});

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('distribution', () => {
  it('distributes a built image to two regions, encrypted, to a second account, with permissions', async () => {
    const dist = await distributionConfiguration('two-regions', [
      {
        region: 'us-east-1',
        amiDistributionConfiguration: {
          name: 'dist-{{imagebuilder:buildVersion}}-{{imagebuilder:buildDate}}',
          amiTags: { team: 'web' },
          launchPermission: { userIds: [SECOND] },
        },
      },
      {
        region: 'us-west-2',
        amiDistributionConfiguration: { kmsKeyId: 'alias/golden', targetAccountIds: [SECOND] },
      },
    ]);
    const created = await client.send(
      new CreateImageCommand({
        imageRecipeArn: recipeArn,
        infrastructureConfigurationArn: infraArn,
        distributionConfigurationArn: dist,
        imageTestsConfiguration: { imageTestsEnabled: false },
        clientToken: token(),
      }),
    );
    builtArn = created.imageBuildVersionArn as string;
    const image = await settle(builtArn);
    assert.equal(image.state?.status, 'AVAILABLE', image.state?.reason);
    const amis = image.outputResources?.amis ?? [];
    assert.deepEqual(
      amis.map((a) => [a.region, a.accountId]),
      [
        ['us-east-1', ACCOUNT],
        ['us-west-2', ACCOUNT],
        ['us-west-2', SECOND],
      ],
    );
    assert.match(amis[0]?.name ?? '', /^dist-1-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z$/);
    const raw = await rawImage(builtArn);
    const report = raw.kilnDistribution as { region: string; status: string; attempts: number }[];
    assert.deepEqual(
      report.map((r) => [r.region, r.status]),
      [
        ['us-east-1', 'Completed'],
        ['us-west-2', 'Completed'],
        ['us-west-2', 'Completed'],
      ],
    );
    assert.deepEqual(raw.kilnLaunchPermissions, [
      { region: 'us-east-1', amiId: amis[0]?.image, launchPermission: { userIds: [SECOND] } },
    ]);

    const records = await listAmiRecords(server.dataDir);
    const east = records.find((r) => r.image === amis[0]?.image);
    const west = records.find((r) => r.image === amis[1]?.image);
    const westSecond = records.find((r) => r.image === amis[2]?.image);
    assert.deepEqual(east?.tags, { team: 'web' });
    assert.deepEqual(east?.launchPermission, { userIds: [SECOND] });
    assert.equal(west?.kmsKeyArn, `arn:aws:kms:us-west-2:${ACCOUNT}:key/golden-key`);
    assert.equal(westSecond?.accountId, SECOND);
    assert.deepEqual(westSecond?.blobs, west?.blobs, 'account copies share the blobs');
    // The encrypted copy's bytes differ from the plain one and decrypt to the same digests.
    const material = Buffer.from(
      readFileSync(join(server.dataDir, 'kms', 'golden-key.key'), 'utf8'),
      'base64',
    );
    assert.ok((west?.blobs?.length ?? 0) >= 3);
    for (const digest of west?.blobs ?? []) {
      const plain = readFileSync(
        join(server.dataDir, 'regions', 'us-east-1', 'blobs', 'sha256', digest.slice(7)),
      );
      const sealed = readFileSync(
        encryptedBlobPath(join(server.dataDir, 'regions', 'us-west-2'), 'golden-key', digest),
      );
      assert.notDeepEqual(sealed, plain);
      assert.equal(sha256(plain), digest);
      assert.equal(sha256(decryptBlob(material, 'golden-key', digest, sealed)), digest);
      assert.equal(
        existsSync(join(server.dataDir, 'regions', 'us-west-2', 'blobs', 'sha256', digest.slice(7))),
        false,
      );
    }
  });

  it('a second account lists the shared image and launches it; a third account can do neither', async () => {
    const amis = (await rawImage(builtArn)).outputResources as { amis: { image: string }[] };
    const [east, , westOfSecond] = amis.amis.map((a) => a.image);
    const second = sdkClient(server, KEYS.second);
    const third = sdkClient(server, KEYS.third);
    try {
      const shared = await second.send(new ListImagesCommand({ owner: 'Shared' }));
      assert.deepEqual(
        shared.imageVersionList?.map((i) => [i.arn, i.owner]),
        [[builtArn.replace(/\/\d+$/, ''), ACCOUNT]],
      );
      const none = await third.send(new ListImagesCommand({ owner: 'Shared' }));
      assert.deepEqual(none.imageVersionList ?? [], []);
    } finally {
      second.destroy();
      third.destroy();
    }
    const ran = await kiln(
      ['instance', 'run', '--image', east!, '--rm', '--', 'cat', '/etc/kiln-distributed'],
      KEYS.second,
    );
    assert.equal(ran.code, 0, ran.stderr);
    assert.equal(ran.stdout, 'distributed\n');
    // The second account's own (encrypted) copy in us-west-2 launches too.
    const own = await kiln(
      ['instance', 'run', '--image', westOfSecond!, '--rm', '--', 'cat', '/etc/kiln-distributed'],
      KEYS.second,
      'us-west-2',
    );
    assert.equal(own.code, 0, own.stderr);
    assert.equal(own.stdout, 'distributed\n');
    const refused = await kiln(['instance', 'run', '--image', east!, '--rm', '--', 'true'], KEYS.third);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /ForbiddenException/);
  });

  it('DistributeImage copies an existing image to a new region without building', async () => {
    const amis = (await rawImage(builtArn)).outputResources as { amis: { image: string }[] };
    const template = await kiln(['launch-template', 'create', 'web', '--image', amis.amis[0]!.image]);
    assert.equal(template.code, 0, template.stderr);
    const lt = /\((lt-[0-9a-f]{17})\)/.exec(template.stdout)?.[1] as string;
    const dist = await distributionConfiguration('new-region', [
      {
        region: 'eu-west-1',
        amiDistributionConfiguration: { name: 'again-{{imagebuilder:buildVersion}}' },
        s3ExportConfiguration: {
          roleName: 'kiln',
          diskImageFormat: 'VMDK',
          s3Bucket: 'golden-exports',
          s3Prefix: 'web/',
        },
      },
      {
        region: 'us-east-1',
        amiDistributionConfiguration: { name: 'again-{{imagebuilder:buildVersion}}' },
        launchTemplateConfigurations: [{ launchTemplateId: lt, setDefaultVersion: true }],
      },
    ]);
    const out = await client.send(
      new DistributeImageCommand({
        sourceImage: builtArn,
        distributionConfigurationArn: dist,
        executionRole: 'kiln',
        clientToken: token(),
      }),
    );
    const arn = out.imageBuildVersionArn as string;
    assert.match(arn, /image\/dist\/1\.0\.0\/2$/);
    const image = await settle(arn);
    assert.equal(image.state?.status, 'AVAILABLE', image.state?.reason);
    assert.deepEqual(
      image.outputResources?.amis?.map((a) => [a.region, a.name]),
      [
        ['eu-west-1', 'again-2'],
        ['us-east-1', 'again-2'],
      ],
    );
    // The launch template's new default version launches the new copy.
    const got = await kiln(['launch-template', 'get', 'web', '--json']);
    assert.equal(got.code, 0, got.stderr);
    assert.match(got.stdout, new RegExp(image.outputResources?.amis?.[1]?.image as string));
    const launched = await kiln([
      'instance',
      'run',
      '--launch-template',
      'web',
      '--rm',
      '--',
      'cat',
      '/etc/kiln-distributed',
    ]);
    assert.equal(launched.code, 0, launched.stderr);
    assert.equal(launched.stdout, 'distributed\n');
    const raw = await rawImage(arn);
    const statuses = (raw.stateTimings as { status: string }[]).map((t) => t.status);
    assert.ok(!statuses.includes('BUILDING'), `never built: ${statuses.join(' ')}`);
    assert.equal(raw.kilnArtifacts, undefined, "the copy does not claim the source's artifacts");
    const record = (await listAmiRecords(server.dataDir, 'eu-west-1'))[0];
    assert.equal(record?.imageArn, arn);
    // The disk export is a streamOptimized VMDK in the region's store.
    const vmdk = join(server.dataDir, 'regions', 'eu-west-1', record?.exports?.[0]?.path ?? 'missing');
    assert.equal(record?.exports?.[0]?.path, `exports/golden-exports/web/${record?.image}.vmdk`);
    const info = JSON.parse((await runChecked(['qemu-img', 'info', '--output=json', vmdk])).stdout) as {
      format: string;
    };
    assert.equal(info.format, 'vmdk');
    assert.equal((await settle(builtArn)).state?.status, 'AVAILABLE');
  });

  it('preflight: a configuration that no longer fits the server fails the image in CREATING', async () => {
    const configs = {
      region: await distributionConfiguration('gone-region', [{ region: 'eu-west-1' }]),
      key: await distributionConfiguration('gone-key', [
        { region: 'us-east-1', amiDistributionConfiguration: { kmsKeyId: 'temp-key' } },
      ]),
      account: await distributionConfiguration('gone-account', [
        { region: 'us-east-1', amiDistributionConfiguration: { targetAccountIds: [TEMP_ACCOUNT] } },
      ]),
    };
    // The server restarts without eu-west-1, temp-key and the temporary account.
    client.destroy();
    await server.stop();
    await start(false);
    const expected: [string, RegExp][] = [
      [configs.region, /'distributions\[0\]\.region'.*'eu-west-1' is not a region/],
      [
        configs.key,
        /'distributions\[0\]\.amiDistributionConfiguration\.kmsKeyId'.*'temp-key' is not a KMS key/,
      ],
      [
        configs.account,
        /'distributions\[0\]\.amiDistributionConfiguration\.targetAccountIds\[0\]'.*444455556666 is not known/,
      ],
    ];
    for (const [dist, reason] of expected) {
      const created = await client.send(
        new CreateImageCommand({
          imageRecipeArn: recipeArn,
          infrastructureConfigurationArn: infraArn,
          distributionConfigurationArn: dist,
          clientToken: token(),
        }),
      );
      const arn = created.imageBuildVersionArn as string;
      const image = await settle(arn);
      assert.equal(image.state?.status, 'FAILED');
      assert.match(image.state?.reason ?? '', /^CREATE stage: /);
      assert.match(image.state?.reason ?? '', reason);
      const statuses = ((await rawImage(arn)).stateTimings as { status: string }[]).map((t) => t.status);
      assert.ok(!statuses.includes('BUILDING'), `failed before the build: ${statuses.join(' ')}`);
    }
  });
});
