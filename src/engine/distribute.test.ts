import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ManualClock } from '../core/clock.js';
import { listAmiRecords } from '../distribution/ami-store.js';
import type { DistributionEnvironment } from '../distribution/environment.js';
import { decryptBlob, encryptedBlobPath } from '../distribution/kms.js';
import { TransientError } from '../distribution/run.js';
import { DirectoryBlobStore } from '../images/blob-store.js';
import type { BuildContext } from './context.js';
import { copyAmiId, distributeImage } from './distribute.js';
import type { BuildEvent } from './image-build.js';

const ACCOUNT = '000000000000';
const OTHER = '111122223333';
const ARN = `arn:aws:imagebuilder:us-east-1:${ACCOUNT}:image/web/1.0.0/4`;

async function setup(distributions: unknown[]) {
  const dataDir = mkdtempSync(join(tmpdir(), 'kiln-distribute-'));
  const blobs = new DirectoryBlobStore(join(dataDir, 'blobs'));
  const [manifest, config, layer] = await Promise.all(
    ['{"manifest":1}', '{"config":1}', randomBytes(4096)].map((b) => blobs.put(Buffer.from(b))),
  );
  const keyFile = join(dataDir, 'k1.key');
  writeFileSync(keyFile, randomBytes(32).toString('base64'));
  const key = {
    keyId: 'k1',
    arn: `arn:aws:kms:us-west-2:${ACCOUNT}:key/k1`,
    region: 'us-west-2',
    accountId: ACCOUNT,
    aliases: ['alias/golden'],
    keyFile,
  };
  const env: DistributionEnvironment = {
    regions: ['us-east-1', 'us-west-2'],
    regionStores: {
      'us-east-1': { type: 'directory', path: join(dataDir, 'regions', 'us-east-1') },
      'us-west-2': { type: 'directory', path: join(dataDir, 'usw2') },
    },
    kmsKeys: [key],
    organizations: [],
    accounts: new Set([ACCOUNT, OTHER]),
  };
  const events: BuildEvent[] = [];
  const ctx = {
    request: { imageArn: ARN, account: ACCOUNT, region: 'us-east-1' },
    image: { name: 'web', distributionConfiguration: { distributions } },
    captured: {
      imageId: 'ami-00000000000000aaa',
      oci: {
        manifestDigest: manifest!.digest,
        configDigest: config!.digest,
        layers: [{ digest: layer!.digest }],
      },
      lowerDirs: [],
    },
    blobs,
    paths: { dataDir, regionsDir: join(dataDir, 'regions') },
    clock: new ManualClock(Date.UTC(2024, 0, 2, 3, 4, 5)),
    stage: 'DISTRIBUTION',
    emit: async (e: BuildEvent) => void events.push(e),
  } as unknown as BuildContext;
  const members = () =>
    Object.assign(
      {},
      ...events.filter((e) => e.kind === 'image').map((e) => (e as { members: object }).members),
    );
  return { ctx, env, dataDir, key, layer: layer!.digest, members };
}

describe('distributeImage', () => {
  it('copies to regions and accounts, encrypts with the key, reports every target', async () => {
    const { ctx, env, dataDir, key, layer, members } = await setup([
      {
        region: 'us-east-1',
        amiDistributionConfiguration: {
          name: 'web-{{imagebuilder:buildVersion}}',
          amiTags: { v: '{{imagebuilder:buildVersion}}' },
          launchPermission: { userIds: [OTHER] },
        },
      },
      {
        region: 'us-west-2',
        amiDistributionConfiguration: { kmsKeyId: 'alias/golden', targetAccountIds: [OTHER] },
        launchTemplateConfigurations: [{ launchTemplateId: 'lt-0123456789abcdef0', setDefaultVersion: true }],
      },
    ]);
    let ltCalls = 0;
    const out = await distributeImage(
      ctx,
      {
        env,
        retry: { attempts: 3, backoffMs: 1 },
        addLaunchTemplateVersion: async (r) => {
          ltCalls += 1;
          if (ltCalls === 1) throw new TransientError('busy');
          return { launchTemplateId: r.launchTemplateId, versionNumber: 2 };
        },
      },
      new AbortController().signal,
    );
    const west = copyAmiId(ARN, 'us-west-2', ACCOUNT);
    const westOther = copyAmiId(ARN, 'us-west-2', OTHER);
    assert.deepEqual(
      out.map((d) => [d.region, d.image, d.accountId, d.status]),
      [
        ['us-east-1', 'ami-00000000000000aaa', ACCOUNT, 'Completed'],
        ['us-west-2', west, ACCOUNT, 'Completed'],
        ['us-west-2', westOther, OTHER, 'Completed'],
      ],
    );
    const m = members();
    assert.equal(m.outputResources.amis[0].name, 'web-4');
    assert.equal(m.outputResources.amis.length, 3);
    assert.deepEqual(
      m.kilnDistribution.map((r: { target: string; attempts: number }) => [r.target, r.attempts]),
      [
        [`ami copy ami-00000000000000aaa`, 1],
        [`ami copy ${west}`, 1],
        [`copy ${westOther} for ${OTHER}`, 1],
        ['launch template lt-0123456789abcdef0', 2],
      ],
    );
    assert.deepEqual(m.kilnLaunchPermissions, [
      { region: 'us-east-1', amiId: 'ami-00000000000000aaa', launchPermission: { userIds: [OTHER] } },
    ]);
    const records = await listAmiRecords(dataDir);
    assert.equal(records.length, 3);
    assert.deepEqual(records.find((r) => r.region === 'us-east-1')?.tags, { v: '4' });
    assert.equal(records.find((r) => r.image === westOther)?.kmsKeyArn, key.arn);
    // The plain copy is the blob itself; the encrypted copy's bytes differ and decrypt to the digest.
    const plain = readFileSync(join(dataDir, 'regions', 'us-east-1', 'blobs', 'sha256', layer.slice(7)));
    const sealed = readFileSync(encryptedBlobPath(join(dataDir, 'usw2'), 'k1', layer));
    assert.notDeepEqual(sealed, plain);
    assert.deepEqual(
      decryptBlob(Buffer.from(readFileSync(key.keyFile, 'utf8'), 'base64'), 'k1', layer, sealed),
      plain,
    );
    assert.equal(
      existsSync(join(dataDir, 'usw2', 'blobs', 'sha256', layer.slice(7))),
      false,
      'no plaintext in the encrypted region',
    );
  });

  it('a failing target undoes none of the others; the step fails naming it', async () => {
    const { ctx, env, members, dataDir } = await setup([
      {
        region: 'us-west-2',
        ssmParameterConfigurations: [{ parameterName: '/golden/ami' }],
        launchTemplateConfigurations: [{ launchTemplateId: 'lt-0123456789abcdef0' }],
      },
    ]);
    await assert.rejects(
      distributeImage(ctx, { env, retry: { attempts: 3, backoffMs: 1 } }, new AbortController().signal),
      /distribution failed for 2 of 3 targets \(1 completed\): us-west-2 parameter \/golden\/ami: this engine was given no parameter store.*us-west-2 launch template lt-0123456789abcdef0: launch templates are not available/,
    );
    assert.equal(members().outputResources.amis.length, 1);
    assert.equal((await listAmiRecords(dataDir, 'us-west-2')).length, 1);
  });

  it('a preflight failure names the member', async () => {
    const { ctx, env } = await setup([
      { region: 'us-west-2', amiDistributionConfiguration: { kmsKeyId: 'alias/nope' } },
    ]);
    await assert.rejects(
      distributeImage(ctx, { env }, new AbortController().signal),
      /'distributions\[0\]\.amiDistributionConfiguration\.kmsKeyId'.*not a KMS key/,
    );
  });
});
