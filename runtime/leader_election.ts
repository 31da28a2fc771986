/**
 * Leader election on a `coordination.k8s.io/v1` Lease (client-go semantics):
 * expiry measured from local observation, renew deadline, release on stop,
 * callbacks on start and loss.
 * @module
 */
import { sleep } from "./backoff.ts";
import type { KubeClient } from "./client_api.ts";
import { isAlreadyExists, isConflict, isNotFound, timeout } from "./errors.ts";
import { nullLogger } from "./logging.ts";
import type { Logger } from "./plugin.ts";
import type { KubeObject } from "./types.ts";
import { jsonEqual } from "./patch.ts";

/** Lease spec fields used. */
export interface LeaseSpec {
  /** Current holder. */
  holderIdentity?: string;
  /** Lease duration in seconds. */
  leaseDurationSeconds?: number;
  /** When the holder acquired it (MicroTime). */
  acquireTime?: string;
  /** Last renewal (MicroTime). */
  renewTime?: string;
  /** Holder changes. */
  leaseTransitions?: number;
}

/** Options for {@link LeaderElector}. */
export interface LeaderElectorOptions {
  /** Client. */
  client: KubeClient;
  /** Lease namespace. */
  namespace: string;
  /** Lease name. */
  leaseName: string;
  /** This replica's identity. */
  identity: string;
  /** Lease duration (default 15000). */
  leaseDurationMs?: number;
  /** Give up leading when renewal failed for this long (default 10000). */
  renewDeadlineMs?: number;
  /** Retry/renew period (default 2000). */
  retryPeriodMs?: number;
  /**
   * Deadline of each Lease get/create/update, in ms (default
   * `max(renewDeadlineMs / 2, 1000)`, as controller-runtime): a hung API call
   * is abandoned as a failed attempt so it cannot outlive the renew deadline.
   * While leading, an attempt is also cut short at the renew deadline itself.
   */
  requestTimeoutMs?: number;
  /** Logger. */
  logger?: Logger;
  /** Called on becoming leader. */
  onStartedLeading?: () => void;
  /** Called on losing (not releasing) leadership. */
  onStoppedLeading?: () => void;
}

function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, "000Z");
}

/**
 * Settles like `p`, or rejects with a `Timeout` error after `ms` or when
 * `signal` aborts, whichever comes first. The timer is always cleared; a late
 * result of `p` is ignored (and a late rejection swallowed).
 */
export function withDeadline<T>(
  p: Promise<T>,
  ms: number,
  what: string,
  signal?: AbortSignal,
): Promise<T> {
  p.catch(() => {});
  return new Promise<T>((resolve, reject) => {
    const fail = (why: string) => reject(timeout(`${what}: ${why}`));
    if (signal?.aborted) return fail("aborted");
    const onAbort = () => {
      clearTimeout(timer);
      fail("aborted");
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      fail(`no answer within ${Math.max(0, Math.round(ms))} ms`);
    }, Math.max(0, ms));
    signal?.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

/** Runs the election loop. */
export class LeaderElector {
  readonly #o:
    & Required<
      Omit<
        LeaderElectorOptions,
        "onStartedLeading" | "onStoppedLeading" | "logger" | "requestTimeoutMs"
      >
    >
    & LeaderElectorOptions;
  readonly #requestTimeoutMs: number;
  /** While leading: the time by which a renewal must succeed. */
  #renewBy?: number;
  readonly #stop = new AbortController();
  #leader = false;
  #observed?: LeaseSpec;
  #observedAt = 0;
  #running?: Promise<void>;
  #waiters: (() => void)[] = [];

  /** Creates the elector (call `start`). */
  constructor(opts: LeaderElectorOptions) {
    // Options passed through as explicit `undefined` (as the Manager does) must
    // not override the defaults.
    this.#o = {
      ...opts,
      leaseDurationMs: opts.leaseDurationMs ?? 15_000,
      renewDeadlineMs: opts.renewDeadlineMs ?? 10_000,
      retryPeriodMs: opts.retryPeriodMs ?? 2_000,
    };
    this.#requestTimeoutMs = opts.requestTimeoutMs ??
      Math.max(this.#o.renewDeadlineMs / 2, 1_000);
  }

  /** True while this replica holds the lease. */
  get isLeader(): boolean {
    return this.#leader;
  }

  /** Resolves once this replica leads. */
  waitForLeadership(): Promise<void> {
    if (this.#leader) return Promise.resolve();
    return new Promise((r) => this.#waiters.push(r));
  }

  /** Starts the loop. */
  start(): void {
    this.#running ??= this.#run();
  }

  /** Stops the loop and releases the lease if held. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#running;
    if (this.#leader) {
      this.#leader = false;
      await this.#release();
    }
  }

  get #log(): Logger {
    return (this.#o.logger ?? nullLogger).with({ lease: this.#o.leaseName });
  }

  async #run(): Promise<void> {
    const stop = this.#stop.signal;
    while (!stop.aborted) {
      while (!stop.aborted && !(await this.tryAcquireOrRenew())) {
        await sleep(this.#o.retryPeriodMs * (1 + 0.2 * Math.random()), stop);
      }
      if (stop.aborted) return;
      this.#leader = true;
      this.#log.info("became leader", { identity: this.#o.identity });
      for (const w of this.#waiters.splice(0)) w();
      this.#o.onStartedLeading?.();
      this.#renewBy = Date.now() + this.#o.renewDeadlineMs;
      while (!stop.aborted) {
        await sleep(Math.min(this.#o.retryPeriodMs, this.#renewBy - Date.now()), stop);
        if (stop.aborted) return;
        if (await this.tryAcquireOrRenew()) {
          this.#renewBy = Date.now() + this.#o.renewDeadlineMs;
        } else if (Date.now() >= this.#renewBy) {
          this.#renewBy = undefined;
          this.#leader = false;
          this.#log.error("leader election lost", { identity: this.#o.identity });
          this.#o.onStoppedLeading?.();
          break;
        }
      }
      this.#renewBy = undefined;
    }
  }

  /** Bounds one Lease call by the request timeout and, while leading, the renew deadline. */
  #call<T>(p: Promise<T>, what: string): Promise<T> {
    let ms = this.#requestTimeoutMs;
    if (this.#renewBy !== undefined) ms = Math.min(ms, this.#renewBy - Date.now());
    return withDeadline(p, ms, `${what} lease ${this.#o.leaseName}`, this.#stop.signal);
  }

  /** One acquire-or-renew attempt; true when this replica holds the lease afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const now = Date.now();
    const ref = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      namespace: this.#o.namespace,
      name: this.#o.leaseName,
    };
    const durationS = Math.ceil(this.#o.leaseDurationMs / 1000);
    let lease: KubeObject;
    try {
      lease = await this.#call(this.#o.client.get(ref), "get");
    } catch (e) {
      if (!isNotFound(e)) {
        this.#log.warn("cannot read lease", { error: e });
        return false;
      }
      const spec: LeaseSpec = {
        holderIdentity: this.#o.identity,
        leaseDurationSeconds: durationS,
        acquireTime: microTime(now),
        renewTime: microTime(now),
        leaseTransitions: 0,
      };
      try {
        await this.#call(
          this.#o.client.create({
            apiVersion: ref.apiVersion,
            kind: ref.kind,
            metadata: { name: ref.name, namespace: ref.namespace },
            spec,
          }),
          "create",
        );
      } catch (e2) {
        if (!isAlreadyExists(e2)) this.#log.warn("cannot create lease", { error: e2 });
        return false;
      }
      this.#observed = spec;
      this.#observedAt = now;
      return true;
    }
    const spec = (lease.spec ?? {}) as LeaseSpec;
    if (!this.#observed || !jsonEqual(this.#observed, spec)) {
      this.#observed = spec;
      this.#observedAt = now;
    }
    const holder = spec.holderIdentity;
    const durMs = (spec.leaseDurationSeconds ?? durationS) * 1000;
    if (holder && holder !== this.#o.identity && this.#observedAt + durMs > now) return false;
    const mine = holder === this.#o.identity;
    const next: LeaseSpec = {
      holderIdentity: this.#o.identity,
      leaseDurationSeconds: durationS,
      acquireTime: mine && spec.acquireTime ? spec.acquireTime : microTime(now),
      renewTime: microTime(now),
      leaseTransitions: mine ? (spec.leaseTransitions ?? 0) : (spec.leaseTransitions ?? 0) + 1,
    };
    try {
      await this.#call(this.#o.client.update({ ...lease, spec: next }), "update");
    } catch (e) {
      if (!isConflict(e)) this.#log.warn("cannot update lease", { error: e });
      return false;
    }
    this.#observed = next;
    this.#observedAt = now;
    return true;
  }

  async #release(): Promise<void> {
    const ref = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      namespace: this.#o.namespace,
      name: this.#o.leaseName,
    };
    try {
      const ms = this.#requestTimeoutMs;
      const what = `release lease ${this.#o.leaseName}`;
      const lease = await withDeadline(this.#o.client.get(ref), ms, what);
      const spec = (lease.spec ?? {}) as LeaseSpec;
      if (spec.holderIdentity !== this.#o.identity) return;
      await withDeadline(
        this.#o.client.update({
          ...lease,
          spec: {
            ...spec,
            holderIdentity: "",
            leaseDurationSeconds: 1,
            renewTime: microTime(Date.now()),
          },
        }),
        ms,
        what,
      );
      this.#log.info("released lease", { identity: this.#o.identity });
    } catch (e) {
      this.#log.warn("cannot release lease", { error: e });
    }
  }
}
