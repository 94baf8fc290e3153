/**
 * Launch templates in the store: one document (kind `launch-template`) per template, keyed by
 * its `lt-…` id, parent = its name (unique per account and region), body = the whole template
 * with its versions. Every change is a read-modify-write inside a store transaction.
 */
import { isoTime } from '../core/clock.js';
import { KilnError, notFound } from '../core/errors.js';
import { hexId } from '../core/ids.js';
import type { DocumentRecord, Store } from '../store/store.js';
import {
  checkImageId,
  checkTemplateName,
  checkVersionData,
  DEFAULT_INSTANCE_TYPE,
  isTemplateId,
  type LaunchTemplate,
  type VersionData,
  withDefault,
  withNewVersion,
  withoutVersion,
} from './model.js';

export const LAUNCH_TEMPLATE_KIND = 'launch-template';

export interface Scope {
  readonly account: string;
  readonly region: string;
}

const templateOf = (doc: DocumentRecord): LaunchTemplate => doc.body as unknown as LaunchTemplate;

const docOf = (t: LaunchTemplate, createdAt: number, now: number): DocumentRecord => ({
  kind: LAUNCH_TEMPLATE_KIND,
  id: t.launchTemplateId,
  account: t.accountId,
  region: t.region,
  parent: t.launchTemplateName,
  status: 'ACTIVE',
  // Unique across accounts, so paging over every template (inUseByLaunchTemplates) skips none.
  sortKey: `${t.launchTemplateName}\u0001${t.launchTemplateId}`,
  body: { ...t },
  createdAt,
  updatedAt: now,
});

async function byName(store: Store, scope: Scope, name: string): Promise<DocumentRecord | undefined> {
  const [doc] = await store.listDocuments({ kind: LAUNCH_TEMPLATE_KIND, ...scope, parent: name, limit: 1 });
  return doc;
}

/** The template `ref` (a name or an `lt-…` id) of the caller's account and region. */
async function findDoc(store: Store, scope: Scope, ref: string): Promise<DocumentRecord> {
  const doc = isTemplateId(ref)
    ? await store.getDocument(LAUNCH_TEMPLATE_KIND, ref)
    : await byName(store, scope, checkTemplateName(ref, 'launchTemplate'));
  if (!doc || doc.account !== scope.account || doc.region !== scope.region)
    throw notFound('launch template', ref, 'List them with kiln launch-template list.');
  return doc;
}

export async function getLaunchTemplate(store: Store, scope: Scope, ref: string): Promise<LaunchTemplate> {
  return templateOf(await findDoc(store, scope, ref));
}

export async function listLaunchTemplates(store: Store, scope: Scope): Promise<LaunchTemplate[]> {
  const out: LaunchTemplate[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.listDocuments({
      kind: LAUNCH_TEMPLATE_KIND,
      ...scope,
      limit: 500,
      ...(after !== undefined ? { afterSortKey: after } : {}),
    });
    out.push(...page.map(templateOf));
    if (page.length < 500) return out;
    after = page.at(-1)?.sortKey;
  }
}

/** CreateLaunchTemplate: a new template whose version 1 is the default. */
export async function createLaunchTemplate(
  store: Store,
  scope: Scope,
  input: Readonly<Record<string, unknown>>,
  now: number,
): Promise<LaunchTemplate> {
  const name = checkTemplateName(input.launchTemplateName);
  const data = checkVersionData(input, true);
  const at = isoTime(now);
  const template: LaunchTemplate = Object.freeze({
    launchTemplateId: hexId('lt'),
    launchTemplateName: name,
    accountId: scope.account,
    region: scope.region,
    createTime: at,
    defaultVersionNumber: 1,
    latestVersionNumber: 1,
    versions: Object.freeze([
      Object.freeze({
        versionNumber: 1,
        ...(data.versionDescription !== undefined ? { versionDescription: data.versionDescription } : {}),
        imageId: data.imageId as string,
        instanceType: data.instanceType ?? DEFAULT_INSTANCE_TYPE,
        createTime: at,
      }),
    ]),
  });
  return store.transaction(async (tx) => {
    if (await byName(tx, scope, name))
      throw new KilnError(
        'ResourceAlreadyExistsException',
        `A launch template named '${name}' already exists in ${scope.region}.`,
        { hint: 'Add a version to it with kiln launch-template create-version.' },
      );
    await tx.putDocument(docOf(template, now, now));
    return template;
  });
}

/** Applies `change` to the template `ref` in one transaction and stores the result. */
async function change(
  store: Store,
  scope: Scope,
  ref: string,
  now: number,
  fn: (t: LaunchTemplate) => LaunchTemplate,
): Promise<LaunchTemplate> {
  return store.transaction(async (tx) => {
    const doc = await findDoc(tx, scope, ref);
    const next = fn(templateOf(doc));
    await tx.putDocument(docOf(next, doc.createdAt, now));
    return next;
  });
}

/** CreateLaunchTemplateVersion: from `sourceVersion` (default: the default version). */
export async function createLaunchTemplateVersion(
  store: Store,
  scope: Scope,
  ref: string,
  data: VersionData,
  now: number,
  options: { sourceVersion?: number; setDefault?: boolean } = {},
): Promise<LaunchTemplate> {
  return change(store, scope, ref, now, (t) => {
    const next = withNewVersion(t, data, isoTime(now), options.sourceVersion);
    return options.setDefault ? withDefault(next, next.latestVersionNumber) : next;
  });
}

export async function setDefaultVersion(
  store: Store,
  scope: Scope,
  ref: string,
  versionNumber: number,
  now: number,
): Promise<LaunchTemplate> {
  return change(store, scope, ref, now, (t) => withDefault(t, versionNumber));
}

export async function deleteLaunchTemplateVersion(
  store: Store,
  scope: Scope,
  ref: string,
  versionNumber: number,
  now: number,
): Promise<LaunchTemplate> {
  return change(store, scope, ref, now, (t) => withoutVersion(t, versionNumber));
}

export async function deleteLaunchTemplate(store: Store, scope: Scope, ref: string): Promise<LaunchTemplate> {
  return store.transaction(async (tx) => {
    const doc = await findDoc(tx, scope, ref);
    await tx.deleteDocument(LAUNCH_TEMPLATE_KIND, doc.id);
    return templateOf(doc);
  });
}

export interface AddVersionRequest {
  /** The account whose template it is (the image's, or a launchTemplateConfigurations accountId). */
  readonly account: string;
  readonly region: string;
  readonly launchTemplateId: string;
  readonly amiId: string;
  readonly setDefault: boolean;
}

/**
 * Distribution's `launchTemplateConfigurations`: a new version of the template (from its default
 * version) pointing at `amiId`, made the default when asked. The template must belong to
 * `account` in `region`.
 */
export async function addLaunchTemplateVersion(
  store: Store,
  now: number,
  req: AddVersionRequest,
): Promise<{ launchTemplateId: string; versionNumber: number }> {
  if (!isTemplateId(req.launchTemplateId))
    throw notFound('launch template', req.launchTemplateId, 'launchTemplateId is an lt-… id.');
  const imageId = checkImageId(req.amiId, 'amiId');
  const t = await createLaunchTemplateVersion(
    store,
    { account: req.account, region: req.region },
    req.launchTemplateId,
    { imageId },
    now,
    { setDefault: req.setDefault },
  );
  return { launchTemplateId: t.launchTemplateId, versionNumber: t.latestVersionNumber };
}

/**
 * `${region}/${amiId}` of every launch template's default version, in every account: what the
 * lifecycle executor and garbage collection must never delete.
 */
export async function inUseByLaunchTemplates(store: Store): Promise<ReadonlySet<string>> {
  const out = new Set<string>();
  let after: string | undefined;
  for (;;) {
    const page = await store.listDocuments({
      kind: LAUNCH_TEMPLATE_KIND,
      limit: 1000,
      ...(after !== undefined ? { afterSortKey: after } : {}),
    });
    for (const doc of page) {
      const t = templateOf(doc);
      const v = t.versions.find((x) => x.versionNumber === t.defaultVersionNumber);
      if (v) out.add(`${t.region}/${v.imageId}`);
    }
    if (page.length < 1000) return out;
    after = page.at(-1)?.sortKey;
  }
}

/** The two hooks other parts take as dependencies, in the shapes the composition root wires. */
export function launchTemplateHooks(store: Store, clock: { now(): number }) {
  return {
    addLaunchTemplateVersion: (req: AddVersionRequest) => addLaunchTemplateVersion(store, clock.now(), req),
    inUseByLaunchTemplates: () => inUseByLaunchTemplates(store),
  };
}
