import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { systemClock } from '../core/clock.js';
import { listEvents } from '../events/event-log.js';
import { ImageLogs } from '../events/image-logs.js';
import { openSqliteStore } from '../store/sqlite/open.js';
import { basics, type Harness, openHarness, ScriptedEngine, type Script } from './testing.js';
import { Worker } from './worker.js';
import { rejectsWith } from '../../test/support/assert.js';

const stop: (() => Promise<void>)[] = [];
after(async () => {
  for (const s of stop.reverse()) await s();
});

async function setup(
  script: (name: string) => Script = () => ({}),
  maxConcurrentBuilds = 1,
  dataDir?: string,
  resumable = false,
) {
  const h = await openHarness(dataDir ? { dataDir } : {});
  const engine = new ScriptedEngine((req) => script(String(req.image.name)));
  engine.resumable = resumable;
  const worker = new Worker({
    store: h.store,
    clock: systemClock,
    engine,
    logs: new ImageLogs(h.dataDir),
    maxConcurrentBuilds,
    pollMs: 50,
    heartbeatMs: 50,
  });
  await worker.start();
  stop.push(async () => {
    await worker.stop();
    await h.store.close();
  });
  return { h, engine, worker };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const imageState = async (h: Harness, arn: string) =>
  (
    (await h.call('GetImage', { imageBuildVersionArn: arn })).image as {
      state: { status: string; reason?: string };
    }
  ).state;

const until = (h: Harness, arn: string, status: string) =>
  waitFor(`${arn} ${status}`, async () => ((await imageState(h, arn)).status === status ? true : undefined));

async function createImage(h: Harness, b: Awaited<ReturnType<typeof basics>>) {
  const out = await h.call('CreateImage', {
    imageRecipeArn: b.imageRecipeArn,
    infrastructureConfigurationArn: b.infrastructureConfigurationArn,
  });
  return out.imageBuildVersionArn as string;
}

describe('the worker runs executions', () => {
  it('persists every state before the engine goes on, and logs, timings and outputs', async () => {
    const { h, engine } = await setup();
    const seen: string[] = [];
    engine.onStatus = async (arn, status) => {
      seen.push(`${status}=${(await imageState(h, arn)).status}`);
    };
    const b = await basics(h);
    const arn = await createImage(h, b);
    assert.match(arn, /:image\/web\/1\.0\.0\/1$/);
    await until(h, arn, 'AVAILABLE');
    assert.deepEqual(
      seen,
      ['CREATING', 'BUILDING', 'TESTING', 'DISTRIBUTING', 'INTEGRATING', 'AVAILABLE'].map((s) => `${s}=${s}`),
    );
    const image = (await h.call('GetImage', { imageBuildVersionArn: arn })).image as Record<string, unknown>;
    assert.equal((image.imageRecipe as { arn: string }).arn, b.imageRecipeArn);
    assert.equal(
      (image.infrastructureConfiguration as { arn: string }).arn,
      b.infrastructureConfigurationArn,
    );
    assert.equal(image.buildType, 'USER_INITIATED');
    assert.deepEqual((image.resolvedDependencies as { components: string[] }).components, [b.componentArn]);
    assert.ok(image.outputResources, 'outputResources merged from the engine');
    assert.deepEqual(
      (image.stateTimings as { status: string }[]).map((t) => t.status),
      ['PENDING', 'CREATING', 'BUILDING', 'TESTING', 'DISTRIBUTING', 'INTEGRATING', 'AVAILABLE'],
    );
    const events = await listEvents(h.store, {
      account: '111122223333',
      region: 'us-east-1',
      resource: arn,
      limit: 100,
    });
    const statuses = events.events
      .filter((e) => e['detail-type'] === 'EC2 Image Builder Image State Change')
      .map((e) => e.detail.status);
    assert.deepEqual(statuses, [
      'CREATING',
      'BUILDING',
      'TESTING',
      'DISTRIBUTING',
      'INTEGRATING',
      'AVAILABLE',
    ]);
    const logs = await new ImageLogs(h.dataDir).read(arn);
    assert.ok(logs.lines.some((l) => l.text === 'building starts'));
    const wfs = await h.call('ListWorkflowExecutions', { imageBuildVersionArn: arn });
    assert.equal((wfs.workflowExecutions as { status: string }[])[0]?.status, 'COMPLETED');
  });

  it('cancels a running build and refuses to cancel a finished one', async () => {
    const { h, engine } = await setup(() => ({ hold: true }));
    const arn = await createImage(h, await basics(h));
    await engine.held(arn);
    await h.call('CancelImageCreation', { imageBuildVersionArn: arn });
    await until(h, arn, 'CANCELLED');
    await rejectsWith(h.call('CancelImageCreation', { imageBuildVersionArn: arn }), 'ResourceInUseException');
    await rejectsWith(h.call('RetryImage', { imageBuildVersionArn: arn }), 'ResourceInUseException');
  });

  it('retries a failed image from its failed stage, marking its workflows retried', async () => {
    let attempt = 0;
    const { h, engine } = await setup(() => (attempt++ === 0 ? { failAt: 'TESTING' } : {}));
    const arn = await createImage(h, await basics(h));
    await until(h, arn, 'FAILED');
    assert.match((await imageState(h, arn)).reason ?? '', /TESTING failed: .*boom/);
    await rejectsWith(
      h.call('DeleteImage', { imageBuildVersionArn: `${arn.replace(/\/1$/, '/9')}` }),
      'ResourceNotFoundException',
    );
    await h.call('RetryImage', { imageBuildVersionArn: arn });
    await until(h, arn, 'AVAILABLE');
    assert.equal(engine.requests[1]?.resumeFromStage, 'TEST');
    const wfs = (await h.call('ListWorkflowExecutions', { imageBuildVersionArn: arn }))
      .workflowExecutions as { retried: boolean }[];
    assert.ok(
      wfs.every((w) => w.retried === false),
      'the first attempt ran BUILD; the retry started at TEST',
    );
    await h.call('DeleteImage', { imageBuildVersionArn: arn });
    await waitFor('artifact removal', async () => (engine.deleted.includes(arn) ? true : undefined));
    await rejectsWith(h.call('GetImage', { imageBuildVersionArn: arn }), 'ResourceNotFoundException');
  });

  it('caps parallel builds and never runs one pipeline twice at once', async () => {
    const { h, engine } = await setup(() => ({ hold: true }), 2);
    const b = await basics(h);
    const pipeline = await h.call('CreateImagePipeline', {
      name: 'p',
      imageRecipeArn: b.imageRecipeArn,
      infrastructureConfigurationArn: b.infrastructureConfigurationArn,
    });
    const start = async () =>
      (await h.call('StartImagePipelineExecution', { imagePipelineArn: pipeline.imagePipelineArn }))
        .imageBuildVersionArn as string;
    const [p1, p2] = [await start(), await start()];
    const [c1, c2] = [await createImage(h, b), await createImage(h, b)];
    await engine.held(p1);
    await engine.held(c1);
    assert.equal((await imageState(h, p2)).status, 'PENDING', 'the second run of the pipeline waits');
    assert.equal((await imageState(h, c2)).status, 'PENDING', 'the cap is 2');
    for (const arn of [p1, c1, p2, c2]) {
      await engine.held(arn);
      engine.release(arn);
      await until(h, arn, 'AVAILABLE');
    }
    assert.equal(engine.maxActive, 2);
    const pipe = (await h.call('GetImagePipeline', { imagePipelineArn: pipeline.imagePipelineArn }))
      .imagePipeline as Record<string, unknown>;
    assert.equal(pipe.lastRunStatus, 'AVAILABLE');
    const listed = await h.call('ListImagePipelineImages', { imagePipelineArn: pipeline.imagePipelineArn });
    assert.deepEqual(
      (listed.imageSummaryList as { arn: string }[]).map((i) => i.arn).sort(),
      [p1, p2].sort(),
    );
  });

  it('WaitForAction holds the image until SendWorkflowStepAction resumes or stops it', async () => {
    const { h } = await setup(() => ({ waitForAction: true }), 2);
    const b = await basics(h);
    const [resumed, stopped] = [await createImage(h, b), await createImage(h, b)];
    const waiting = await waitFor('two waiting steps', async () => {
      const steps = (await h.call('ListWaitingWorkflowSteps', {})).steps as {
        stepExecutionId: string;
        imageBuildVersionArn: string;
      }[];
      return steps.length === 2 ? steps : undefined;
    });
    const stepOf = (arn: string) =>
      waiting.find((s) => s.imageBuildVersionArn === arn)?.stepExecutionId as string;
    await rejectsWith(
      h.call('SendWorkflowStepAction', {
        stepExecutionId: stepOf(resumed),
        imageBuildVersionArn: stopped,
        action: 'RESUME',
      }),
      'InvalidParameterValueException',
    );
    await h.call('SendWorkflowStepAction', {
      stepExecutionId: stepOf(resumed),
      imageBuildVersionArn: resumed,
      action: 'RESUME',
    });
    await h.call('SendWorkflowStepAction', {
      stepExecutionId: stepOf(stopped),
      imageBuildVersionArn: stopped,
      action: 'STOP',
      reason: 'not today',
    });
    await until(h, resumed, 'AVAILABLE');
    await until(h, stopped, 'FAILED');
    assert.match((await imageState(h, stopped)).reason ?? '', /not today/);
    await rejectsWith(
      h.call('SendWorkflowStepAction', {
        stepExecutionId: stepOf(resumed),
        imageBuildVersionArn: resumed,
        action: 'RESUME',
      }),
      'ResourceInUseException',
    );
    const step = await h.call('GetWorkflowStepExecution', { stepExecutionId: stepOf(resumed) });
    assert.equal(step.status, 'COMPLETED');
    assert.equal(JSON.parse(step.outputs as string).action, 'RESUME');
  });
});

describe('crash recovery', () => {
  for (const resumable of [false, true]) {
    it(
      resumable ? 'resumes an interrupted build at its stage' : 'fails an interrupted build with a reason',
      async () => {
        const first = await setup(() => ({ hold: true }));
        const arn = await createImage(first.h, await basics(first.h));
        await first.engine.held(arn);
        await first.worker.stop(); // as a kill leaves it: RUNNING, the image BUILDING
        assert.equal((await imageState(first.h, arn)).status, 'BUILDING');
        // The second worker's start() recovers the dead lease.
        const second = await setup(() => ({}), 1, first.h.dataDir, resumable);
        if (resumable) {
          await until(second.h, arn, 'AVAILABLE');
          assert.equal(second.engine.requests[0]?.resumeFromStage, 'BUILD');
        } else {
          await until(second.h, arn, 'FAILED');
          assert.equal(
            (await imageState(second.h, arn)).reason,
            'interrupted: the Kiln server stopped during BUILDING',
          );
        }
      },
    );
  }

  it('a second store over the same data directory sees the same queue', async () => {
    const { h } = await setup();
    const other = await openSqliteStore(h.dataDir);
    stop.push(() => other.close());
    const arn = await createImage(h, await basics(h));
    await until(h, arn, 'AVAILABLE');
    assert.equal((await other.getDocument('execution', arn))?.status, 'DONE');
  });
});
