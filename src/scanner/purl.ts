import type { InstalledPackage } from './dpkg-status.js';

/**
 * Percent-encodes one purl component: only the purl spec's "allowed set" (ASCII letters,
 * digits and `.-_~`) stays literal, so a Debian `+` becomes `%2B` and an epoch's `:` `%3A`.
 */
export function encodePurlComponent(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9._~-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * The purl of a Debian binary package, in canonical form (qualifiers sorted by key):
 * `pkg:deb/debian/NAME@VERSION?arch=ARCH&distro=debian-12`. Never compare purls as strings
 * from other tools: they disagree on escaping (scan-sign.md §4.1).
 */
export function debPurl(
  pkg: Pick<InstalledPackage, 'name' | 'version' | 'architecture'>,
  distro?: string,
): string {
  const qualifiers: [string, string][] = [];
  if (pkg.architecture) qualifiers.push(['arch', pkg.architecture]);
  if (distro) qualifiers.push(['distro', distro]);
  const query = qualifiers.map(([k, v]) => `${k}=${encodePurlComponent(v)}`).join('&');
  const base = `pkg:deb/debian/${encodePurlComponent(pkg.name)}@${encodePurlComponent(pkg.version)}`;
  return query ? `${base}?${query}` : base;
}
