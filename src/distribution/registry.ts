import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { invalidValue, KilnError } from '../core/errors.js';
import { makeTempDir, removeTree } from '../host/fs.js';
import { HostCommandError, type ProcessResult, runProcess, tailLines } from '../host/process.js';
import { requireTool } from '../host/tools.js';
import { type Digest, parseDigest, sha256Digest } from '../images/blob-store.js';

/** One push of an OCI layout to a registry repository under one or more tags. */
export interface PushRequest {
  /** An OCI image layout directory (exportOciLayout's output). */
  layoutDir: string;
  /** The image's name inside the layout (`org.opencontainers.image.ref.name`). */
  tag: string;
  /** `host[:port]` of the registry, e.g. `127.0.0.1:5000`. */
  registry: string;
  /** Repository path inside the registry, e.g. `team/app`. */
  repository: string;
  /** Tags to publish; each becomes one image URI. */
  tags: readonly string[];
  /** Plain HTTP or unverified TLS (a registry without a trusted certificate). */
  insecure: boolean;
  signal?: AbortSignal;
  /** Tries per tag for transient failures (default 3). */
  attempts?: number;
}

export interface PushResult {
  /** `host:port/repository:tag`, one per tag, in the request's order. */
  imageUris: string[];
  /** The manifest digest, the same in every registry the layout is pushed to. */
  digest: Digest;
}

const REGISTRY =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?$/;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REPOSITORY = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DEFAULT_ATTEMPTS = 3;
const BACKOFF_MS = 500;

const TRANSIENT = [
  /connection (?:refused|reset)|broken pipe|unexpected EOF|: EOF\b/i,
  /i\/o timeout|TLS handshake timeout|timeout awaiting|temporary failure in name resolution/i,
  /HTTP status: (?:408|429|5\d\d)\b|too many requests|service unavailable|bad gateway/i,
];

/** Validates a push target (pure); errors name the field and say what is expected. */
export function validateTarget(target: {
  registry: string;
  repository: string;
  tags: readonly string[];
}): void {
  const port = REGISTRY.exec(target.registry)?.[1];
  if (!REGISTRY.test(target.registry) || (port !== undefined && Number(port) > 65535)) {
    throw invalidValue('registry', `'${target.registry}' is not host[:port].`, 'Example: 127.0.0.1:5000.');
  }
  if (target.repository.length > 255 || !REPOSITORY.test(target.repository)) {
    throw invalidValue(
      'repositoryName',
      `'${target.repository}' is not a repository name.`,
      'Use lower-case letters, digits and . _ - separators, with / between path components.',
    );
  }
  if (target.tags.length === 0) throw invalidValue('containerTags', 'At least one tag is needed.');
  for (const tag of target.tags) {
    if (!TAG.test(tag)) {
      throw invalidValue(
        'containerTags',
        `'${tag}' is not a container tag.`,
        'Up to 128 of A-Z a-z 0-9 _ . -.',
      );
    }
  }
}

/**
 * Whether a failed skopeo run is worth another try (pure): network hiccups, a registry that is
 * (re)starting or overloaded. Authentication, unknown repositories and invalid manifests are not.
 */
export function isTransient(stderr: string): boolean {
  return TRANSIENT.some((pattern) => pattern.test(stderr));
}

/** Splits `[docker://]host[:port]/repo[:tag|@digest]` (pure). */
export function parseImageUri(uri: string): { registry: string; repository: string; reference: string } {
  const bare = uri.startsWith('docker://') ? uri.slice('docker://'.length) : uri;
  const slash = bare.indexOf('/');
  const registry = bare.slice(0, Math.max(slash, 0));
  const rest = bare.slice(slash + 1);
  const at = rest.indexOf('@');
  const colon = rest.lastIndexOf(':');
  const [repository, reference] =
    at >= 0
      ? [rest.slice(0, at), rest.slice(at)]
      : colon >= 0
        ? [rest.slice(0, colon), rest.slice(colon)]
        : [rest, ''];
  if (slash <= 0 || !REGISTRY.test(registry) || !REPOSITORY.test(repository) || reference === '') {
    throw invalidValue('imageUri', `'${uri}' is not host[:port]/repository:tag or …@sha256:digest.`);
  }
  return { registry, repository, reference };
}

/** The manifest digest the layout's index names `tag`. */
async function layoutDigest(layoutDir: string, tag: string): Promise<Digest> {
  let index: { manifests?: { digest?: string; annotations?: Record<string, string> }[] };
  try {
    index = JSON.parse(await readFile(join(layoutDir, 'index.json'), 'utf8'));
  } catch (err) {
    throw new Error(`${layoutDir} is not a readable OCI layout: ${(err as Error).message}`, { cause: err });
  }
  const entry = index.manifests?.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
  if (!entry?.digest) throw new Error(`the OCI layout ${layoutDir} has no image tagged '${tag}'`);
  return parseDigest(entry.digest);
}

/**
 * Runs a skopeo command, retrying transient failures with a growing pause. A permanent failure,
 * or the last transient one, throws a KilnError naming `what` and the registry.
 */
export async function skopeo(
  args: readonly string[],
  what: string,
  registry: string,
  options: { attempts: number; signal?: AbortSignal },
): Promise<ProcessResult> {
  // --insecure-policy: the only source Kiln copies from is its own layout, so the host's
  // signature policy (/etc/containers/policy.json, maybe absent) has nothing to judge.
  const argv = [requireTool('skopeo', 'skopeo'), '--insecure-policy', ...args];
  for (let attempt = 1; ; attempt++) {
    const result = await runProcess(argv, { signal: options.signal });
    if (result.exitCode === 0 && !result.aborted) return result;
    const failure = new HostCommandError(argv, result, result.aborted ? options.signal?.reason : undefined);
    if (result.aborted) throw failure;
    if (attempt >= options.attempts || !isTransient(result.stderr)) {
      const tries = attempt > 1 ? ` after ${attempt} attempts` : '';
      throw new KilnError(
        'ServiceException',
        `${what} failed${tries}: ${tailLines(result.stderr, 5, 1500)}`,
        {
          hint: `Check that the registry ${registry} is running, reachable and accepts pushes.`,
          cause: failure,
        },
      );
    }
    await sleep(BACKOFF_MS * attempt, undefined, { signal: options.signal });
  }
}

/**
 * Pushes an OCI layout's image to `registry/repository` under every tag, with its manifest digest
 * preserved. Content-addressed: blobs the registry already has are not sent again, so the
 * second tag and a second push cost only a few requests.
 */
export async function pushOciLayout(request: PushRequest): Promise<PushResult> {
  validateTarget(request);
  const attempts = request.attempts ?? DEFAULT_ATTEMPTS;
  const expected = await layoutDigest(request.layoutDir, request.tag);
  const scratch = await makeTempDir('kiln-push-');
  try {
    const imageUris: string[] = [];
    for (const tag of request.tags) {
      const uri = `${request.registry}/${request.repository}:${tag}`;
      const digestFile = join(scratch, `${tag}.digest`);
      await skopeo(
        [
          'copy',
          '--preserve-digests',
          `--dest-tls-verify=${!request.insecure}`,
          '--digestfile',
          digestFile,
          `oci:${request.layoutDir}:${request.tag}`,
          `docker://${uri}`,
        ],
        `pushing ${request.repository}:${tag} to the registry ${request.registry}`,
        request.registry,
        { attempts, signal: request.signal },
      );
      const pushed = parseDigest((await readFile(digestFile, 'utf8')).trim());
      if (pushed !== expected) {
        throw new Error(`the registry ${request.registry} stored ${uri} as ${pushed}, expected ${expected}`);
      }
      imageUris.push(uri);
    }
    return { imageUris, digest: expected };
  } finally {
    await removeTree(scratch);
  }
}

/** The manifest digest an image URI (`host:port/repo:tag`, `docker://` optional) resolves to. */
export async function inspectRemote(
  uri: string,
  options: { insecure?: boolean; signal?: AbortSignal; attempts?: number } = {},
): Promise<Digest> {
  const { registry, repository, reference } = parseImageUri(uri);
  const result = await skopeo(
    [
      'inspect',
      '--raw',
      `--tls-verify=${!options.insecure}`,
      `docker://${registry}/${repository}${reference}`,
    ],
    `inspecting ${repository}${reference} in the registry ${registry}`,
    registry,
    { attempts: options.attempts ?? DEFAULT_ATTEMPTS, signal: options.signal },
  );
  // --raw gives the manifest's exact bytes: their sha256 is the digest the registry serves.
  return sha256Digest(result.stdout);
}
