/**
 * Kiln's own HTTP endpoints beside the Image Builder API, under /kiln/ (docs/pipelines.md):
 * image logs (JSON and server-sent events), the event log, and topics with their webhook
 * subscriptions and deliveries. Requests are SigV4-signed exactly like API calls (service
 * `imagebuilder`, the same access keys) and act in the signing key's account and region.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { renderError } from '../contract/error-response.js';
import { KilnError, invalidValue } from '../core/errors.js';
import { listDeliveries, listEvents } from '../events/event-log.js';
import type { ImageLogs } from '../events/image-logs.js';
import {
  createTopic,
  deleteTopic,
  getTopic,
  listSubscriptions,
  listTopics,
  subscribe,
  unsubscribe,
} from '../events/topics.js';
import type { CallContext, ServiceDeps } from '../service/context.js';
import { launchTemplateRoutes } from '../service/launch-templates.js';
import { lifecycleRoutes } from '../service/lifecycle-routes.js';
import { parameterRoutes } from '../service/parameters.js';
import { resolveVersioned } from '../service/resources.js';
import { scanRoutes } from '../service/scan-feeds.js';
import { streamImageLog } from './log-stream.js';
import { accessKeyLookup, verifySigV4 } from './sigv4.js';

export const KILN_PREFIX = '/kiln/';

interface Call {
  readonly ctx: CallContext;
  readonly query: URLSearchParams;
  readonly body: Record<string, unknown>;
}

type Route = (call: Call) => Promise<unknown>;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const required = (q: URLSearchParams | Record<string, unknown>, name: string): string => {
  const v = q instanceof URLSearchParams ? q.get(name) : q[name];
  if (typeof v !== 'string' || v === '')
    throw new KilnError('InvalidRequestException', `'${name}' is required.`);
  return v;
};

const limitOf = (q: URLSearchParams, fallback: number, max: number): number => {
  const text = q.get('limit');
  if (text === null) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw invalidValue('limit', `Use a whole number from 1 to ${max}.`);
  return n;
};

/** The /kiln/ routes; returns a request listener that answers false for paths it does not own. */
export function createKilnRoutes(deps: ServiceDeps, logs: ImageLogs) {
  const lookupKey = accessKeyLookup(deps.config.accessKeys);
  const store = deps.store;
  const imageOf = (ctx: CallContext, arn: string) =>
    resolveVersioned(deps, ctx, arn, 'imageBuildVersionArn', {
      type: 'image',
      action: 'imagebuilder:GetImage',
      levels: 'build',
    });

  const routes: Record<string, Route> = {
    ...parameterRoutes(deps),
    ...launchTemplateRoutes(deps),
    ...scanRoutes(deps),
    ...lifecycleRoutes(deps),
    'GET /kiln/logs': async ({ ctx, query }) => {
      const image = await imageOf(ctx, required(query, 'imageBuildVersionArn'));
      const chunk = await logs.read(image.arn, Number(query.get('from') ?? 0));
      return {
        imageBuildVersionArn: image.arn,
        state: image.body.state,
        lines: chunk.lines,
        next: chunk.next,
      };
    },
    'GET /kiln/events': async ({ ctx, query }) =>
      listEvents(store, {
        account: ctx.account,
        region: ctx.region,
        limit: limitOf(query, 100, 1000),
        ...(query.get('resource') ? { resource: query.get('resource') as string } : {}),
        ...(query.get('after') ? { after: query.get('after') as string } : {}),
      }),
    'GET /kiln/topics': async ({ ctx }) => {
      const topics = await listTopics(store, ctx);
      return {
        topics: await Promise.all(
          topics.map(async (t) => ({
            ...t,
            subscriptions: (await listSubscriptions(store, t.topicArn)).map(
              ({ secret: _s, ...rest }) => rest,
            ),
          })),
        ),
      };
    },
    'POST /kiln/topics': async ({ ctx, body }) => ({
      topic: await createTopic(store, ctx, required(body, 'name'), deps.clock.now()),
    }),
    'DELETE /kiln/topics': async ({ ctx, query }) => {
      await deleteTopic(store, ctx, required(query, 'topicArn'));
      return {};
    },
    'POST /kiln/subscriptions': async ({ ctx, body }) => ({
      subscription: await subscribe(
        store,
        ctx,
        required(body, 'topicArn'),
        required(body, 'endpoint'),
        deps.clock.now(),
        typeof body.secret === 'string' ? body.secret : undefined,
      ),
    }),
    'DELETE /kiln/subscriptions': async ({ ctx, query }) => {
      await unsubscribe(store, ctx, required(query, 'subscriptionArn'));
      return {};
    },
    'GET /kiln/deliveries': async ({ ctx, query }) => {
      const topic = await getTopic(store, ctx, required(query, 'topicArn'));
      const subs = await listSubscriptions(store, topic.topicArn);
      return {
        deliveries: await listDeliveries(
          store,
          subs.map((s) => s.subscriptionArn),
          limitOf(query, 50, 1000),
        ),
      };
    },
  };

  async function authenticate(req: IncomingMessage, rawPath: string, rawQuery: string, body: Buffer) {
    const method = (req.method ?? 'GET').toUpperCase();
    const caller = verifySigV4({ method, rawPath, rawQuery, headers: req.headers, body }, lookupKey, {
      regions: deps.config.regions,
      clock: deps.clock,
    });
    return {
      account: caller.accessKey.accountId,
      region: caller.region,
      requestId: crypto.randomUUID(),
      operation: `Kiln ${method} ${rawPath}`,
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse, rawPath: string, rawQuery: string) {
    const method = (req.method ?? 'GET').toUpperCase();
    const body = await readBody(req);
    const ctx = await authenticate(req, rawPath, rawQuery, body);
    const query = new URLSearchParams(rawQuery);
    if (method === 'GET' && rawPath === '/kiln/logs/stream') {
      const image = await imageOf(ctx, required(query, 'imageBuildVersionArn'));
      const resumeAt = req.headers['last-event-id'] ?? query.get('from') ?? '0';
      await streamImageLog(req, res, { store, logs, imageArn: image.arn, from: Number(resumeAt) || 0 });
      return;
    }
    const route = routes[`${method} ${rawPath}`];
    if (!route)
      throw new KilnError('ResourceNotFoundException', `No Kiln endpoint is served at ${method} ${rawPath}.`);
    let parsed: Record<string, unknown> = {};
    if (body.length > 0) {
      try {
        parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      } catch {
        throw new KilnError('InvalidRequestException', 'The request body is not JSON.');
      }
    }
    const payload = JSON.stringify(await route({ ctx, query, body: parsed }));
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
    res.end(payload);
  }

  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = req.url ?? '/';
    if (!url.startsWith(KILN_PREFIX)) return false;
    const q = url.indexOf('?');
    const rawPath = q === -1 ? url : url.slice(0, q);
    const rawQuery = q === -1 ? '' : url.slice(q + 1);
    handle(req, res, rawPath, rawQuery).catch((err: unknown) => {
      const rendered = renderError(err);
      if (res.headersSent) return void res.end();
      const payload = JSON.stringify(rendered.body);
      res.writeHead(rendered.status, { ...rendered.headers, 'content-length': Buffer.byteLength(payload) });
      res.end(payload);
    });
    return true;
  };
}
