/**
 * A CLI verb: one file under src/cli/verbs/ parses its arguments, calls the client or the
 * library, and renders. `run` returns the process exit code (0 ok, 1 usage or input error,
 * 125 Kiln itself failed; `kiln toe run` passes on a failed step's status).
 */
export interface Verb {
  /** Words that select the verb, e.g. ['toe', 'validate'] or ['component', 'list']. */
  readonly path: readonly string[];
  /** One line for `kiln --help`. */
  readonly summary: string;
  /** Full usage text for `kiln <path> --help`. */
  readonly usage: string;
  run(args: string[], io: VerbIO): Promise<number>;
}

export interface VerbIO {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}
