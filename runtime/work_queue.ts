/**
 * A keyed work queue with client-go semantics: dedup, a key is never handed to
 * two workers at once (re-adds while processing are held until `done`), delayed
 * adds (earliest wins), per-key exponential failure backoff (capped, reset by
 * `forget`), a global token-bucket rate cap, and graceful drain.
 * @module
 */

/** Options for {@link WorkQueue}. */
export interface WorkQueueOptions {
  /** Name used in metrics. */
  name?: string;
  /** Per-key base delay in ms (default 5). */
  baseDelayMs?: number;
  /** Per-key max delay in ms (default 1_000_000). */
  maxDelayMs?: number;
  /** Global rate-limited adds per second (default 10). */
  qps?: number;
  /** Token bucket size (default 100). */
  burst?: number;
  /** Observer for metrics. */
  metrics?: QueueMetricsSink;
}

/** Receives queue metrics. */
export interface QueueMetricsSink {
  /** Current depth changed. */
  depth(queue: string, n: number): void;
  /** A key was added. */
  add(queue: string): void;
  /** A key waited `ms` between add and get. */
  latency(queue: string, ms: number): void;
  /** A rate-limited retry was scheduled. */
  retry(queue: string): void;
  /** The global token bucket held a retry `ms` beyond its per-key backoff. */
  throttled?(queue: string, ms: number): void;
}

/** A keyed, deduplicating, rate-limited work queue. */
export class WorkQueue {
  /** Queue name. */
  readonly name: string;
  #queue: string[] = [];
  #dirty = new Set<string>();
  #processing = new Set<string>();
  #addedAt = new Map<string, number>();
  #delayed = new Map<string, { at: number; timer: ReturnType<typeof setTimeout> }>();
  #failures = new Map<string, number>();
  #waiters: ((k: string | undefined) => void)[] = [];
  #idleWaiters: (() => void)[] = [];
  #drainWaiters: (() => void)[] = [];
  #shuttingDown = false;
  #tokens: number;
  #last = Date.now();
  readonly #o: Required<Omit<WorkQueueOptions, "metrics" | "name">>;
  readonly #m?: QueueMetricsSink;

  /** Creates a queue. */
  constructor(opts: WorkQueueOptions = {}) {
    this.name = opts.name ?? "default";
    this.#o = {
      baseDelayMs: opts.baseDelayMs ?? 5,
      maxDelayMs: opts.maxDelayMs ?? 1_000_000,
      qps: opts.qps ?? 10,
      burst: opts.burst ?? 100,
    };
    this.#tokens = this.#o.burst;
    this.#m = opts.metrics;
  }

  /** Keys waiting to be handed out. */
  get length(): number {
    return this.#queue.length;
  }
  /** Keys currently being processed. */
  get processing(): number {
    return this.#processing.size;
  }
  /** Keys scheduled for later. */
  get delayed(): number {
    return this.#delayed.size;
  }
  /** True after shutDown. */
  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }
  /** True when nothing is queued or in flight (delayed keys do not count). */
  get idle(): boolean {
    return this.#queue.length === 0 && this.#processing.size === 0;
  }

  /** Adds a key now (deduplicated). */
  add(key: string): void {
    if (this.#shuttingDown) return;
    const d = this.#delayed.get(key);
    if (d) {
      clearTimeout(d.timer);
      this.#delayed.delete(key);
    }
    if (this.#dirty.has(key)) return;
    this.#dirty.add(key);
    this.#addedAt.set(key, Date.now());
    this.#m?.add(this.name);
    if (this.#processing.has(key)) return;
    this.#push(key);
  }

  /** Adds a key after `ms`; if already scheduled, the earlier time wins. */
  addAfter(key: string, ms: number): void {
    if (this.#shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = Date.now() + ms;
    const cur = this.#delayed.get(key);
    if (cur && cur.at <= at) return;
    if (cur) clearTimeout(cur.timer);
    const timer = setTimeout(() => {
      this.#delayed.delete(key);
      this.add(key);
    }, ms);
    this.#delayed.set(key, { at, timer });
  }

  /** Adds a key after its rate-limited delay (per-key exponential, global bucket). */
  addRateLimited(key: string): void {
    if (this.#shuttingDown) return;
    this.#m?.retry(this.name);
    this.addAfter(key, this.when(key));
  }

  /** Computes and consumes the rate-limited delay for a key (max of per-key and bucket). */
  when(key: string): number {
    const n = this.#failures.get(key) ?? 0;
    this.#failures.set(key, n + 1);
    const perKey = Math.min(this.#o.maxDelayMs, this.#o.baseDelayMs * 2 ** n);
    const now = Date.now();
    this.#tokens = Math.min(
      this.#o.burst,
      this.#tokens + ((now - this.#last) / 1000) * this.#o.qps,
    );
    this.#last = now;
    this.#tokens -= 1;
    const bucket = this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens / this.#o.qps) * 1000);
    if (bucket > perKey) this.#m?.throttled?.(this.name, bucket - perKey);
    return Math.max(perKey, bucket);
  }

  /** Failures recorded for a key since the last forget. */
  numRequeues(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** Resets a key's failure backoff. */
  forget(key: string): void {
    this.#failures.delete(key);
  }

  /** Waits for the next key; undefined once shut down and drained. */
  get(): Promise<string | undefined> {
    if (this.#queue.length > 0) return Promise.resolve(this.#take());
    if (this.#shuttingDown) return Promise.resolve(undefined);
    return new Promise((r) => this.#waiters.push(r));
  }

  /** Marks a key processed; a re-add that arrived meanwhile is queued now. */
  done(key: string): void {
    this.#processing.delete(key);
    if (this.#dirty.has(key) && !this.#shuttingDown) this.#push(key);
    else if (this.#dirty.has(key)) this.#dirty.delete(key);
    this.#checkIdle();
  }

  /** Resolves when the queue is idle (nothing queued or processing). */
  whenIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((r) => this.#idleWaiters.push(r));
  }

  /** Stops intake; queued keys are dropped, waiting workers get undefined. */
  shutDown(): void {
    this.#shuttingDown = true;
    for (const d of this.#delayed.values()) clearTimeout(d.timer);
    this.#delayed.clear();
    for (const k of this.#queue) this.#dirty.delete(k);
    this.#queue = [];
    this.#m?.depth(this.name, 0);
    for (const w of this.#waiters.splice(0)) w(undefined);
    this.#checkIdle();
  }

  /** Stops intake and resolves once in-flight keys are done. */
  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.#processing.size === 0) return Promise.resolve();
    return new Promise((r) => this.#drainWaiters.push(r));
  }

  #push(key: string): void {
    const w = this.#waiters.shift();
    this.#queue.push(key);
    this.#m?.depth(this.name, this.#queue.length);
    if (w) w(this.#take());
  }

  #take(): string {
    const key = this.#queue.shift()!;
    this.#processing.add(key);
    this.#dirty.delete(key);
    const at = this.#addedAt.get(key);
    this.#addedAt.delete(key);
    if (at !== undefined) this.#m?.latency(this.name, Date.now() - at);
    this.#m?.depth(this.name, this.#queue.length);
    return key;
  }

  #checkIdle(): void {
    if (this.#processing.size === 0) { for (const d of this.#drainWaiters.splice(0)) d(); }
    if (this.idle) { for (const w of this.#idleWaiters.splice(0)) w(); }
  }
}
