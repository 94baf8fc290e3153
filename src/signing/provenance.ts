/**
 * The in-toto v1 statement with an SLSA v1 provenance predicate that says who built an image
 * from what (pure): the recipe as external parameters, component documents and the parent as
 * resolved dependencies, Kiln's version as the builder's, and the build's timings.
 */
import { readFileSync } from 'node:fs';
import type { Digest } from '../images/blob-store.js';

export const IN_TOTO_STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';
/** A URN, not a URL: Kiln has no web site to host the build type's description. */
export const KILN_BUILD_TYPE = 'urn:kiln:buildType:image-recipe:v1';
export const KILN_BUILDER_ID = 'urn:kiln:builder';

/** Kiln's version, as package.json states it (the same file in a checkout and a build). */
export const KILN_VERSION: string = (() => {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string };
      if (pkg.name === 'kiln') return String((pkg as { version?: string }).version);
    } catch {
      // not at this depth (src/ vs dist/src/): try the next
    }
  }
  return 'unknown';
})();

/** Something the build consumed: a component document, the parent image, a package. */
export interface ResolvedDependency {
  /** e.g. a component ARN, or the parent image reference */
  readonly uri: string;
  /** algorithm → hex, e.g. { sha256: '…' } */
  readonly digest: Readonly<Record<string, string>>;
  readonly name?: string;
}

export interface ProvenanceInput {
  /** The subject's name: the repository, without tag or digest. */
  readonly subjectName: string;
  readonly manifestDigest: Digest;
  /** The recipe (or container recipe) the image was built from, as the API returns it. */
  readonly recipe: Readonly<Record<string, unknown>>;
  /** Other external parameters, e.g. the pipeline ARN. */
  readonly parameters?: Readonly<Record<string, unknown>>;
  readonly dependencies: readonly ResolvedDependency[];
  /** e.g. the image build version ARN, or the workflow execution id. */
  readonly invocationId: string;
  /** Milliseconds since the epoch (from the build's Clock). */
  readonly startedOn: number;
  readonly finishedOn: number;
  /** Stage → wall time and bytes, as the engine records them. */
  readonly timings?: Readonly<Record<string, { ms: number; bytes?: number }>>;
  /** Defaults to KILN_VERSION. */
  readonly builderVersion?: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A parent image as a dependency: its manifest digest, named by its reference. */
export const parentDependency = (reference: string, digest: Digest): ResolvedDependency => ({
  uri: reference,
  name: 'parent',
  digest: { sha256: digest.slice('sha256:'.length) },
});

export function provenanceStatement(input: ProvenanceInput) {
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [{ name: input.subjectName, digest: { sha256: input.manifestDigest.slice('sha256:'.length) } }],
    predicateType: SLSA_PROVENANCE_V1,
    predicate: {
      buildDefinition: {
        buildType: KILN_BUILD_TYPE,
        externalParameters: { recipe: input.recipe, ...input.parameters },
        resolvedDependencies: input.dependencies.map((d) => ({
          uri: d.uri,
          digest: { ...d.digest },
          ...(d.name ? { name: d.name } : {}),
        })),
      },
      runDetails: {
        builder: { id: KILN_BUILDER_ID, version: { kiln: input.builderVersion ?? KILN_VERSION } },
        metadata: {
          invocationId: input.invocationId,
          startedOn: iso(input.startedOn),
          finishedOn: iso(input.finishedOn),
        },
        ...(input.timings
          ? {
              byproducts: [{ name: 'timings', mediaType: 'application/json', content: timingsBase64(input) }],
            }
          : {}),
      },
    },
  };
}

/** SLSA byproducts are ResourceDescriptors; inline content is base64 of the bytes. */
function timingsBase64(input: ProvenanceInput): string {
  return Buffer.from(JSON.stringify(input.timings)).toString('base64');
}
