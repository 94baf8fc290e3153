/**
 * Helpers for the parent-image tests: a real SQLite store holding components, built images,
 * parameters and imports, and an engine reading it (so `ssm:` and `ami-…` parents resolve
 * exactly as in the server).
 */
import { systemClock } from '../../src/core/clock.js';
import type { Config } from '../../src/config/config.js';
import { createImageBuildEngine } from '../../src/engine/build-engine.js';
import type { ImageBuildRequest } from '../../src/engine/image-build.js';
import { policyAllows } from '../../src/service/policies.js';
import { fetchDocument } from '../../src/service/documents.js';
import type { ServiceDeps } from '../../src/service/context.js';
import type { ResourceRecord, Store } from '../../src/store/store.js';
import { ACCOUNT, type BuildRecord, imageRequest, REGION, type RecipeOptions } from './build-support.js';

export const PREFIX = `arn:aws:imagebuilder:${REGION}:${ACCOUNT}`;
export const CTX = { account: ACCOUNT, region: REGION, requestId: 'test', operation: 'test' };

export function serviceDeps(store: Store, dataDir: string): ServiceDeps {
  const config: Config = {
    dataDir,
    cacheDir: `${dataDir}/cache`,
    host: '127.0.0.1',
    port: 0,
    regions: [REGION],
    defaultRegion: REGION,
    defaultAccountId: ACCOUNT,
    accessKeys: [],
    maxConcurrentBuilds: 1,
    regionStores: { [REGION]: { type: 'directory', path: `${dataDir}/regions/${REGION}` } },
    kmsKeys: [],
    organizations: [],
  };
  return { store, clock: systemClock, config, fetchDocument };
}

export async function putComponent(store: Store, name: string, data: string, version = '1.0.0', build = 1) {
  await store.insert(
    {
      arn: `${PREFIX}:component/${name}/${version}/${build}`,
      account: ACCOUNT,
      region: REGION,
      type: 'component',
      nameKey: name,
      versionKey: version
        .split('.')
        .map((n) => n.padStart(10, '0'))
        .join('.'),
      build,
      body: { name, version, platform: 'Linux', data },
      tags: {},
      policy: undefined,
      dateCreated: 0,
      dateUpdated: 0,
    },
    [],
  );
}

/** Stores a finished build as the AVAILABLE image record the control plane would keep. */
export async function recordImage(store: Store, request: ImageBuildRequest, built: BuildRecord) {
  const [, name, version, build] = /:image\/([^/]+)\/([^/]+)\/(\d+)$/.exec(
    request.imageArn,
  ) as RegExpExecArray;
  const record: Omit<ResourceRecord, 'latestBuild'> = {
    arn: request.imageArn,
    account: ACCOUNT,
    region: REGION,
    type: 'image',
    nameKey: name as string,
    versionKey: (version as string)
      .split('.')
      .map((n) => n.padStart(10, '0'))
      .join('.'),
    build: Number(build),
    body: {
      ...request.image,
      arn: request.imageArn,
      ...built.image,
      state: { status: built.outcome.status },
    },
    tags: {},
    policy: undefined,
    dateCreated: 0,
    dateUpdated: 0,
  };
  await store.insert(record, []);
}

/** An image request like build-support's, on another parent and with tests on or off. */
export function requestOn(parentImage: string, options: RecipeOptions, tests = false): ImageBuildRequest {
  const base = imageRequest(options);
  const image = base.image as Record<string, Record<string, unknown>>;
  return {
    ...base,
    image: {
      ...image,
      imageRecipe: { ...image.imageRecipe, parentImage },
      imageTestsConfiguration: { imageTestsEnabled: tests },
    },
  };
}

/** The engine over the store (image policies evaluated as the service does), with a recording observer. */
export function storeEngine(dirs: { dataDir: string; cacheDir: string }, store: Store) {
  const engine = createImageBuildEngine({
    ...dirs,
    store,
    clock: systemClock,
    regions: [REGION],
    imageAccess: (image, account) =>
      image.account === account || policyAllows(image.policy, 'image', account, 'imagebuilder:GetImage'),
  });
  return async (request: ImageBuildRequest): Promise<BuildRecord> => {
    const events: BuildRecord['events'] = [];
    const image: Record<string, unknown> = {};
    const handle = engine.start(
      request,
      async (e) => {
        events.push(e);
        if (e.kind === 'image') Object.assign(image, e.members);
      },
      new AbortController().signal,
    );
    const outcome = await handle.done;
    const logs = events.flatMap((e) =>
      e.kind === 'log' ? [`${e.line.stage} ${e.line.step}: ${e.line.text}`] : [],
    );
    const timing = (stage: string) =>
      events.flatMap((e) => (e.kind === 'timing' && e.stage === stage ? [e.ms] : []))[0] ?? Number.NaN;
    return { outcome, events, logs, image, timing };
  };
}
