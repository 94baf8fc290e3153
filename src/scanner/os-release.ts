import { deepFreeze } from '../core/freeze.js';

/** The distribution an image runs, from os-release(5). */
export interface OsRelease {
  /** `ID`, lower case (`debian`); `linux` when absent, as os-release(5) says. */
  readonly id: string;
  /** `VERSION_ID` (`12`); absent on testing and sid. */
  readonly versionId?: string;
  readonly versionCodename?: string;
  readonly prettyName?: string;
  /** Every assignment in the file, unquoted. */
  readonly fields: Readonly<Record<string, string>>;
}

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

/** Unquotes a shell-style value: double quotes honour backslash escapes, single quotes none. */
function unquote(raw: string): string {
  const value = raw.trim();
  if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) return value.slice(1, -1);
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    return value.slice(1, -1).replace(/\\([\\$"`])/g, '$1');
  }
  return value.replace(/\\(.)/g, '$1');
}

/** Parses os-release text; lines that are not assignments (comments, blanks) are ignored. */
export function parseOsRelease(text: string): OsRelease {
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = ASSIGNMENT.exec(line.trim());
    if (match) fields[match[1]!] = unquote(match[2]!);
  }
  const release: OsRelease = {
    id: (fields.ID ?? 'linux').toLowerCase(),
    ...(fields.VERSION_ID ? { versionId: fields.VERSION_ID } : {}),
    ...(fields.VERSION_CODENAME ? { versionCodename: fields.VERSION_CODENAME } : {}),
    ...(fields.PRETTY_NAME ? { prettyName: fields.PRETTY_NAME } : {}),
    fields,
  };
  return deepFreeze(release);
}

/** The OSV ecosystem advisories for this OS use (`Debian:12`), or undefined when there is none. */
export function osvEcosystem(os: OsRelease): string | undefined {
  if (os.id !== 'debian' || !os.versionId) return undefined;
  return `Debian:${os.versionId.split('.')[0]}`;
}

/** The purl `distro` qualifier (`debian-12`), Syft's spelling. */
export function purlDistro(os: OsRelease): string | undefined {
  return os.versionId ? `${os.id}-${os.versionId.split('.')[0]}` : os.versionCodename;
}
