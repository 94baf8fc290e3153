import { latestVersionReferences, normalizeName, type WorkflowType } from '../core/arn.js';
import { KilnError, invalidValue } from '../core/errors.js';
import { formatVersion } from '../core/semver.js';
import type { ResourceRecord } from '../store/store.js';
import { parseWorkflowDocument } from '../workflows/document.js';
import { byNameKey, exactlyOne, latestRefsOf } from './components.js';
import type { CallContext, Handler, Input, ServiceDeps } from './context.js';
import { assertUnused } from './dependents.js';
import { bodyField, compileFilters } from './filters.js';
import { listByOwner } from './owners.js';
import { insertNextBuild, listBuilds, stopIfDryRun } from './builds.js';
import { compact, resolveVersioned, versionKeyOf } from './resources.js';

const READ = 'imagebuilder:GetWorkflow';

function checkWorkflowData(data: string, type: 'BUILD' | 'TEST' | 'DISTRIBUTION', member: string) {
  const result = parseWorkflowDocument(data, type);
  if (!result.ok) {
    const shown = result.problems
      .slice(0, 20)
      .map((p) => `${p.line !== undefined ? `${p.line}:${p.column ?? 1}: ` : ''}${p.path}: ${p.message}`);
    throw invalidValue(member, `It is not a valid ${type} workflow document: ${shown.join('; ')}`);
  }
  return result.parameters;
}

const createWorkflow: Handler = async (deps, ctx, input) => {
  exactlyOne(input, 'data', 'uri');
  const data: string = input.data ?? (await deps.fetchDocument(input.uri, 'uri'));
  const { version, versionKey } = versionKeyOf(input.semanticVersion);
  const parameters = checkWorkflowData(data, input.type, input.data !== undefined ? 'data' : 'uri');
  stopIfDryRun(input);
  const workflowType = input.type.toLowerCase() as WorkflowType;
  const parts = {
    region: ctx.region,
    account: ctx.account,
    type: 'workflow' as const,
    workflowType,
    name: input.name,
    version,
  };
  const arn = await insertNextBuild(deps, ctx, {
    type: 'workflow',
    nameKey: `${workflowType}/${normalizeName(input.name)}`,
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
        type: input.type,
        owner: ctx.account,
        data,
        kmsKeyId: input.kmsKeyId,
        dateCreated: now,
        parameters: parameters.length > 0 ? parameters : undefined,
      }),
  });
  return {
    requestId: ctx.requestId,
    clientToken: input.clientToken,
    workflowBuildVersionArn: arn,
    latestVersionReferences: latestVersionReferences(parts),
  };
};

const getWorkflow: Handler = async (deps, ctx, input) => {
  const r = await resolveVersioned(deps, ctx, input.workflowBuildVersionArn, 'workflowBuildVersionArn', {
    type: 'workflow',
    action: READ,
    levels: 'any',
  });
  return {
    requestId: ctx.requestId,
    workflow: { ...r.body, tags: r.tags },
    latestVersionReferences: workflowRefs(r),
  };
};

function workflowRefs(r: ResourceRecord) {
  const refs = latestRefsOf({ ...r, nameKey: r.nameKey.replace(/^[a-z]+\//, '') });
  const typeSegment = `workflow/${String(r.body.type).toLowerCase()}/`;
  return Object.fromEntries(Object.entries(refs).map(([k, v]) => [k, v.replace('workflow/', typeSegment)]));
}

const versionEntry = (r: ResourceRecord) =>
  compact({
    arn: String(r.body.arn).replace(/\/[0-9]+$/, ''),
    name: r.body.name,
    version: r.body.version,
    description: r.body.description,
    type: r.body.type,
    owner: r.body.owner,
    dateCreated: r.body.dateCreated,
  });

const listWorkflows: Handler = async (deps, ctx, input) => {
  const filter = compileFilters(input.filters, {
    name: bodyField('name'),
    type: bodyField('type'),
    version: bodyField('version'),
  });
  // Workflow name keys carry the type segment, so byName filters on the name itself.
  const byName = byNameKey(input);
  const keep = (r: ResourceRecord) =>
    filter(r) && (byName === undefined || normalizeName(String(r.body.name)) === byName);
  const page = await listByOwner({
    deps,
    ctx,
    type: 'workflow',
    owner: input.owner,
    listAction: 'imagebuilder:ListWorkflows',
    latestBuildsOnly: true,
    selectors: [input.owner, input.filters, input.byName],
    maxResults: input.maxResults,
    nextToken: input.nextToken,
    keep,
    map: versionEntry,
  });
  return { requestId: ctx.requestId, workflowVersionList: page.items, nextToken: page.nextToken };
};

const summary = (r: ResourceRecord) =>
  compact({
    arn: r.body.arn,
    name: r.body.name,
    version: r.body.version,
    description: r.body.description,
    changeDescription: r.body.changeDescription,
    type: r.body.type,
    owner: r.body.owner,
    state: r.body.state,
    dateCreated: r.body.dateCreated,
    tags: r.tags,
  });

const listWorkflowBuildVersions: Handler = async (deps, ctx, input) => {
  const page = await listBuilds(deps, ctx, {
    type: 'workflow',
    member: 'workflowVersionArn',
    versionArn: input.workflowVersionArn,
    action: READ,
    levels: 'any',
    input,
    map: summary,
  });
  return { requestId: ctx.requestId, workflowSummaryList: page.items, nextToken: page.nextToken };
};

const deleteWorkflow: Handler = async (deps, ctx, input) => {
  const r = await resolveVersioned(deps, ctx, input.workflowBuildVersionArn, 'workflowBuildVersionArn', {
    type: 'workflow',
    action: READ,
    levels: 'build',
  });
  if (r.account !== ctx.account)
    throw new KilnError('ForbiddenException', 'Only the owner may delete a workflow.');
  await assertUnused(deps, ctx, r);
  await deps.store.delete(r.arn);
  return { requestId: ctx.requestId, workflowBuildVersionArn: r.arn };
};

/** Checks `workflows[]` of CreateImage / Create/UpdateImagePipeline. */
export async function checkWorkflowConfigurations(
  deps: ServiceDeps,
  ctx: CallContext,
  workflows: Input[] | undefined,
  executionRole: string | undefined,
) {
  if (!workflows || workflows.length === 0) return;
  if (!executionRole)
    throw new KilnError(
      'InvalidParameterCombinationException',
      'An execution role is required to provide workflows.',
      { hint: "Set 'executionRole' (Kiln stores it; any role name works)." },
    );
  if (workflows.length > 10) throw invalidValue('workflows', 'At most 10 workflows may be attached.');
  const counts: Record<string, number> = { BUILD: 0, TEST: 0, DISTRIBUTION: 0 };
  for (const [i, w] of workflows.entries()) {
    const member = `workflows[${i}].workflowArn`;
    const r = await resolveVersioned(deps, ctx, w.workflowArn, member, {
      type: 'workflow',
      action: READ,
      levels: 'any',
    }).catch((err: unknown) => {
      if (err instanceof KilnError && err.code === 'ResourceNotFoundException')
        throw invalidValue(member, err.message);
      throw err;
    });
    const type = String(r.body.type);
    counts[type] = (counts[type] ?? 0) + 1;
    if (w.parallelGroup !== undefined && type !== 'TEST')
      throw invalidValue(`workflows[${i}].parallelGroup`, 'Only TEST workflows run in parallel groups.');
    const declared = new Set(
      ((r.body.parameters as { name: string }[] | undefined) ?? []).map((p) => p.name),
    );
    for (const [j, p] of ((w.parameters as { name: string }[] | undefined) ?? []).entries()) {
      if (!declared.has(p.name))
        throw invalidValue(
          `workflows[${i}].parameters[${j}].name`,
          `The workflow declares no parameter '${p.name}'.`,
        );
    }
  }
  if ((counts.BUILD ?? 0) > 1 || (counts.DISTRIBUTION ?? 0) > 1) {
    throw new KilnError(
      'InvalidParameterCombinationException',
      'Attach at most one BUILD and at most one DISTRIBUTION workflow.',
    );
  }
}

export const WORKFLOW_HANDLERS: Record<string, Handler> = {
  CreateWorkflow: createWorkflow,
  GetWorkflow: getWorkflow,
  ListWorkflows: listWorkflows,
  ListWorkflowBuildVersions: listWorkflowBuildVersions,
  DeleteWorkflow: deleteWorkflow,
};
