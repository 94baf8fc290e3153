/**
 * `kiln feed update SOURCE`: installs an OSV advisory feed (a directory of records, an
 * osv.dev-style all.zip, or an http(s) URL of one) as DATA_DIR/feeds/index.json, which
 * CollectImageScanFindings reads. By default the server does it (`POST /kiln/feeds`, signed like
 * every call; a path must be readable by the server) and then rescans AVAILABLE images; with
 * `--offline` it is installed directly in the data directory, without a rescan. Either way a corrupt
 * or partial feed is rejected and the installed one stays in use.
 */
import { resolve } from 'node:path';
import { systemClock } from '../../core/clock.js';
import { feedDirOf } from '../../engine/scan.js';
import { ingestFeed } from '../../scanner/feed-store.js';
import { expectPositionals, type FlagSpec, parseArgs, usageText } from '../args.js';
import { CLIENT_FLAGS, DEFAULT_ENDPOINT, describeClientError, resolveClientSettings } from '../client.js';
import { kilnCall } from '../kiln-http.js';
import type { Verb } from '../verb.js';

const OFFLINE_FLAG: FlagSpec = {
  name: 'offline',
  type: 'boolean',
  help: 'install directly in --data-dir (env KILN_DATA_DIR; default ./.kiln), without the server or a rescan',
};

const SUMMARY = 'install an OSV advisory feed (directory, all.zip or http(s) URL) for image scans';

/** A local SOURCE resolved against the working directory; URLs pass through (pure). */
export function feedSourceOf(source: string, cwd: string): string {
  return /^https?:\/\//.test(source) ? source : resolve(cwd, source);
}

export const feedUpdateVerb: Verb = {
  path: ['feed', 'update'],
  summary: SUMMARY,
  usage: usageText(
    'kiln feed update SOURCE [--offline] [--data-dir DIR]',
    `${SUMMARY}.\nThe server installs it atomically in DATA_DIR/feeds (the previous one stays if SOURCE is bad)\n` +
      'and re-matches every AVAILABLE scanned image; new CRITICAL findings are logged as events.',
    [OFFLINE_FLAG, ...CLIENT_FLAGS],
  ),
  async run(args, io) {
    let endpoint = io.env.KILN_ENDPOINT || DEFAULT_ENDPOINT;
    try {
      const parsed = parseArgs(args, [OFFLINE_FLAG, ...CLIENT_FLAGS]);
      const [text] = expectPositionals(parsed, ['SOURCE']) as [string];
      const source = feedSourceOf(text, io.cwd);
      if (parsed.boolean('offline')) {
        const dataDir = parsed.string('data-dir') || io.env.KILN_DATA_DIR || '.kiln';
        const feedDir = feedDirOf(resolve(io.cwd, dataDir));
        const index = await ingestFeed(source, feedDir, { now: new Date(systemClock.now()).toISOString() });
        io.stdout.write(
          `installed ${index.advisories.length} advisories from ${index.source} in ${feedDir}\n`,
        );
        return 0;
      }
      endpoint = parsed.string('endpoint') ?? endpoint;
      const settings = await resolveClientSettings(parsed, io.env, io.cwd);
      const answer = await kilnCall<{
        advisories: number;
        imagesRescanned: number;
        newCriticalFindings: number;
      }>(settings, 'POST', '/kiln/feeds', {}, { source });
      io.stdout.write(
        `installed ${answer.advisories} advisories from ${source}; rescanned ${answer.imagesRescanned} image(s), ` +
          `${answer.newCriticalFindings} new critical finding(s)\n`,
      );
      return 0;
    } catch (err) {
      const { line, exitCode } = describeClientError(err, endpoint);
      io.stderr.write(`${line}\n`);
      return (err as { code?: string }).code === 'InvalidParameterValueException' ? 1 : exitCode;
    }
  },
};
