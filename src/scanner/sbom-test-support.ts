// Test support: the SPDX 2.3 checks shared by the unit and the real-image tests.

/** The SPDX 2.3 rules the official schema and spec impose (no npm package ships the schema). */
export function spdx23Problems(doc: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const need = (cond: boolean, what: string) => cond || problems.push(what);
  need(doc.spdxVersion === 'SPDX-2.3', 'spdxVersion');
  need(doc.dataLicense === 'CC0-1.0', 'dataLicense');
  need(doc.SPDXID === 'SPDXRef-DOCUMENT', 'SPDXID');
  need(typeof doc.name === 'string' && doc.name !== '', 'name');
  need(
    typeof doc.documentNamespace === 'string' && /^[a-z][a-z0-9+.-]*:[^#]+$/.test(doc.documentNamespace),
    'documentNamespace',
  );
  const info = doc.creationInfo as { created?: string; creators?: string[] } | undefined;
  need(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(info?.created ?? ''), 'creationInfo.created');
  need(
    (info?.creators ?? []).length > 0 &&
      (info?.creators ?? []).every((c) => /^(Tool|Organization|Person): /.test(c)),
    'creators',
  );
  const ids = new Set<string>();
  const purposes = [
    'APPLICATION',
    'FRAMEWORK',
    'LIBRARY',
    'CONTAINER',
    'OPERATING_SYSTEM',
    'DEVICE',
    'FIRMWARE',
    'SOURCE',
    'ARCHIVE',
    'FILE',
    'INSTALL',
    'OTHER',
  ];
  for (const [i, p] of ((doc.packages ?? []) as Record<string, unknown>[]).entries()) {
    need(
      typeof p.SPDXID === 'string' && /^SPDXRef-[A-Za-z0-9.-]+$/.test(p.SPDXID) && !ids.has(p.SPDXID),
      `packages[${i}].SPDXID`,
    );
    ids.add(p.SPDXID as string);
    need(
      typeof p.name === 'string' && typeof p.downloadLocation === 'string',
      `packages[${i}] name/downloadLocation`,
    );
    need(
      p.primaryPackagePurpose === undefined || purposes.includes(p.primaryPackagePurpose as string),
      `packages[${i}].primaryPackagePurpose`,
    );
    for (const ref of (p.externalRefs ?? []) as Record<string, string>[]) {
      need(
        ['SECURITY', 'PACKAGE-MANAGER', 'PERSISTENT-ID', 'OTHER'].includes(ref.referenceCategory ?? ''),
        `packages[${i}].externalRefs`,
      );
      need(
        typeof ref.referenceLocator === 'string' && !/\s/.test(ref.referenceLocator),
        `packages[${i}].referenceLocator`,
      );
    }
  }
  for (const [i, r] of ((doc.relationships ?? []) as Record<string, string>[]).entries()) {
    const known = (id: string | undefined) => id === 'SPDXRef-DOCUMENT' || ids.has(id ?? '');
    need(
      known(r.spdxElementId) && known(r.relatedSpdxElement) && /^[A-Z_]+$/.test(r.relationshipType ?? ''),
      `relationships[${i}]`,
    );
  }
  for (const id of (doc.documentDescribes ?? []) as string[]) need(ids.has(id), `documentDescribes ${id}`);
  return problems;
}
