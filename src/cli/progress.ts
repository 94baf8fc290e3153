/**
 * Live progress of one image build for `kiln pipeline start --wait` and `kiln logs --follow`:
 * turns the log stream's events into lines (elapsed time, status, step i/n, cached steps).
 * Pure: the caller feeds events and the time, and prints what comes back.
 */
export interface LogLineView {
  readonly time: number;
  readonly stage: string;
  readonly step: string;
  readonly stream: string;
  readonly text: string;
}

export interface StateView {
  readonly status: string;
  readonly reason?: string;
}

const elapsed = (ms: number): string => {
  const s = Math.max(0, Math.floor(ms / 1000));
  const mm = String(Math.floor(s / 60)).padStart(2, '0');
  return `${mm}:${String(s % 60).padStart(2, '0')}`;
};

export class Progress {
  #status = 'PENDING';
  #step = '';
  #steps: string[] = [];
  readonly #cached = new Set<string>();

  constructor(
    private readonly startedAt: number,
    /** Print every log line (logs --follow), or only step changes (pipeline start --wait). */
    private readonly verbose: boolean,
  ) {}

  get status(): string {
    return this.#status;
  }

  state(s: StateView, now: number): string[] {
    if (s.status === this.#status) return [];
    this.#status = s.status;
    const reason = s.reason ? `: ${s.reason}` : '';
    return [`[${elapsed(now - this.startedAt)}] ${s.status}${reason}`];
  }

  /** Step names are counted per stage, so "step 3/3" means the third step seen in that stage. */
  log(line: LogLineView, now: number): string[] {
    const out: string[] = [];
    const key = `${line.stage}/${line.step}`;
    // The engine starts a cache hit's log line with `cached:` (a miss says `not cached: why`).
    if (/^cached:/.test(line.text)) this.#cached.add(key);
    if (key !== this.#step) {
      this.#step = key;
      if (!this.#steps.includes(key)) this.#steps.push(key);
      const inStage = this.#steps.filter((k) => k.startsWith(`${line.stage}/`));
      const cached = this.#cached.size > 0 ? ` (${this.#cached.size} cached)` : '';
      out.push(
        `[${elapsed(now - this.startedAt)}] ${this.#status} ${line.stage} step ${inStage.length}: ${line.step}${cached}`,
      );
    }
    if (this.verbose || line.stream === 'stderr')
      out.push(`  ${line.stream === 'stderr' ? '! ' : ''}${line.text}`);
    return out;
  }
}
