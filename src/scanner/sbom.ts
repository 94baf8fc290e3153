import { createHash } from 'node:crypto';
import { deepFreeze } from '../core/freeze.js';
import type { Inventory } from './inventory.js';
import { purlDistro } from './os-release.js';
import { debPurl } from './purl.js';

/** What an SBOM says about itself; with the same inventory and options the output is byte-identical. */
export interface SbomOptions {
  /** RFC 3339 creation time (`2026-01-01T00:00:00Z`); callers pass the build's time, not "now". */
  readonly timestamp: string;
  /** Kiln's version, recorded as the producing tool. */
  readonly toolVersion: string;
  /** The document's subject, e.g. the image name and version (`web-base-1.0.0-1`). */
  readonly subjectName: string;
  /** SPDX documentNamespace prefix; the subject and a content digest are appended. */
  readonly namespaceBase?: string;
}

const TOOL = 'kiln';
const DEFAULT_NAMESPACE = 'https://kiln.invalid/spdx';

/** A UUID-shaped value derived from content, so the same input gives the same serial number. */
function contentUuid(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\0')).digest('hex');
  // Version 5-style layout (name-based) with the variant bits set, as RFC 4122 requires.
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** CycloneDX 1.6 JSON: the OS as the described component, one `library` component per package. */
export function cycloneDxSbom(inventory: Inventory, options: SbomOptions): object {
  const distro = purlDistro(inventory.os);
  const osRef = 'os';
  const components = inventory.packages.map((pkg) => {
    const purl = debPurl(pkg, distro);
    return {
      type: 'library',
      'bom-ref': purl,
      name: pkg.name,
      version: pkg.version,
      purl,
      properties: [
        { name: 'kiln:deb:architecture', value: pkg.architecture },
        { name: 'kiln:deb:source:name', value: pkg.sourceName },
        { name: 'kiln:deb:source:version', value: pkg.sourceVersion },
      ],
    };
  });
  return deepFreeze({
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: `urn:uuid:${contentUuid('cyclonedx', options.subjectName, options.timestamp, inventory.statusSha256)}`,
    version: 1,
    metadata: {
      timestamp: options.timestamp,
      tools: { components: [{ type: 'application', name: TOOL, version: options.toolVersion }] },
      component: {
        type: 'operating-system',
        'bom-ref': osRef,
        name: inventory.os.id,
        ...(inventory.os.versionId ? { version: inventory.os.versionId } : {}),
        description: options.subjectName,
      },
      properties: [{ name: 'kiln:dpkg:status:sha256', value: inventory.statusSha256 }],
    },
    components,
    dependencies: [
      { ref: osRef, dependsOn: components.map((c) => c['bom-ref']) },
      ...components.map((c) => ({ ref: c['bom-ref'] })),
    ],
  });
}

/** SPDX identifiers allow only `[A-Za-z0-9.-]`; Debian names and architectures may hold `+`. */
const spdxIdPart = (text: string): string => text.replace(/[^A-Za-z0-9.-]/g, '-');

/** SPDX 2.3 JSON: the document describes the OS package, which CONTAINS every dpkg package. */
export function spdxSbom(inventory: Inventory, options: SbomOptions): object {
  const distro = purlDistro(inventory.os);
  const osId = 'SPDXRef-OperatingSystem';
  const used = new Set<string>([osId]);
  const packages = inventory.packages.map((pkg) => {
    let id = `SPDXRef-deb-${spdxIdPart(pkg.name)}-${spdxIdPart(pkg.architecture)}`;
    for (let n = 2; used.has(id); n++)
      id = `SPDXRef-deb-${spdxIdPart(pkg.name)}-${spdxIdPart(pkg.architecture)}-${n}`;
    used.add(id);
    return {
      SPDXID: id,
      name: pkg.name,
      versionInfo: pkg.version,
      supplier: 'Organization: Debian',
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: 'NOASSERTION',
      copyrightText: 'NOASSERTION',
      sourceInfo: `built package from: ${pkg.sourceName} ${pkg.sourceVersion}`,
      primaryPackagePurpose: 'LIBRARY',
      externalRefs: [
        {
          referenceCategory: 'PACKAGE-MANAGER',
          referenceType: 'purl',
          referenceLocator: debPurl(pkg, distro),
        },
      ],
    };
  });
  const uuid = contentUuid('spdx', options.subjectName, options.timestamp, inventory.statusSha256);
  const base = options.namespaceBase ?? DEFAULT_NAMESPACE;
  return deepFreeze({
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: options.subjectName,
    documentNamespace: `${base}/${encodeURIComponent(options.subjectName)}-${uuid}`,
    creationInfo: { created: options.timestamp, creators: [`Tool: ${TOOL}-${options.toolVersion}`] },
    documentDescribes: [osId],
    packages: [
      {
        SPDXID: osId,
        name: inventory.os.id,
        versionInfo: inventory.os.versionId ?? inventory.os.versionCodename ?? 'NOASSERTION',
        downloadLocation: 'NOASSERTION',
        filesAnalyzed: false,
        primaryPackagePurpose: 'OPERATING_SYSTEM',
      },
      ...packages,
    ],
    relationships: [
      { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: osId },
      ...packages.map((p) => ({
        spdxElementId: osId,
        relationshipType: 'CONTAINS',
        relatedSpdxElement: p.SPDXID,
      })),
    ],
  });
}
