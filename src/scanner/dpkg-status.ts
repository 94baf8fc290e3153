import { deepFreeze } from '../core/freeze.js';
import { invalidValue } from '../core/errors.js';

/** One package present in an image, as its dpkg database records it. */
export interface InstalledPackage {
  /** Binary package name (`Package`). */
  readonly name: string;
  readonly version: string;
  /** `amd64`, `all`, … */
  readonly architecture: string;
  /** Source package (`Source`, else the binary name): advisories name this. */
  readonly sourceName: string;
  /** Source version (from `Source: name (version)`, else `Version`): ranges compare this. */
  readonly sourceVersion: string;
  /** dpkg's state word; anything but `installed` means an interrupted install worth flagging. */
  readonly state: PackageState;
}

/** The dpkg states in which a package's files are (at least partly) on disk. */
export const PRESENT_STATES = [
  'installed',
  'half-configured',
  'unpacked',
  'half-installed',
  'triggers-awaited',
  'triggers-pending',
] as const;
export type PackageState = (typeof PRESENT_STATES)[number];

/** One deb822 stanza: lower-cased field names, continuation lines joined with `\n`. */
export interface Stanza {
  readonly line: number;
  readonly fields: ReadonlyMap<string, string>;
}

/** Splits deb822 text into stanzas (blank lines separate them; a leading space continues a field). */
export function parseDeb822(text: string, fileName: string): Stanza[] {
  const stanzas: Stanza[] = [];
  let fields = new Map<string, string>();
  let start = 0;
  let last: string | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.trim() === '') {
      if (fields.size > 0) stanzas.push({ line: start, fields });
      fields = new Map();
      last = undefined;
      continue;
    }
    if (fields.size === 0) start = i + 1;
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (last === undefined) throw malformed(fileName, i + 1, 'a continuation line comes before any field');
      fields.set(last, `${fields.get(last)}\n${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw malformed(fileName, i + 1, `'${line.slice(0, 40)}' is not 'Field: value'`);
    last = line.slice(0, colon).toLowerCase();
    fields.set(last, line.slice(colon + 1).trim());
  }
  if (fields.size > 0) stanzas.push({ line: start, fields });
  return stanzas;
}

function malformed(fileName: string, line: number, detail: string) {
  return invalidValue(`${fileName}:${line}`, detail, 'Is this a dpkg status file?');
}

// `Source: name` or `Source: name (version)` (deb-control(5)).
const SOURCE = /^(\S+)(?:\s+\((\S+)\))?$/;

/**
 * The packages present in a dpkg status file, sorted by name and architecture. Stanzas in
 * `not-installed` or `config-files` state are left out: their files are gone.
 */
export function parseDpkgStatus(text: string, fileName = 'var/lib/dpkg/status'): readonly InstalledPackage[] {
  const packages: InstalledPackage[] = [];
  for (const { line, fields } of parseDeb822(text, fileName)) {
    const name = fields.get('package');
    if (!name) throw malformed(fileName, line, 'the stanza has no Package field');
    const state = fields.get('status')?.split(/\s+/)[2];
    if (!(PRESENT_STATES as readonly string[]).includes(state ?? '')) continue;
    const version = fields.get('version');
    if (!version) throw malformed(fileName, line, `package '${name}' is ${state} but has no Version`);
    const source = fields.get('source');
    const match = source ? SOURCE.exec(source) : undefined;
    if (source && !match) throw malformed(fileName, line, `package '${name}' has Source '${source}'`);
    packages.push({
      name,
      version,
      architecture: fields.get('architecture') ?? '',
      sourceName: match?.[1] ?? name,
      sourceVersion: match?.[2] ?? version,
      state: state as PackageState,
    });
  }
  packages.sort((a, b) => compareText(a.name, b.name) || compareText(a.architecture, b.architecture));
  return deepFreeze(packages);
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
