/**
 * Kiln endpoints for launch templates, launches and AMI sharing (docs/launch-templates.md):
 *   GET|POST|DELETE /kiln/launch-templates, POST|DELETE /kiln/launch-templates/versions,
 *   POST /kiln/launch-templates/default-version, POST /kiln/instances,
 *   GET /kiln/amis, POST /kiln/amis/launch-permission.
 * They act in the signing key's account and region, like every /kiln/ route.
 */
import { invalidValue } from '../core/errors.js';
import { organizationsOf } from '../distribution/permission.js';
import { launchInstance } from '../launch-templates/launch.js';
import {
  createLaunchTemplate,
  createLaunchTemplateVersion,
  deleteLaunchTemplate,
  deleteLaunchTemplateVersion,
  getLaunchTemplate,
  listLaunchTemplates,
  setDefaultVersion,
} from '../launch-templates/library.js';
import { checkVersionData, checkVersionNumber } from '../launch-templates/model.js';
import { listLaunchableAmis, setLaunchPermission } from '../launch-templates/sharing.js';
import type { CallContext, ServiceDeps } from './context.js';

interface RouteCall {
  readonly ctx: CallContext;
  readonly query: URLSearchParams;
  readonly body: Record<string, unknown>;
}

const requiredText = (value: unknown, member: string): string => {
  if (typeof value !== 'string' || value === '') throw invalidValue(member, `'${member}' is required.`);
  return value;
};

const optionalNumber = (value: unknown, member: string): number | undefined =>
  value === undefined || value === null ? undefined : checkVersionNumber(value, member);

function commandOf(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((a) => typeof a !== 'string'))
    throw invalidValue('command', 'the command is a list of strings (argv).');
  return value as string[];
}

/** The routes, in the shape of src/api/kiln-routes.ts's route table. */
export function launchTemplateRoutes(
  deps: ServiceDeps,
): Record<string, (call: RouteCall) => Promise<unknown>> {
  const { store } = deps;
  const now = () => deps.clock.now();
  const common = {
    store,
    now,
    dataDir: deps.config.dataDir,
    organizations: organizationsOf(deps.config),
  };
  return {
    'GET /kiln/launch-templates': async ({ ctx, query }) => {
      const ref = query.get('launchTemplate');
      if (ref !== null) return { launchTemplate: await getLaunchTemplate(store, ctx, ref) };
      return { launchTemplates: await listLaunchTemplates(store, ctx) };
    },
    'POST /kiln/launch-templates': async ({ ctx, body }) => ({
      launchTemplate: await createLaunchTemplate(store, ctx, body, now()),
    }),
    'DELETE /kiln/launch-templates': async ({ ctx, query }) => ({
      launchTemplate: await deleteLaunchTemplate(
        store,
        ctx,
        requiredText(query.get('launchTemplate'), 'launchTemplate'),
      ),
    }),
    'POST /kiln/launch-templates/versions': async ({ ctx, body }) => {
      const sourceVersion = optionalNumber(body.sourceVersion, 'sourceVersion');
      return {
        launchTemplate: await createLaunchTemplateVersion(
          store,
          ctx,
          requiredText(body.launchTemplate, 'launchTemplate'),
          checkVersionData(body, false),
          now(),
          { ...(sourceVersion !== undefined ? { sourceVersion } : {}), setDefault: body.setDefault === true },
        ),
      };
    },
    'DELETE /kiln/launch-templates/versions': async ({ ctx, query }) => ({
      launchTemplate: await deleteLaunchTemplateVersion(
        store,
        ctx,
        requiredText(query.get('launchTemplate'), 'launchTemplate'),
        checkVersionNumber(query.get('versionNumber') ?? undefined),
        now(),
      ),
    }),
    'POST /kiln/launch-templates/default-version': async ({ ctx, body }) => ({
      launchTemplate: await setDefaultVersion(
        store,
        ctx,
        requiredText(body.launchTemplate, 'launchTemplate'),
        checkVersionNumber(body.versionNumber),
        now(),
      ),
    }),
    'POST /kiln/instances': async ({ ctx, body }) => {
      const version = optionalNumber(body.version, 'version');
      const command = commandOf(body.command);
      return {
        instance: await launchInstance(
          { ...common, cacheDir: deps.config.cacheDir },
          {
            account: ctx.account,
            region: ctx.region,
            ...(body.launchTemplate !== undefined
              ? { launchTemplate: requiredText(body.launchTemplate, 'launchTemplate') }
              : {}),
            ...(body.imageId !== undefined ? { imageId: requiredText(body.imageId, 'imageId') } : {}),
            ...(body.instanceType !== undefined
              ? { instanceType: requiredText(body.instanceType, 'instanceType') }
              : {}),
            ...(version !== undefined ? { version } : {}),
            ...(command ? { command } : {}),
            keep: body.keep !== false,
          },
        ),
      };
    },
    'GET /kiln/amis': async ({ ctx }) => ({ images: await listLaunchableAmis(common, ctx) }),
    'POST /kiln/amis/launch-permission': async ({ ctx, body }) => ({
      image: await setLaunchPermission(common, ctx, body.imageId, body.launchPermission ?? {}),
    }),
  };
}
