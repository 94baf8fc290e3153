import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One apt source entry, from either file format. */
export interface AptSource {
  types: string[];
  uris: string[];
  suites: string[];
  components: string[];
}

/** One (mirror, suite) pair a Debian parent tree is built from. */
export interface SuiteSource {
  uri: string;
  suite: string;
  components: string[];
}

const words = (s: string | undefined): string[] => (s ?? '').split(/\s+/).filter(Boolean);

/** Parses the one-line format of sources.list(5): `deb [options] uri suite component...`. */
export function parseOneLineSources(text: string): AptSource[] {
  const sources: AptSource[] = [];
  for (const raw of text.split('\n')) {
    const line = raw
      .replace(/#.*/, '')
      .replace(/\[[^\]]*\]/, ' ')
      .trim();
    const [type, uri, suite, ...components] = words(line);
    if (!type || !uri || !suite || (type !== 'deb' && type !== 'deb-src')) continue;
    sources.push({ types: [type], uris: [uri], suites: [suite], components });
  }
  return sources;
}

/** Parses the deb822 format of sources.list(5) (`*.sources`): paragraphs of `Field: value`. */
export function parseDeb822Sources(text: string): AptSource[] {
  const sources: AptSource[] = [];
  for (const paragraph of text.split(/\n[ \t]*\n/)) {
    const fields = new Map<string, string>();
    let last: string | undefined;
    for (const line of paragraph.split('\n')) {
      if (line.startsWith('#') || line.trim() === '') continue;
      if (/^[ \t]/.test(line)) {
        if (last) fields.set(last, `${fields.get(last)} ${line.trim()}`);
        continue;
      }
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      last = line.slice(0, colon).trim().toLowerCase();
      fields.set(last, line.slice(colon + 1).trim());
    }
    if (fields.get('enabled')?.toLowerCase() === 'no') continue;
    const source = {
      types: words(fields.get('types')),
      uris: words(fields.get('uris')),
      suites: words(fields.get('suites')),
      components: words(fields.get('components')),
    };
    if (source.types.length && source.uris.length && source.suites.length) sources.push(source);
  }
  return sources;
}

/** The host's apt sources: sources.list, sources.list.d/*.list and sources.list.d/*.sources. */
export function readHostAptSources(etcApt = '/etc/apt'): AptSource[] {
  const read = (p: string): string => (existsSync(p) ? readFileSync(p, 'utf8') : '');
  const sources = parseOneLineSources(read(join(etcApt, 'sources.list')));
  const dir = join(etcApt, 'sources.list.d');
  const names = existsSync(dir) ? readdirSync(dir).sort() : [];
  for (const name of names) {
    if (name.endsWith('.list')) sources.push(...parseOneLineSources(read(join(dir, name))));
    if (name.endsWith('.sources')) sources.push(...parseDeb822Sources(read(join(dir, name))));
  }
  return sources;
}

/** The host's release codename (`bookworm`), from os-release. */
export function hostCodename(osRelease = '/etc/os-release'): string | undefined {
  if (!existsSync(osRelease)) return undefined;
  return /^VERSION_CODENAME="?([^"\n]*)"?$/m.exec(readFileSync(osRelease, 'utf8'))?.[1] || undefined;
}

// Suites that have no -updates/-security companions.
const ROLLING = new Set(['sid', 'unstable', 'experimental', 'rc-buggy']);

/**
 * Maps the host's Debian sources onto another suite: `bookworm` → `trixie`,
 * `bookworm-updates` → `trixie-updates`, `bookworm-security` (on its own mirror) →
 * `trixie-security`. Entries for other distributions (their suites do not start with the
 * host's codename) are left out. No host name is ever assumed: the mirrors are the host's.
 */
export function sourcesForSuite(
  sources: readonly AptSource[],
  suite: string,
  codename: string,
): SuiteSource[] {
  const result: SuiteSource[] = [];
  const seen = new Set<string>();
  for (const source of sources) {
    if (!source.types.includes('deb')) continue;
    for (const hostSuite of source.suites) {
      let mapped: string | undefined;
      if (hostSuite === codename) mapped = suite;
      else if (hostSuite.startsWith(`${codename}-`) && !ROLLING.has(suite)) {
        mapped = suite + hostSuite.slice(codename.length);
      }
      if (!mapped) continue;
      for (const rawUri of source.uris) {
        const uri = rawUri.replace(/\/+$/, '');
        const key = `${uri} ${mapped}`;
        if (seen.has(key)) continue;
        seen.add(key);
        result.push({
          uri,
          suite: mapped,
          components: source.components.length ? source.components : ['main'],
        });
      }
    }
  }
  return result;
}

/** The sources in the one-line format mmdebstrap reads from stdin. */
export function formatSourcesList(entries: readonly SuiteSource[]): string {
  return entries.map((e) => `deb ${e.uri} ${e.suite} ${e.components.join(' ')}\n`).join('');
}
