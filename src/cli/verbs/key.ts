/** `kiln key export`: the public half of the server's image-signing key, for `cosign verify --key`. */
import { resolve } from 'node:path';
import { ensureSigningKey } from '../../signing/keys.js';
import { expectPositionals, type FlagSpec, parseArgs, UsageError, usageText } from '../args.js';
import type { Verb } from '../verb.js';

const DATA_DIR_FLAG: FlagSpec = {
  name: 'data-dir',
  type: 'string',
  value: 'DIR',
  help: "the server's data directory (env KILN_DATA_DIR; default ./.kiln)",
};

const SUMMARY = "print the public key (PEM) that verifies this server's image signatures";

export const keyExportVerb: Verb = {
  path: ['key', 'export'],
  summary: SUMMARY,
  usage: usageText(
    'kiln key export [--data-dir DIR] > cosign.pub',
    `${SUMMARY}.\nThe key pair (DATA_DIR/signing/cosign.key, ECDSA P-256) is made on first use.\n` +
      'Check an image elsewhere with: cosign verify --key cosign.pub --insecure-ignore-tlog=true IMAGE@DIGEST',
    [DATA_DIR_FLAG],
  ),
  async run(args, io) {
    try {
      const parsed = parseArgs(args, [DATA_DIR_FLAG]);
      expectPositionals(parsed, []);
      const dataDir = resolve(io.cwd, parsed.string('data-dir') || io.env.KILN_DATA_DIR || '.kiln');
      const key = await ensureSigningKey(dataDir);
      if (key.created) io.stderr.write(`kiln: made a new signing key at ${key.path}\n`);
      io.stdout.write(key.publicKeyPem);
      return 0;
    } catch (err) {
      io.stderr.write(`kiln: ${(err as Error).message}\n`);
      return err instanceof UsageError ? 1 : 125;
    }
  },
};
