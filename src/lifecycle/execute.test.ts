/**
 * The executor over a real SQLite store and AMI records on disk: the generated 200-version
 * history (history.fixture.ts) is written as image resources and AMI records, one execution
 * runs, and the store must show exactly the reference's deprecate / disable / delete sets.
 * Also: resuming after a crash mid-deletion, and cancellation between images.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../core/clock.js';
import { parseVersion, versionSortKey } from '../core/semver.js';
import {
  type AmiRecord,
  listAmiRecords,
  readAmiRecord,
  removeAmiRecord,
  writeAmiRecord,
} from '../distribution/ami-store.js';
import { makeTempDir, removeTree } from '../host/fs.js';
import type { CallContext } from '../service/context.js';
import { HANDLERS } from '../service/index.js';
import { openSqliteStore } from '../store/sqlite/open.js';
import type { ResourceRecord, Store } from '../store/store.js';
import { TEST_CONFIG } from '../worker/testing.js';
import type { LifecycleDeps } from './apply.js';
import { expected, history, NOW, POLICY } from './history.fixture.js';
import { previewLifecycle } from './preview.js';
import {
  childParent,
  EXECUTION_KIND,
  type ExecutionBody,
  executionOf,
  imageResources,
  putResource,
  RESOURCE_KIND,
  type ResourceBody,
} from './records.js';
import { recoverLifecycleExecutions } from './recovery.js';
import { LifecycleRunner } from './runner.js';
import { startPolicyExecution } from './start.js';
import type { LifecycleImage, LifecyclePolicyInput } from './types.js';

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const ctx: CallContext = { account: ACCOUNT, region: REGION, requestId: 'r', operation: 'test' };

/** The fixture's history with real-looking ARNs and AMI ids (the AMI store wants hex ids). */
function storedHistory(): LifecycleImage[] {
  let k = 0;
  return history().map((image) => {
    const amis = image.amis.map((a) => ({
      ...a,
      id: `ami-${(0x10000000 + k++).toString(16)}`,
      accountId: ACCOUNT,
    }));
    return {
      ...image,
      arn: image.arn.replace('arn:aws:imagebuilder:r1:111:', `arn:aws:imagebuilder:${REGION}:${ACCOUNT}:`),
      amis,
      // In the store, "in use" is a launch template pointing at one of the image's AMIs.
      inUseByLaunchTemplate: image.inUseByLaunchTemplate === true && amis.length > 0,
    };
  });
}

/** POLICY with the AMIs included in deprecate and disable, so their states change too. */
const EXEC_POLICY: LifecyclePolicyInput = {
  ...POLICY,
  policyDetails: POLICY.policyDetails.map((d) =>
    d.action.type === 'DELETE' ? d : { ...d, action: { ...d.action, includeResources: { amis: true } } },
  ),
};

async function writeHistory(store: Store, dataDir: string, images: readonly LifecycleImage[]) {
  for (const image of images) {
    const build = Number(image.arn.split('/').pop());
    const record: Omit<ResourceRecord, 'latestBuild'> = {
      arn: image.arn,
      account: ACCOUNT,
      region: REGION,
      type: 'image',
      nameKey: image.recipeName,
      versionKey: versionSortKey(parseVersion(image.recipeVersion)),
      build,
      body: {
        arn: image.arn,
        name: image.recipeName,
        version: image.recipeVersion,
        type: 'AMI',
        state: { status: image.status },
        dateCreated: image.dateCreated,
        imageRecipe: { name: image.recipeName, version: image.recipeVersion },
        outputResources: {
          amis: image.amis.map((a) => ({ region: a.region, image: a.id, accountId: a.accountId })),
        },
      },
      tags: { ...image.tags },
      policy: undefined,
      dateCreated: image.dateCreated,
      dateUpdated: image.dateCreated,
    };
    await store.insert(record, []);
    for (const ami of image.amis) {
      const exportPath = `exports/${ami.id}.raw`;
      mkdirSync(join(dataDir, 'regions', ami.region, 'exports'), { recursive: true });
      writeFileSync(join(dataDir, 'regions', ami.region, exportPath), 'disk');
      await writeAmiRecord(dataDir, {
        region: ami.region,
        image: ami.id,
        name: `${image.recipeName}-${ami.id}`,
        accountId: ami.accountId,
        tags: {},
        manifestDigest: `sha256:${'a'.repeat(64)}`,
        blobs: [`sha256:${'a'.repeat(64)}`, `sha256:${'b'.repeat(64)}`],
        imageArn: image.arn,
        creationDate: new Date(image.dateCreated).toISOString(),
        ...(ami.isPublic ? { launchPermission: { userGroups: ['all'] } } : {}),
        exports: [{ format: 'RAW', path: exportPath }],
      });
    }
  }
}

interface World {
  dir: string;
  store: Store;
  deps: LifecycleDeps;
  clock: ManualClock;
  images: LifecycleImage[];
  policy: ResourceRecord;
  gcRuns: number;
  onPlan?: () => Promise<void>;
}

async function world(policyInput: LifecyclePolicyInput, name: string): Promise<World> {
  const dir = await makeTempDir('kiln-lifecycle-exec-');
  const store = await openSqliteStore(dir);
  const clock = new ManualClock(NOW);
  const images = storedHistory();
  const inUse = new Set(
    images.filter((i) => i.inUseByLaunchTemplate).map((i) => `${i.amis[0]?.region}/${i.amis[0]?.id}`),
  );
  const w = { dir, store, clock, images, gcRuns: 0 } as World;
  w.deps = {
    store,
    clock,
    config: TEST_CONFIG(dir),
    fetchDocument: async () => '',
    lifecycleHooks: {
      inUseByLaunchTemplates: async () => {
        await w.onPlan?.();
        return inUse;
      },
      collectGarbage: async () => {
        w.gcRuns++;
        return { removedBlobs: 0, freedBytes: 0 };
      },
    },
  };
  await writeHistory(store, dir, images);
  const made = await HANDLERS.CreateLifecyclePolicy?.(w.deps, ctx, {
    name,
    executionRole: 'lifecycle',
    resourceType: policyInput.resourceType,
    policyDetails: policyInput.policyDetails,
    resourceSelection: policyInput.resourceSelection,
    clientToken: name,
  });
  w.policy = (await store.getResource(String(made?.lifecyclePolicyArn))) as ResourceRecord;
  return w;
}

async function close(w: World | undefined) {
  await w?.store.close();
  if (w) await removeTree(w.dir);
}

const statusIn = async (store: Store, arn: string) =>
  ((await store.getResource(arn))?.body.state as { status?: string } | undefined)?.status;

describe('runLifecycleExecution over a 200-version history', () => {
  let w: World;
  let want: Record<string, string>;
  let executionId: string;
  const amisBefore = new Map<string, AmiRecord[]>();
  before(async () => {
    w = await world(EXEC_POLICY, 'history');
    want = expected(w.images);
    for (const r of await listAmiRecords(w.dir))
      amisBefore.set(r.imageArn, [...(amisBefore.get(r.imageArn) ?? []), r]);
    const preview = await previewLifecycle(w.deps, w.policy);
    const previewed = Object.fromEntries(
      preview.images.map((i) => [i.arn, i.outcome === 'ACT' ? String(i.action) : i.outcome]),
    );
    assert.deepEqual(previewed, want, 'the preview is the plan');
    // Preview changed nothing.
    assert.equal((await w.store.listDocuments({ kind: EXECUTION_KIND, limit: 10 })).length, 0);
    const runner = new LifecycleRunner({ deps: w.deps });
    const doc = await startPolicyExecution(w.deps, w.policy, 'MANUAL');
    executionId = String(doc?.id);
    const { ran } = await runner.runDue();
    assert.deepEqual(ran, [{ id: executionId, status: 'SUCCESS' }]);
  });
  after(() => close(w));

  it('acts on exactly the reference sets and records every image', async () => {
    const docs = await imageResources(w.store, executionId);
    const got: Record<string, string> = {};
    for (const d of docs) {
      const r = d.body as unknown as ResourceBody;
      assert.notEqual(r.state.status, 'FAILED', `${r.resourceId}: ${r.state.reason}`);
      got[r.resourceId] = r.state.status === 'SKIPPED' ? 'SKIPPED' : r.action.name;
    }
    const acted = Object.fromEntries(Object.entries(want).filter(([, v]) => v !== 'KEEP'));
    assert.deepEqual(got, acted);
    for (const v of ['DEPRECATE', 'DISABLE', 'DELETE', 'SKIPPED'])
      assert.ok(Object.values(acted).includes(v), `no ${v} in the history`);
  });

  it('leaves images and their AMIs in the states the actions say', async () => {
    for (const image of w.images) {
      const action = want[image.arn];
      const record = await w.store.getResource(image.arn);
      const amis = await Promise.all(image.amis.map((a) => readAmiRecord(w.dir, a.region, a.id)));
      if (action === 'DELETE') {
        assert.equal(record, undefined, image.arn);
        assert.deepEqual(
          amis,
          image.amis.map(() => undefined),
          `AMIs of ${image.arn} deregistered`,
        );
        for (const a of image.amis)
          assert.equal(existsSync(join(w.dir, 'regions', a.region, 'exports', `${a.id}.raw`)), false);
        continue;
      }
      assert.ok(record, image.arn);
      const status = (record.body.state as { status: string }).status;
      if (action === 'DEPRECATE') {
        assert.equal(status, 'DEPRECATED');
        assert.equal(record.body.deprecationTime, NOW);
        assert.equal(record.body.lifecycleExecutionId, executionId);
        // Public AMIs are excluded from DEPRECATE (exclusionRules.amis.isPublic).
        for (const [i, a] of image.amis.entries())
          assert.equal(amis[i]?.state, a.isPublic ? undefined : 'deprecated');
      } else if (action === 'DISABLE') {
        assert.equal(status, 'DISABLED');
        assert.equal(record.body.lifecycleExecutionId, executionId);
        for (const a of amis) assert.equal(a?.state, 'disabled');
      } else {
        assert.equal(status, image.status, image.arn);
        assert.equal(record.body.lifecycleExecutionId, undefined);
        for (const a of amis) assert.equal(a?.state, undefined);
      }
    }
  });

  it('records AMIs with their snapshots, the execution outcome, and collects garbage once', async () => {
    const deleted = Object.keys(want).find(
      (arn) => want[arn] === 'DELETE' && (amisBefore.get(arn)?.length ?? 0) > 0,
    ) as string;
    const children = await w.store.listDocuments({
      kind: RESOURCE_KIND,
      parent: childParent(executionId, deleted),
      limit: 10,
    });
    assert.deepEqual(
      children.map((c) => (c.body as unknown as ResourceBody).resourceId).sort(),
      (amisBefore.get(deleted) ?? []).map((a) => a.image).sort(),
    );
    const first = children[0]?.body as unknown as ResourceBody;
    assert.equal(first.state.status, 'SUCCESS');
    assert.deepEqual(
      first.snapshots?.map((s) => s.snapshotId),
      [`sha256:${'a'.repeat(64)}`, `sha256:${'b'.repeat(64)}`],
    );
    const exec = executionOf((await w.store.getDocument(EXECUTION_KIND, executionId)) as never);
    assert.equal(exec.state.status, 'SUCCESS');
    assert.equal(exec.resourcesImpactedSummary.hasImpactedResources, true);
    assert.equal(exec.startTime, NOW);
    assert.equal(exec.endTime, NOW);
    assert.equal(exec.owner, undefined);
    assert.equal(w.gcRuns, 1);
    assert.equal(Number((await w.store.getResource(w.policy.arn))?.body.dateLastRun), NOW);
  });
});

describe('crash and cancellation', () => {
  let w: World | undefined;
  after(() => close(w));

  it('resumes an execution whose runner died mid-deletion, finishing the interrupted image first', async () => {
    w = await world(EXEC_POLICY, 'crash');
    const want = expected(w.images);
    const doc = await startPolicyExecution(w.deps, w.policy, 'SCHEDULED');
    assert.ok(doc);
    // A runner on this host (a process that no longer exists) claimed it, recorded one DELETE
    // IN_PROGRESS and had deregistered one of its AMIs when it was killed.
    const victim = w.images.find((i) => want[i.arn] === 'DELETE' && i.amis.length === 2) as LifecycleImage;
    const dead = `${hostname()}:2147483646:dead`;
    const body = executionOf(doc);
    const running: ExecutionBody = {
      ...body,
      state: { status: 'IN_PROGRESS' },
      startTime: NOW,
      owner: dead,
      heartbeatAt: NOW,
    };
    await w.store.updateDocument(EXECUTION_KIND, doc.id, {
      status: 'IN_PROGRESS',
      body: running as never,
      updatedAt: NOW,
    });
    const work = {
      arn: victim.arn,
      action: 'DELETE' as const,
      reason: 'interrupted',
      includeResources: { amis: true, snapshots: true, containers: false },
      amis: victim.amis.map((a) => ({
        region: a.region,
        id: a.id,
        accountId: a.accountId,
        outcome: 'ACT' as const,
        reason: 'r',
      })),
    };
    await putResource(
      w.store,
      doc,
      doc.id,
      '0',
      {
        accountId: ACCOUNT,
        resourceId: victim.arn,
        state: { status: 'IN_PROGRESS' },
        action: { name: 'DELETE' },
        region: REGION,
        startTime: NOW,
        work,
      },
      NOW,
    );
    await removeAmiRecord(w.dir, victim.amis[0]?.region as string, victim.amis[0]?.id as string);

    assert.deepEqual(await recoverLifecycleExecutions(w.store, w.clock, { staleMs: 60_000 }), [doc.id]);
    const requeued = await w.store.getDocument(EXECUTION_KIND, doc.id);
    assert.equal(requeued?.status, 'PENDING');
    assert.equal(executionOf(requeued as never).resumed, 1);
    const { ran } = await new LifecycleRunner({ deps: w.deps }).runDue();
    assert.deepEqual(ran, [{ id: doc.id, status: 'SUCCESS' }]);
    assert.equal(await w.store.getResource(victim.arn), undefined);
    assert.equal(
      await readAmiRecord(w.dir, victim.amis[1]?.region as string, victim.amis[1]?.id as string),
      undefined,
    );
    const docs = await imageResources(w.store, doc.id);
    const states = docs.map((d) => d.body as unknown as ResourceBody);
    assert.equal(states.filter((r) => r.resourceId === victim.arn).length, 1, 'one action per image');
    assert.equal(states.find((r) => r.resourceId === victim.arn)?.state.status, 'SUCCESS');
    assert.equal(docs.length, Object.values(want).filter((v) => v !== 'KEEP').length);
    // A live lease is left alone.
    assert.deepEqual(await recoverLifecycleExecutions(w.store, w.clock, { staleMs: 60_000 }), []);
  });

  it('stops between images when cancelled, keeping what was done', async () => {
    await close(w);
    w = await world(EXEC_POLICY, 'cancel');
    const doc = await startPolicyExecution(w.deps, w.policy, 'MANUAL');
    assert.ok(doc);
    const store = w.store;
    w.onPlan = async () => {
      const fresh = await store.getDocument(EXECUTION_KIND, doc.id);
      const b = executionOf(fresh as never);
      await store.updateDocument(EXECUTION_KIND, doc.id, {
        status: 'CANCELLING',
        body: { ...b, state: { status: 'CANCELLING' } } as never,
        updatedAt: NOW,
      });
    };
    const { ran } = await new LifecycleRunner({ deps: w.deps }).runDue();
    assert.deepEqual(ran, [{ id: doc.id, status: 'CANCELLED' }]);
    assert.equal((await imageResources(store, doc.id)).length, 0);
    for (const image of w.images) assert.equal(await statusIn(store, image.arn), image.status);
    assert.equal(w.gcRuns, 0);
  });

  it('allows one execution per policy at a time', async () => {
    assert.ok(w);
    w.onPlan = undefined;
    const first = await startPolicyExecution(w.deps, w.policy, 'MANUAL');
    assert.ok(first);
    assert.equal(await startPolicyExecution(w.deps, w.policy, 'SCHEDULED'), undefined);
    await assert.rejects(startPolicyExecution(w.deps, w.policy, 'MANUAL'), {
      name: 'ResourceInUseException',
    });
  });
});
