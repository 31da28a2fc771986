/**
 * Capped, jittered exponential backoff, an abortable sleep and an idle timer.
 * @module
 */

/** Options for {@link Backoff}. */
export interface BackoffOptions {
  /** First delay in ms (default 800). */
  initialMs?: number;
  /** Cap in ms (default 30000). */
  maxMs?: number;
  /** Growth factor (default 2). */
  factor?: number;
  /** Jitter fraction added on top, 0..1 (default 0.2). */
  jitter?: number;
  /** Reset the attempt count if no failure happened for this long (default 120000). */
  resetAfterMs?: number;
  /** Random source in [0,1) (tests replace it). */
  random?: () => number;
}

/** Exponential backoff with cap, jitter and reset (kube-rs DefaultBackoff). */
export class Backoff {
  #attempt = 0;
  #last = 0;
  readonly #o: Required<BackoffOptions>;

  /** Creates a backoff. */
  constructor(opts: BackoffOptions = {}) {
    this.#o = {
      initialMs: opts.initialMs ?? 800,
      maxMs: opts.maxMs ?? 30_000,
      factor: opts.factor ?? 2,
      jitter: opts.jitter ?? 0.2,
      resetAfterMs: opts.resetAfterMs ?? 120_000,
      random: opts.random ?? Math.random,
    };
  }

  /** Attempts since the last reset. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The next delay in ms. */
  next(): number {
    const now = Date.now();
    if (this.#attempt > 0 && now - this.#last > this.#o.resetAfterMs) this.#attempt = 0;
    this.#last = now;
    const base = Math.min(this.#o.maxMs, this.#o.initialMs * this.#o.factor ** this.#attempt);
    this.#attempt++;
    return Math.min(this.#o.maxMs, Math.round(base * (1 + this.#o.jitter * this.#o.random())));
  }

  /** Forgets failures. */
  reset(): void {
    this.#attempt = 0;
  }
}

/** Sleeps `ms`, resolving early (without error) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** A running {@link idleTimer}. */
export interface IdleTimer {
  /** Records activity: the idle period starts again from now. */
  touch(): void;
  /** Stops the timer (`onIdle` is not called afterwards). */
  stop(): void;
}

/**
 * Calls `onIdle` once `ms` have passed without a `touch()`. One timer re-checks
 * the time of the last touch on the monotonic clock, rather than a new timer per
 * touch: streams touch on every event (a clear and set per event cost ~1 % of a
 * 1,000-Service run), and a wall-clock step must not make a stream look idle.
 */
export function idleTimer(ms: number, onIdle: () => void): IdleTimer {
  let last = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const check = () => {
    const left = last + ms - performance.now();
    if (left <= 0) onIdle();
    else timer = setTimeout(check, left);
  };
  timer = setTimeout(check, ms);
  return {
    touch: () => void (last = performance.now()),
    stop: () => clearTimeout(timer),
  };
}
