import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ManualClock } from '../core/clock.js';
import { listEvents } from '../events/event-log.js';
import { recordRunEnd, setImageStatus } from '../service/executions/transitions.js';
import { basics, COMPONENT_DOC, type Harness, openHarness } from '../worker/testing.js';
import { Scheduler } from './tick.js';

const SCOPE = [{ account: '111122223333', region: 'us-east-1' }];
const t = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of closers) await c();
});

async function harness(start: string, mirror = { id: 'mirror-1' }) {
  const clock = new ManualClock(t(start));
  const h = await openHarness({ clock });
  closers.push(() => h.store.close());
  const parents = { identify: async () => mirror.id };
  const scheduler = new Scheduler({ deps: h.deps, scopes: SCOPE, parents });
  return { h, clock, scheduler, mirror, parents };
}

async function pipeline(
  h: Harness,
  b: Awaited<ReturnType<typeof basics>>,
  name: string,
  schedule: Record<string, unknown>,
) {
  const out = await h.call('CreateImagePipeline', {
    name,
    imageRecipeArn: b.imageRecipeArn,
    infrastructureConfigurationArn: b.infrastructureConfigurationArn,
    schedule,
  });
  return out.imagePipelineArn as string;
}

/** Ticks every `stepMin` minutes until `end`; returns the schedule instants that started runs. */
async function runClock(s: Scheduler, clock: ManualClock, end: string, stepMin = 5) {
  const fired: { pipelineArn: string; at: string; imageArn: string }[] = [];
  const from = clock.now();
  while (clock.now() < t(end)) {
    clock.advance(stepMin * 60_000);
    for (const o of (await s.tick()).outcomes) {
      if (o.action === 'started') {
        // Runs due while the clock ran start within one tick; one missed before `from` starts at once.
        if (o.at > from)
          assert.ok(clock.now() - o.at < stepMin * 60_000 + 1, 'started within one tick of its instant');
        fired.push({ pipelineArn: o.pipelineArn, at: iso(o.at), imageArn: o.imageArn });
      }
    }
  }
  return fired;
}

/** What the worker does when a run ends. */
async function finish(h: Harness, imageArn: string, outcome: 'AVAILABLE' | 'FAILED', pipelineArn: string) {
  await setImageStatus(h.store, h.deps.clock, imageArn, outcome, outcome === 'FAILED' ? 'boom' : undefined);
  await recordRunEnd(h.store, h.deps.clock, imageArn, pipelineArn, { buildType: 'SCHEDULED', outcome });
}

describe('scheduled runs across the Europe/Berlin daylight-saving changes', () => {
  it('a cron pipeline skips the missing 02:30 in spring and fires the doubled one once in autumn', async () => {
    const { h, clock, scheduler } = await harness('2026-03-27T12:00:00Z');
    const b = await basics(h);
    const arn = await pipeline(h, b, 'nightly', {
      scheduleExpression: 'cron(30 2 * * ? *)',
      timezone: 'Europe/Berlin',
      pipelineExecutionStartCondition: 'EXPRESSION_MATCH_ONLY',
    });
    const spring = await runClock(scheduler, clock, '2026-03-31T00:00:00Z');
    assert.deepEqual(
      spring.map((f) => f.at),
      ['2026-03-28T01:30:00Z', '2026-03-30T00:30:00Z'],
    );
    clock.set(t('2026-10-23T12:00:00Z'));
    // Seven months later: one missed run fires at once, then the schedule goes on.
    const autumn = await runClock(scheduler, clock, '2026-10-27T00:00:00Z');
    assert.deepEqual(
      autumn.map((f) => f.at),
      ['2026-10-23T00:30:00Z', '2026-10-24T00:30:00Z', '2026-10-25T00:30:00Z', '2026-10-26T01:30:00Z'],
    );
    const image = await h.call('GetImage', { imageBuildVersionArn: autumn[0]?.imageArn });
    assert.equal((image.image as { buildType: string }).buildType, 'SCHEDULED');
    assert.equal((image.image as { sourcePipelineArn: string }).sourcePipelineArn, arn);
  });

  it('a rate pipeline keeps 6-hour steps of real time through both changes', async () => {
    const { h, clock, scheduler } = await harness('2026-03-28T20:00:00Z');
    const b = await basics(h);
    await pipeline(h, b, 'sixhourly', {
      scheduleExpression: 'rate(6 hours)',
      timezone: 'Europe/Berlin',
      pipelineExecutionStartCondition: 'EXPRESSION_MATCH_ONLY',
    });
    const fired = await runClock(scheduler, clock, '2026-03-29T21:00:00Z', 10);
    assert.deepEqual(
      fired.map((f) => f.at),
      ['2026-03-29T02:00:00Z', '2026-03-29T08:00:00Z', '2026-03-29T14:00:00Z', '2026-03-29T20:00:00Z'],
    );
  });
});

describe('start conditions, restarts and auto-disable', () => {
  it('neither repeats nor skips a run across a restart', async () => {
    const { h, clock, scheduler, parents } = await harness('2026-01-01T09:00:00Z');
    const b = await basics(h);
    await pipeline(h, b, 'daily', {
      scheduleExpression: 'cron(0 10 * * ? *)',
      pipelineExecutionStartCondition: 'EXPRESSION_MATCH_ONLY',
    });
    clock.set(t('2026-01-01T10:00:10Z'));
    assert.equal((await scheduler.tick()).outcomes.length, 1);
    const restarted = new Scheduler({ deps: h.deps, scopes: SCOPE, parents });
    assert.equal((await restarted.tick()).outcomes.length, 0, 'the restarted tick does not repeat 10:00');
    clock.set(t('2026-01-04T15:00:00Z'));
    const late = (await restarted.tick()).outcomes;
    assert.deepEqual(
      late.map((o) => iso(o.at)),
      ['2026-01-04T10:00:00Z'],
      'three days down: one run',
    );
  });

  it('with EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE runs only when something changed', async () => {
    const { h, clock, scheduler, mirror } = await harness('2026-01-01T09:00:00Z');
    const base = await basics(h, { recipe: 'base' });
    const b = await basics(h);
    const arn = await pipeline(h, b, 'deps', { scheduleExpression: 'cron(0 * * * ? *)' });
    const hour = async () => {
      clock.advance(3_600_000);
      const outcomes = (await scheduler.tick()).outcomes;
      assert.equal(outcomes.length, 1);
      const o = outcomes[0];
      if (o?.action === 'started') await finish(h, o.imageArn, 'AVAILABLE', arn);
      return o?.action === 'started' ? 'started' : o?.why;
    };
    assert.equal(await hour(), 'started', 'no image yet');
    assert.equal(await hour(), 'no dependency changed');
    await h.call('CreateComponent', {
      name: 'web-c',
      semanticVersion: '1.1.0',
      platform: 'Linux',
      data: COMPONENT_DOC,
    });
    assert.equal(await hour(), 'started', 'a new component version');
    assert.equal(await hour(), 'no dependency changed');
    mirror.id = 'mirror-2';
    assert.equal(await hour(), 'started', 'the Debian mirror changed');

    // A layered recipe on the newest AVAILABLE build of the base image.
    const baseImage = async () => {
      const out = await h.call('CreateImage', {
        imageRecipeArn: base.imageRecipeArn,
        infrastructureConfigurationArn: base.infrastructureConfigurationArn,
      });
      await setImageStatus(h.store, clock, out.imageBuildVersionArn as string, 'AVAILABLE');
    };
    await baseImage();
    const layered = await h.call('CreateImageRecipe', {
      name: 'layered',
      semanticVersion: '1.0.0',
      parentImage: 'arn:aws:imagebuilder:us-east-1:111122223333:image/base/x.x.x',
    });
    await h.call('UpdateImagePipeline', {
      imagePipelineArn: arn,
      imageRecipeArn: layered.imageRecipeArn,
      infrastructureConfigurationArn: b.infrastructureConfigurationArn,
      schedule: { scheduleExpression: 'cron(0 * * * ? *)' },
    });
    assert.equal(await hour(), 'started', 'a new recipe');
    assert.equal(await hour(), 'no dependency changed');
    await baseImage();
    assert.equal(await hour(), 'started', 'a new build of the parent image');
  });

  it('disables a pipeline after failureCount failed scheduled runs, and a DISABLED pipeline never runs', async () => {
    const { h, clock, scheduler } = await harness('2026-01-01T09:30:00Z');
    const b = await basics(h, { snsTopicArn: 'arn:aws:sns:us-east-1:111122223333:builds' });
    const arn = await pipeline(h, b, 'flaky', {
      scheduleExpression: 'rate(1 hour)',
      pipelineExecutionStartCondition: 'EXPRESSION_MATCH_ONLY',
      autoDisablePolicy: { failureCount: 2 },
    });
    for (let i = 0; i < 2; i++) {
      clock.advance(3_600_000);
      const [o] = (await scheduler.tick()).outcomes;
      assert.equal(o?.action, 'started');
      if (o?.action === 'started') await finish(h, o.imageArn, 'FAILED', arn);
    }
    const p = (await h.call('GetImagePipeline', { imagePipelineArn: arn })).imagePipeline as Record<
      string,
      unknown
    >;
    assert.equal(p.status, 'DISABLED');
    assert.equal(p.consecutiveFailures, 2);
    clock.advance(3 * 3_600_000);
    const [o] = (await scheduler.tick()).outcomes;
    assert.deepEqual(o?.action === 'skipped' && o.why, 'the pipeline is DISABLED');
    const events = await listEvents(h.store, {
      account: '111122223333',
      region: 'us-east-1',
      resource: arn,
      limit: 10,
    });
    assert.deepEqual(
      events.events.map((e) => e['detail-type']),
      ['EC2 Image Builder Image Pipeline Automatically Disabled'],
    );
    // A manual start still works on a DISABLED pipeline.
    await h.call('StartImagePipelineExecution', { imagePipelineArn: arn });
  });
});
