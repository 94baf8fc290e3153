import { isKilnError } from '../core/errors.js';
import type { Verb, VerbIO } from './verb.js';
import { VERBS } from './verbs/index.js';

/** Picks the verb whose path is the longest prefix of argv. */
export function findVerb(
  verbs: readonly Verb[],
  argv: readonly string[],
): { verb: Verb; rest: string[] } | undefined {
  let best: Verb | undefined;
  for (const verb of verbs) {
    const matches = verb.path.every((word, i) => argv[i] === word);
    if (matches && (!best || verb.path.length > best.path.length)) best = verb;
  }
  return best ? { verb: best, rest: argv.slice(best.path.length) } : undefined;
}

export function helpText(verbs: readonly Verb[]): string {
  const lines = verbs
    .map((v) => ({ name: v.path.join(' '), summary: v.summary }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const width = Math.max(...lines.map((l) => l.name.length), 10);
  return [
    'kiln: self-hosted image pipelines with the EC2 Image Builder API',
    '',
    'Usage: kiln <command> [options]   (kiln <command> --help for details)',
    '',
    ...lines.map((l) => `  ${l.name.padEnd(width)}  ${l.summary}`),
    '',
  ].join('\n');
}

export async function main(argv: string[], io: VerbIO): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout.write(helpText(VERBS));
    return argv.length === 0 ? 1 : 0;
  }
  const found = findVerb(VERBS, argv);
  if (!found) {
    io.stderr.write(`kiln: unknown command '${argv.join(' ')}'. Run 'kiln --help' for the list.\n`);
    return 1;
  }
  if (found.rest.includes('--help') || found.rest.includes('-h')) {
    io.stdout.write(`${found.verb.usage.trimEnd()}\n`);
    return 0;
  }
  try {
    return await found.verb.run(found.rest, io);
  } catch (err) {
    if (isKilnError(err)) {
      io.stderr.write(`kiln: ${err.code}: ${err.message}\n`);
      return err.status < 500 ? 1 : 125;
    }
    io.stderr.write(
      `kiln: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return 125;
  }
}

const isEntry = process.argv[1] !== undefined && /(?:kiln(?:\.js)?|main\.[jt]s)$/.test(process.argv[1]);
if (isEntry) {
  const io: VerbIO = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`kiln: ${String(err)}\n`);
      process.exitCode = 125;
    },
  );
}
