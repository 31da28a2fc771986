/**
 * Leader election on a `coordination.k8s.io/v1` Lease (client-go semantics):
 * expiry measured from local observation, renew deadline, release on stop,
 * callbacks on start and loss.
 * @module
 */
import { sleep } from "./backoff.ts";
import type { KubeClient } from "./client_api.ts";
import { isAlreadyExists, isConflict, isNotFound } from "./errors.ts";
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

/** Runs the election loop. */
export class LeaderElector {
  readonly #o:
    & Required<Omit<LeaderElectorOptions, "onStartedLeading" | "onStoppedLeading" | "logger">>
    & LeaderElectorOptions;
  readonly #stop = new AbortController();
  #leader = false;
  #observed?: LeaseSpec;
  #observedAt = 0;
  #running?: Promise<void>;
  #waiters: (() => void)[] = [];

  /** Creates the elector (call `start`). */
  constructor(opts: LeaderElectorOptions) {
    this.#o = {
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      ...opts,
    };
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
      let lastRenew = Date.now();
      while (!stop.aborted) {
        await sleep(this.#o.retryPeriodMs, stop);
        if (stop.aborted) return;
        if (await this.tryAcquireOrRenew()) {
          lastRenew = Date.now();
        } else if (Date.now() - lastRenew >= this.#o.renewDeadlineMs) {
          this.#leader = false;
          this.#log.error("leader election lost", { identity: this.#o.identity });
          this.#o.onStoppedLeading?.();
          break;
        }
      }
    }
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
      lease = await this.#o.client.get(ref);
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
        await this.#o.client.create({
          apiVersion: ref.apiVersion,
          kind: ref.kind,
          metadata: { name: ref.name, namespace: ref.namespace },
          spec,
        });
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
      await this.#o.client.update({ ...lease, spec: next });
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
      const lease = await this.#o.client.get(ref);
      const spec = (lease.spec ?? {}) as LeaseSpec;
      if (spec.holderIdentity !== this.#o.identity) return;
      await this.#o.client.update({
        ...lease,
        spec: {
          ...spec,
          holderIdentity: "",
          leaseDurationSeconds: 1,
          renewTime: microTime(Date.now()),
        },
      });
      this.#log.info("released lease", { identity: this.#o.identity });
    } catch (e) {
      this.#log.warn("cannot release lease", { error: e });
    }
  }
}
