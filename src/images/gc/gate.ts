/**
 * Keeps garbage collection and builds of one server apart. A build may reuse a blob it found
 * in the store (a layer cache hit, a base layer, an identical manifest) long before its image
 * directory is published and references it; a collection in between would delete it. The
 * engine has no publication lock to take, so the server runs collections only while none of
 * its builds is in flight: a build waits for a running collection to end (collections take
 * seconds), and a collection asked for while builds run is done when the last one ends.
 */
export class GcGate<R> {
  #builds = 0;
  #gc: Promise<R> | undefined;
  #pending = false;

  /**
   * @param collect runs one collection (e.g. collectGarbage over the server's data directory).
   * @param onError reports a deferred collection's failure (there is no caller left to reject).
   */
  constructor(
    private readonly collect: () => Promise<R>,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Builds running now. */
  get builds(): number {
    return this.#builds;
  }

  /**
   * Runs a build: after any collection in progress, holding collections off until it settles.
   * `work` is called synchronously when no collection runs.
   */
  async build<T>(work: () => Promise<T>): Promise<T> {
    this.#builds++;
    try {
      while (this.#gc) await this.#gc.catch(() => undefined);
      return await work();
    } finally {
      this.#builds--;
      if (this.#builds === 0 && this.#pending) this.request().catch(this.onError);
    }
  }

  /** A collection now (its result) when no build runs, else once they have all ended (undefined). */
  async request(): Promise<R | undefined> {
    if (this.#builds > 0) {
      this.#pending = true;
      return undefined;
    }
    this.#pending = false;
    const previous = this.#gc;
    const run: Promise<R> = (async () => {
      if (previous) await previous.catch(() => undefined);
      return this.collect();
    })();
    this.#gc = run;
    try {
      return await run;
    } finally {
      if (this.#gc === run) this.#gc = undefined;
    }
  }
}
