/** Helpers for the build engine's integration tests: a store with components, and a recording observer. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock } from '../../src/core/clock.js';
import { createImageBuildEngine } from '../../src/engine/build-engine.js';
import type { BuildEvent, BuildOutcome, ImageBuildRequest } from '../../src/engine/image-build.js';
import type { BuildLookup } from '../../src/engine/resolve.js';
import type { ResourceRecord } from '../../src/store/store.js';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
const PREFIX = `arn:aws:imagebuilder:${REGION}:${ACCOUNT}`;

export function componentRecord(name: string, data: string, version = '1.0.0', build = 1): ResourceRecord {
  return {
    arn: `${PREFIX}:component/${name}/${version}/${build}`,
    account: ACCOUNT,
    region: REGION,
    type: 'component',
    nameKey: name,
    versionKey: version,
    build,
    latestBuild: true,
    body: { name, version, platform: 'Linux', data },
    tags: {},
    policy: undefined,
    dateCreated: 0,
    dateUpdated: 0,
  };
}

export function lookupOf(records: readonly ResourceRecord[]): BuildLookup {
  return {
    getResource: async (arn) => records.find((r) => r.arn === arn),
    findByName: async (scope, nameKey) =>
      records.filter((r) => r.type === scope.type && r.nameKey === nameKey && r.account === scope.account),
  };
}

export const nginxDocument = () =>
  readFile(join(import.meta.dirname, '../../examples/nginx-golden/components/nginx-web.yaml'), 'utf8');

export interface RecipeOptions {
  readonly components: readonly { name: string; parameters?: { name: string; value: string[] }[] }[];
  readonly name?: string;
  readonly infrastructure?: Record<string, unknown>;
}

let builds = 0;

export function imageRequest(options: RecipeOptions, layerCache = true): ImageBuildRequest {
  const name = options.name ?? 'nginx-golden';
  builds += 1;
  return {
    imageArn: `${PREFIX}:image/${name}/1.0.0/${builds}`,
    account: ACCOUNT,
    region: REGION,
    layerCache,
    image: {
      name,
      version: '1.0.0',
      platform: 'Linux',
      imageRecipe: {
        arn: `${PREFIX}:image-recipe/${name}/1.0.0`,
        name,
        parentImage: 'debian:bookworm',
        components: options.components.map((c) => ({
          componentArn: `${PREFIX}:component/${c.name}/x.x.x`,
          ...(c.parameters ? { parameters: c.parameters } : {}),
        })),
        workingDirectory: '/tmp',
        blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { volumeSize: 4 } }],
      },
      infrastructureConfiguration: { instanceTypes: ['kiln.small'], ...options.infrastructure },
      distributionConfiguration: {
        distributions: [
          {
            region: REGION,
            amiDistributionConfiguration: {
              name: `${name}-{{imagebuilder:buildDate}}`,
              amiTags: { app: name },
            },
          },
        ],
      },
      imageTestsConfiguration: { imageTestsEnabled: true },
    },
  };
}

export interface BuildRecord {
  readonly outcome: BuildOutcome;
  readonly events: BuildEvent[];
  readonly logs: string[];
  readonly image: Record<string, unknown>;
  readonly timing: (stage: string) => number;
}

export function engineFor(dirs: { dataDir: string; cacheDir: string }, records: readonly ResourceRecord[]) {
  const engine = createImageBuildEngine({
    ...dirs,
    store: lookupOf(records),
    clock: systemClock,
    regions: [REGION],
  });
  return async (
    request: ImageBuildRequest,
    options: { signal?: AbortSignal; onEvent?: (e: BuildEvent) => void } = {},
  ): Promise<BuildRecord> => {
    const events: BuildEvent[] = [];
    const image: Record<string, unknown> = {};
    const handle = engine.start(
      request,
      async (e) => {
        events.push(e);
        if (e.kind === 'image') Object.assign(image, e.members);
        options.onEvent?.(e);
      },
      options.signal ?? new AbortController().signal,
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
