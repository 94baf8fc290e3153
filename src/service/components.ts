import { latestVersionReferences, normalizeName } from '../core/arn.js';
import { formatVersion } from '../core/semver.js';
import { KilnError } from '../core/errors.js';
import type { ResourceRecord } from '../store/store.js';
import { checkComponentDocument, shellScriptDocument } from './component-document.js';
import type { CallContext, Handler, Input, ServiceDeps } from './context.js';
import { bodyField, bodyList, compileFilters } from './filters.js';
import { listByOwner } from './owners.js';
import { policyHandlers } from './policy-handlers.js';
import { compact, resolveVersioned, versionKeyOf } from './resources.js';
import { assertUnused } from './dependents.js';
import { insertNextBuild, listBuilds, stopIfDryRun } from './builds.js';

const READ = 'imagebuilder:GetComponent';

/** Exactly one of two members, as the service demands for data/uri pairs. */
export function exactlyOne(input: Input, a: string, b: string): void {
  const has = (k: string) => input[k] !== undefined && input[k] !== '';
  if (has(a) === has(b)) {
    throw new KilnError(
      'InvalidParameterCombinationException',
      `Specify exactly one of '${a}' or '${b}'${has(a) ? ', not both' : ''}.`,
    );
  }
}

async function createBuild(deps: ServiceDeps, ctx: CallContext, input: Input, data: string) {
  const { version, versionKey } = versionKeyOf(input.semanticVersion);
  const checked = checkComponentDocument(data, input.platform, input.data !== undefined ? 'data' : 'uri');
  stopIfDryRun(input);
  const parts = {
    region: ctx.region,
    account: ctx.account,
    type: 'component' as const,
    name: input.name,
    version,
  };
  const arn = await insertNextBuild(deps, ctx, {
    type: 'component',
    nameKey: normalizeName(input.name),
    versionKey,
    arn: parts,
    tags: input.tags,
    body: (arn, now) =>
      compact({
        arn,
        name: input.name,
        version: formatVersion(version),
        description: input.description,
        changeDescription: input.changeDescription,
        type: checked.type,
        platform: input.platform,
        supportedOsVersions: input.supportedOsVersions,
        state: { status: 'ACTIVE' },
        parameters: checked.parameters.length > 0 ? checked.parameters : undefined,
        owner: ctx.account,
        data,
        kmsKeyId: input.kmsKeyId,
        encrypted: true,
        dateCreated: now,
        obfuscate: false,
      }),
  });
  return { arn, refs: latestVersionReferences(parts) };
}

const createComponent: Handler = async (deps, ctx, input) => {
  exactlyOne(input, 'data', 'uri');
  const data = input.data ?? (await deps.fetchDocument(input.uri, 'uri'));
  const { arn, refs } = await createBuild(deps, ctx, input, data);
  return {
    requestId: ctx.requestId,
    clientToken: input.clientToken,
    componentBuildVersionArn: arn,
    latestVersionReferences: refs,
  };
};

const importComponent: Handler = async (deps, ctx, input) => {
  exactlyOne(input, 'data', 'uri');
  const script = input.data ?? (await deps.fetchDocument(input.uri, 'uri'));
  if (input.format !== 'SHELL') {
    throw new KilnError(
      'InvalidParameterValueException',
      `The value supplied for parameter 'format' is not valid. Only SHELL is supported.`,
    );
  }
  if (input.platform === 'Windows') {
    throw new KilnError(
      'InvalidParameterCombinationException',
      "A SHELL import needs platform 'Linux' or 'macOS'.",
    );
  }
  const data = shellScriptDocument(input.name, input.description, script, input.type);
  const { arn } = await createBuild(deps, ctx, { ...input, data, dryRun: false }, data);
  return { requestId: ctx.requestId, clientToken: input.clientToken, componentBuildVersionArn: arn };
};

const getComponent: Handler = async (deps, ctx, input) => {
  const record = await resolveVersioned(
    deps,
    ctx,
    input.componentBuildVersionArn,
    'componentBuildVersionArn',
    {
      type: 'component',
      action: READ,
      levels: 'any',
    },
  );
  return {
    requestId: ctx.requestId,
    component: { ...record.body, tags: record.tags },
    latestVersionReferences: latestRefsOf(record),
  };
};

export function latestRefsOf(record: ResourceRecord) {
  const [major, minor, patch] = String(record.body.version).split('.').map(Number) as [
    number,
    number,
    number,
  ];
  return latestVersionReferences({
    region: record.region,
    account: record.account,
    type: record.type,
    name: record.nameKey,
    version: { major, minor, patch },
  });
}

const COMPONENT_FILTERS = {
  name: bodyField('name'),
  platform: bodyField('platform'),
  type: bodyField('type'),
  version: bodyField('version'),
  description: bodyField('description'),
  supportedOsVersion: bodyList('supportedOsVersions'),
};

/** Version-level entry: the ARN without its build number. */
const versionEntry = (r: ResourceRecord) =>
  compact({
    arn: String(r.body.arn).replace(/\/[0-9]+$/, ''),
    name: r.body.name,
    version: r.body.version,
    description: r.body.description,
    platform: r.body.platform,
    supportedOsVersions: r.body.supportedOsVersions,
    type: r.body.type,
    owner: r.body.owner,
    dateCreated: r.body.dateCreated,
    status: (r.body.state as { status?: string } | undefined)?.status,
  });

const listComponents: Handler = async (deps, ctx, input) => {
  const keep = compileFilters(input.filters, COMPONENT_FILTERS);
  const nameKey = byNameKey(input);
  const page = await listByOwner({
    deps,
    ctx,
    type: 'component',
    owner: input.owner,
    listAction: 'imagebuilder:ListComponents',
    latestBuildsOnly: true,
    selectors: [input.owner, input.filters, input.byName],
    maxResults: input.maxResults,
    nextToken: input.nextToken,
    keep,
    map: versionEntry,
    ...(nameKey !== undefined ? { nameKey } : {}),
  });
  return { requestId: ctx.requestId, componentVersionList: page.items, nextToken: page.nextToken };
};

/** `byName: true` lists every version of the one name given in the `name` filter. */
export function byNameKey(input: Input): string | undefined {
  if (!input.byName) return undefined;
  const nameFilter = (input.filters ?? []).find((f: { name?: string }) => f.name === 'name');
  if (!nameFilter || nameFilter.values?.length !== 1) {
    throw new KilnError(
      'InvalidParameterCombinationException',
      "byName needs exactly one 'name' filter with one value.",
    );
  }
  return normalizeName(nameFilter.values[0]);
}

const summary = (r: ResourceRecord) =>
  compact({
    arn: r.body.arn,
    name: r.body.name,
    version: r.body.version,
    platform: r.body.platform,
    supportedOsVersions: r.body.supportedOsVersions,
    state: r.body.state,
    type: r.body.type,
    owner: r.body.owner,
    description: r.body.description,
    changeDescription: r.body.changeDescription,
    dateCreated: r.body.dateCreated,
    tags: r.tags,
    obfuscate: r.body.obfuscate,
  });

const listComponentBuildVersions: Handler = async (deps, ctx, input) => {
  const page = await listBuilds(deps, ctx, {
    type: 'component',
    member: 'componentVersionArn',
    versionArn: input.componentVersionArn,
    action: READ,
    levels: 'version',
    input,
    map: summary,
  });
  return { requestId: ctx.requestId, componentSummaryList: page.items, nextToken: page.nextToken };
};

const deleteComponent: Handler = async (deps, ctx, input) => {
  const record = await resolveVersioned(
    deps,
    ctx,
    input.componentBuildVersionArn,
    'componentBuildVersionArn',
    {
      type: 'component',
      action: READ,
      levels: 'build',
    },
  );
  if (record.account !== ctx.account)
    throw new KilnError('ForbiddenException', 'Only the owner may delete a component.');
  await assertUnused(deps, ctx, record);
  await deps.store.delete(record.arn);
  return { requestId: ctx.requestId, componentBuildVersionArn: record.arn };
};

const thePolicy = policyHandlers('component', 'componentArn', READ, 'build');

export const COMPONENT_HANDLERS: Record<string, Handler> = {
  CreateComponent: createComponent,
  ImportComponent: importComponent,
  GetComponent: getComponent,
  ListComponents: listComponents,
  ListComponentBuildVersions: listComponentBuildVersions,
  DeleteComponent: deleteComponent,
  PutComponentPolicy: thePolicy.put,
  GetComponentPolicy: thePolicy.get,
};
