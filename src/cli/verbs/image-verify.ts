/**
 * `kiln image verify PATH-or-ARN`: checks an image's signature, its provenance, and that every
 * blob its manifest names still matches its digest. Offline for a layout path; an image ARN is
 * looked up on the server (GetImage's `kilnArtifacts.ociLayout`, which must be readable here).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { parseDigest } from '../../images/blob-store.js';
import { parsePrivateKey, parsePublicKey, signingKeyPath } from '../../signing/keys.js';
import { verifyImage } from '../../signing/verify.js';
import {
  expectPositionals,
  type FlagSpec,
  type ParsedArgs,
  parseArgs,
  UsageError,
  usageText,
} from '../args.js';
import { CLIENT_FLAGS, DEFAULT_ENDPOINT, describeClientError, resolveClientSettings } from '../client.js';
import { kilnCall } from '../kiln-http.js';
import { JSON_FLAG, toJson } from '../run.js';
import type { Verb, VerbIO } from '../verb.js';

const FLAGS: readonly FlagSpec[] = [
  {
    name: 'key',
    type: 'string',
    value: 'PUB',
    help: "public key PEM (default: the server's, from --data-dir)",
  },
  {
    name: 'digest',
    type: 'string',
    value: 'sha256:HEX',
    help: 'which image of the layout (default its only one)',
  },
  JSON_FLAG,
];

const SUMMARY = 'verify an image: signature, provenance, and every layer against its digest';

async function publicKey(parsed: ParsedArgs, io: VerbIO): Promise<KeyObject> {
  const file = parsed.string('key');
  if (file) return parsePublicKey(await readFile(resolve(io.cwd, file), 'utf8'), file);
  const dataDir = resolve(io.cwd, parsed.string('data-dir') || io.env.KILN_DATA_DIR || '.kiln');
  const own = signingKeyPath(dataDir);
  if (!existsSync(own))
    throw new UsageError(
      `no key: pass --key cosign.pub (from 'kiln key export'), or --data-dir of the server.`,
    );
  return parsePrivateKey(await readFile(own, 'utf8'), own);
}

/** The layout directory and manifest digest of an image ARN, from the server's image record. */
async function locate(arn: string, parsed: ParsedArgs, io: VerbIO) {
  const settings = await resolveClientSettings(parsed, io.env, io.cwd);
  const answer = await kilnCall<{
    image?: { kilnArtifacts?: { ociLayout?: string; manifestDigest?: string } };
  }>(settings, 'GET', '/GetImage', { imageBuildVersionArn: arn });
  const artifacts = answer.image?.kilnArtifacts;
  if (!artifacts?.ociLayout)
    throw new UsageError(`${arn} has no OCI layout (kilnArtifacts.ociLayout): was it built?`);
  return { layoutDir: artifacts.ociLayout, digest: artifacts.manifestDigest };
}

const asInputError = <T>(work: Promise<T>): Promise<T> =>
  work.catch((err: Error) => {
    throw err instanceof UsageError ? err : new UsageError(err.message);
  });

export const imageVerifyVerb: Verb = {
  path: ['image', 'verify'],
  summary: SUMMARY,
  usage: usageText(
    'kiln image verify PATH-or-ARN [--key PUB]',
    `${SUMMARY}.\nExit 0 when all checks pass, 1 when any fails.`,
    [...FLAGS, ...CLIENT_FLAGS],
  ),
  async run(args, io) {
    let endpoint = io.env.KILN_ENDPOINT || DEFAULT_ENDPOINT;
    try {
      const parsed = parseArgs(args, [...FLAGS, ...CLIENT_FLAGS]);
      const [target] = expectPositionals(parsed, ['PATH-or-ARN']) as [string];
      endpoint = parsed.string('endpoint') ?? endpoint;
      const key = await asInputError(publicKey(parsed, io));
      const where = target.startsWith('arn:')
        ? await locate(target, parsed, io)
        : { layoutDir: resolve(io.cwd, target), digest: undefined };
      const flag = parsed.string('digest') ?? where.digest;
      const digest = flag ? await asInputError(Promise.resolve().then(() => parseDigest(flag))) : undefined;
      // A layout that cannot be read (wrong path, not a layout) is the caller's input.
      const report = await asInputError(
        verifyImage({
          layoutDir: where.layoutDir,
          publicKey: key,
          ...(digest ? { manifestDigest: digest } : {}),
        }),
      );
      if (parsed.boolean('json')) io.stdout.write(toJson(report));
      else {
        for (const c of report.checks) io.stdout.write(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}: ${c.detail}\n`);
        io.stdout.write(
          report.ok
            ? `verified ${report.manifestDigest}\n`
            : `verification of ${report.manifestDigest} FAILED: ${report.failures.length} check(s)\n`,
        );
      }
      return report.ok ? 0 : 1;
    } catch (err) {
      const { line, exitCode } = describeClientError(err, endpoint);
      io.stderr.write(`${line}\n`);
      return err instanceof Error && /not an OCI image layout|not a PEM|not a sha256/.test(err.message)
        ? 1
        : exitCode;
    }
  },
};
