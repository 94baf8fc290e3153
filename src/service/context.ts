import type { Clock } from '../core/clock.js';
import type { Config } from '../config/config.js';
import type { Store } from '../store/store.js';

/** Who is calling and where: the account of the access key and the region of the SigV4 scope. */
export interface CallContext {
  readonly account: string;
  readonly region: string;
  readonly requestId: string;
  readonly operation: string;
}

/** What every use case may touch. Built once by the composition root. */
export interface ServiceDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly config: Config;
  /** Reads a document named by a `uri` member (file:// or http(s)://). */
  readonly fetchDocument: (uri: string, member: string) => Promise<string>;
}

// biome-ignore lint/suspicious/noExplicitAny: inputs are validated against the model before a handler runs.
export type Input = any;
export type Output = Record<string, unknown>;

/** One use case per API operation. The input was validated against the model at the edge. */
export type Handler = (deps: ServiceDeps, ctx: CallContext, input: Input) => Promise<Output>;
