/**
 * Kiln's parameter store, its stand-in for SSM parameters (design.md §1): named values per
 * account and region, versioned on every overwrite. `ssm:<name>` parent images read them
 * (src/engine/parents/) and distribution writes new image ids into them. Served under
 * /kiln/parameters (docs/api-notes.md, "Parameters") and by `kiln parameter …`.
 */
import { invalidValue, notFound } from '../core/errors.js';
import {
  PARAMETER_KIND,
  type ParameterBody,
  type ParameterType,
  parameterId,
  parameterNameProblem,
  writeParameter,
} from '../engine/parents/parameter-record.js';
import type { CallContext, ServiceDeps } from './context.js';

const TYPES: readonly ParameterType[] = ['text', 'aws:ec2:image'];
const MAX_VALUE = 4096;
const IMAGE_VALUE = /^(ami-[0-9a-f]{8,17}|arn:aws[^:]*:imagebuilder:[^:]+:[^:]+:image\/.+)$/;

/** Checks a parameter name as SSM does (hierarchies start with `/`; `aws`/`ssm` are reserved). */
export function checkParameterName(name: unknown): string {
  const problem = parameterNameProblem(name);
  if (problem !== undefined) throw invalidValue('name', problem);
  return name as string;
}

export interface PutParameterInput {
  readonly name?: unknown;
  readonly value?: unknown;
  readonly type?: unknown;
  readonly description?: unknown;
  readonly overwrite?: unknown;
}

/** Validates a put (pure): the frozen name, value, type and description. */
export function checkPut(input: PutParameterInput) {
  const name = checkParameterName(input.name);
  const type = (input.type ?? 'text') as ParameterType;
  if (!TYPES.includes(type))
    throw invalidValue('type', `'${String(input.type)}' is not one of ${TYPES.join(', ')}.`);
  const value = input.value;
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_VALUE)
    throw invalidValue('value', `a parameter value is 1 to ${MAX_VALUE} characters.`);
  if (type === 'aws:ec2:image' && !IMAGE_VALUE.test(value))
    throw invalidValue(
      'value',
      `'${value}' is not an image id (ami-…) or an image ARN, as type aws:ec2:image requires.`,
    );
  const description = input.description;
  if (description !== undefined && (typeof description !== 'string' || description.length > 1024))
    throw invalidValue('description', 'a description is a string of at most 1024 characters.');
  return Object.freeze({ name, value, type, ...(description ? { description: description as string } : {}) });
}

const bodyOf = (doc: { body: Readonly<Record<string, unknown>> }) => doc.body as unknown as ParameterBody;

/** PutParameter: creates version 1, or (with `overwrite`) the next version. */
export async function putParameter(
  deps: Pick<ServiceDeps, 'store' | 'clock'>,
  ctx: CallContext,
  input: PutParameterInput,
) {
  return writeParameter(
    deps.store,
    { account: ctx.account, region: ctx.region, now: deps.clock.now() },
    checkPut(input),
    input.overwrite === true,
  );
}

export async function getParameter(deps: Pick<ServiceDeps, 'store'>, ctx: CallContext, name: unknown) {
  const checked = checkParameterName(name);
  const doc = await deps.store.getDocument(PARAMETER_KIND, parameterId(ctx.account, ctx.region, checked));
  if (!doc) throw notFound('parameter', checked, 'List them with kiln parameter list.');
  return bodyOf(doc);
}

/** Every parameter of the caller's account and region, by name; `path` keeps one hierarchy. */
export async function listParameters(deps: Pick<ServiceDeps, 'store'>, ctx: CallContext, path?: string) {
  const out: ParameterBody[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await deps.store.listDocuments({
      kind: PARAMETER_KIND,
      account: ctx.account,
      region: ctx.region,
      limit: 500,
      ...(after !== undefined ? { afterSortKey: after } : {}),
    });
    out.push(...page.map(bodyOf));
    if (page.length < 500) break;
    after = page.at(-1)?.sortKey;
  }
  const prefix = path ? `${path.replace(/\/+$/, '')}/` : undefined;
  return prefix ? out.filter((p) => p.name.startsWith(prefix)) : out;
}

export async function deleteParameter(deps: Pick<ServiceDeps, 'store'>, ctx: CallContext, name: unknown) {
  const checked = checkParameterName(name);
  const id = parameterId(ctx.account, ctx.region, checked);
  if (!(await deps.store.getDocument(PARAMETER_KIND, id))) throw notFound('parameter', checked);
  await deps.store.deleteDocument(PARAMETER_KIND, id);
}

interface RouteCall {
  readonly ctx: CallContext;
  readonly query: URLSearchParams;
  readonly body: Record<string, unknown>;
}

/** The /kiln/parameters endpoints, in the shape of src/api/kiln-routes.ts's route table. */
export function parameterRoutes(deps: ServiceDeps): Record<string, (call: RouteCall) => Promise<unknown>> {
  return {
    'POST /kiln/parameters': async ({ ctx, body }) => ({
      parameter: await putParameter(deps, ctx, body),
    }),
    'GET /kiln/parameters': async ({ ctx, query }) => {
      const name = query.get('name');
      if (name !== null) return { parameter: await getParameter(deps, ctx, name) };
      return { parameters: await listParameters(deps, ctx, query.get('path') ?? undefined) };
    },
    'DELETE /kiln/parameters': async ({ ctx, query }) => {
      await deleteParameter(deps, ctx, query.get('name'));
      return {};
    },
  };
}
