import { createHash } from 'node:crypto';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { InputMap } from '../model.js';
import type { ExecuteModule, ModuleContext, S3Settings } from './module.js';
import type { RunRecord, RunSummary } from './types.js';

/** AWSTOE runs at most 3 levels of ExecuteDocument below the documents it was given. */
export const MAX_DOCUMENT_NESTING = 3;

export interface NestedRequest {
  /** As the step named it (instance path, s3:// URI or ARN). */
  readonly path: string;
  readonly text: string;
  readonly phases?: readonly string[];
  readonly parameters: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
}

/** Runs a nested document with the calling run's instance and settings (the engine provides it). */
export type NestedRunner = (request: NestedRequest) => Promise<{ summary: RunSummary; record: RunRecord }>;

export interface DocumentModuleOptions {
  readonly runNested: NestedRunner;
  /** Nesting of the document holding the step: 0 for the run's own documents. */
  readonly depth: number;
  /** Content digests of the documents from the run's top down to the one holding the step. */
  readonly chain: readonly string[];
  /** Text of an Image Builder component build version (Kiln's service plugs its store in here). */
  readonly loadComponent?: (arn: string, signal: AbortSignal) => Promise<string>;
}

export const documentDigest = (text: string): string => createHash('sha256').update(text).digest('hex');

async function readS3(uri: string, s3: S3Settings | undefined, signal: AbortSignal): Promise<string> {
  if (!s3) throw new Error(`${uri} is on S3, and no S3 endpoint is configured`);
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match) throw new Error(`'${uri}' is not an s3://bucket/key URI`);
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: s3.forcePathStyle,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  try {
    const out = await client.send(new GetObjectCommand({ Bucket: match[1], Key: match[2] }), {
      abortSignal: signal,
    });
    return (await out.Body?.transformToString('utf8')) ?? '';
  } finally {
    client.destroy();
  }
}

async function readDocument(
  source: string,
  ctx: ModuleContext,
  options: DocumentModuleOptions,
): Promise<string> {
  if (source.startsWith('s3://')) return readS3(source, ctx.s3, ctx.signal);
  if (source.startsWith('arn:')) {
    if (!options.loadComponent) throw new Error(`component ARNs (${source}) can only be run by a Kiln build`);
    return options.loadComponent(source, ctx.signal);
  }
  // AWSTOE reads a local document on the machine it runs on: here, inside the instance.
  return (await ctx.fs.readFile(source)).toString('utf8');
}

/**
 * ExecuteDocument: reads the document (instance path, s3:// or component ARN), runs the chosen
 * phases with the given parameters on the same instance, and returns the nested run's summary
 * as its output (the nested detailed output goes to the step's `detailedOutput`).
 */
export function executeDocumentModule(options: DocumentModuleOptions): ExecuteModule {
  return async (inputs, ctx) => {
    const item = inputs as InputMap;
    const source = String(item.document);
    if (options.depth >= MAX_DOCUMENT_NESTING) {
      return {
        status: 'failed',
        message: `ExecuteDocument nests at most ${MAX_DOCUMENT_NESTING} levels; ${source} would be level ${options.depth + 1}`,
      };
    }
    let text: string;
    try {
      text = await readDocument(source, ctx, options);
    } catch (err) {
      return { status: 'failed', message: `cannot read document ${source}: ${(err as Error).message}` };
    }
    if (options.chain.includes(documentDigest(text))) {
      return { status: 'failed', message: `ExecuteDocument cycle: ${source} is already running further up` };
    }
    const phases =
      typeof item.phases === 'string' && item.phases.trim() !== ''
        ? item.phases.split(',').map((p) => p.trim())
        : undefined;
    const parameters: Record<string, string> = {};
    for (const p of (item.parameters as readonly InputMap[] | undefined) ?? [])
      parameters[String(p.name)] = String(p.value ?? '');
    ctx.log.info(`ExecuteDocument: running ${source}${phases ? ` (phases ${phases.join(',')})` : ''}`);
    let nested: Awaited<ReturnType<NestedRunner>>;
    try {
      nested = await options.runNested({
        path: source,
        text,
        ...(phases ? { phases } : {}),
        parameters,
        signal: ctx.signal,
      });
    } catch (err) {
      // An invalid document or a parameter without a value: the step fails, the run goes on per onFailure.
      return { status: 'failed', message: `${source}: ${(err as Error).message}` };
    }
    const { summary, record } = nested;
    const outputs = { ...summary, detailedOutput: record };
    if (summary.status === 'success') return { status: 'success', outputs };
    const cause = firstFailure(record);
    return {
      status: 'failed',
      message: `${summary.failureMessage || `document ${source} failed`}${cause ? ` (${cause})` : ''}`,
    };
  };
}

/** `phase.step: message` of the first failed step, looking into nested runs too. */
export function firstFailure(record: RunRecord): string | undefined {
  for (const doc of record.documents) {
    for (const phase of doc.phases) {
      for (const step of phase.steps) {
        if (step.status === 'failed') return `${phase.name}.${step.name}: ${step.failureMessage}`;
      }
    }
  }
  return undefined;
}
