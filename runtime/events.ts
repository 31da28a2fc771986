/**
 * Event recorders: one that writes v1 Events and folds repeats into a count,
 * and one that records `"Type Reason Message"` strings for tests.
 * @module
 */
import type { KubeClient } from "./client_api.ts";
import { isNotFound } from "./errors.ts";
import { formatTime } from "./conditions.ts";
import { fnv1a } from "./hash.ts";
import { nullLogger } from "./logging.ts";
import type { EventRecorder, Logger } from "./plugin.ts";
import { deepCopy, type KubeObject } from "./types.ts";

/** Options for {@link KubeEventRecorder}. */
export interface KubeEventRecorderOptions {
  /** Client the Events are written with. */
  client: KubeClient;
  /** `source.component` (default `denative-controller`). */
  component?: string;
  /** Logger for write failures. */
  logger?: Logger;
  /** Clock. */
  now?: () => Date;
  /** Repeats within this window patch the existing Event's count (default 6 min). */
  windowMs?: number;
  /**
   * Event writes in flight at once (default {@link DEFAULT_EVENT_WRITE_CONCURRENCY}).
   * Repeats of one event (same object, type, reason and message) are always
   * written in order, so folding them into `count` still works.
   */
  concurrency?: number;
  /**
   * Most events waiting or in flight (default {@link DEFAULT_MAX_PENDING_EVENTS});
   * further events are dropped and counted in
   * `dropped` until the backlog shrinks, so a slow API server never makes the
   * backlog (or `close`) grow without bound.
   */
  maxPending?: number;
}

/** Default {@link KubeEventRecorderOptions.concurrency}. */
export const DEFAULT_EVENT_WRITE_CONCURRENCY = 16;
/**
 * Default {@link KubeEventRecorderOptions.maxPending}: 10x client-go's
 * `maxQueuedEvents` (1000). A waiting Event holds only the involved object's
 * reference and the text (a few hundred bytes), and 1000 dropped about a
 * quarter of the Events of 300 Services applied at once.
 */
export const DEFAULT_MAX_PENDING_EVENTS = 10_000;

/** An Event waiting to be written. */
interface Pending {
  key: string;
  type: string;
  reason: string;
  message: string;
  now: Date;
  involved: {
    apiVersion: string;
    kind: string;
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
  };
}

interface Seen {
  name: string;
  namespace: string;
  count: number;
  first: string;
  at: number;
}

/**
 * Writes core/v1 Events, deduplicating repeats into `count`. Writes run on
 * `concurrency` lanes (repeats of one event share a lane, so they stay in
 * order), the backlog is capped at `maxPending`, and `close` bounds how long
 * a stopping process waits for it.
 */
export class KubeEventRecorder implements EventRecorder {
  readonly #o: KubeEventRecorderOptions;
  readonly #log: Logger;
  readonly #seen = new Map<string, Seen>();
  readonly #lanes: Promise<void>[];
  readonly #max: number;
  #seq = 0;
  #pending = 0;
  #writing = 0;
  #dropped = 0;
  #overflowLoggedAt = -Infinity;
  #closed = false;
  #discarding = false;

  /** Creates the recorder. */
  constructor(opts: KubeEventRecorderOptions) {
    this.#o = opts;
    this.#log = opts.logger ?? nullLogger;
    const n = Math.max(1, Math.floor(opts.concurrency ?? DEFAULT_EVENT_WRITE_CONCURRENCY));
    this.#lanes = Array.from({ length: n }, () => Promise.resolve());
    this.#max = opts.maxPending ?? DEFAULT_MAX_PENDING_EVENTS;
  }

  /**
   * Queues an Event write (never throws). Dropped, and counted in `dropped`,
   * once the recorder is closed or `maxPending` events are already waiting.
   */
  event(obj: KubeObject, type: "Normal" | "Warning", reason: string, message: string): void {
    if (this.#closed) {
      this.#dropped++;
      return;
    }
    if (this.#pending >= this.#max) {
      this.#dropped++;
      const t = performance.now();
      if (t - this.#overflowLoggedAt >= 10_000) {
        this.#overflowLoggedAt = t;
        this.#log.warn("too many events waiting to be written; dropping new ones", {
          maxPending: this.#max,
          dropped: this.#dropped,
        });
      }
      return;
    }
    const m = obj.metadata;
    const key = [m.uid ?? `${m.namespace}/${m.name}`, obj.kind, type, reason, message].join(
      "\u0000",
    );
    // Only what the Event needs is kept (not the object, which its reconciler may go on
    // changing), and the time is the time of the call, however long the write waits.
    const ev: Pending = {
      key,
      type,
      reason,
      message,
      now: (this.#o.now ?? (() => new Date()))(),
      involved: deepCopy({ // (deepCopy drops the fields that are undefined)
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: m.name,
        namespace: m.namespace,
        uid: m.uid,
        resourceVersion: m.resourceVersion,
      }),
    };
    const lane = fnv1a(key) % this.#lanes.length;
    this.#pending++;
    this.#lanes[lane] = this.#lanes[lane]
      .then(async () => {
        if (this.#discarding) return; // counted in `dropped` by `close`
        this.#writing++;
        try {
          await this.#write(ev);
        } finally {
          this.#writing--;
        }
      })
      .catch((e) => this.#log.warn("event write failed", { error: e }))
      .finally(() => this.#pending--);
  }

  /** Events waiting to be written or being written. */
  get pending(): number {
    return this.#pending;
  }

  /** Events dropped (backlog full, or after `close`) since creation. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Resolves when every write queued so far has finished. */
  async flush(): Promise<void> {
    await Promise.all(this.#lanes);
  }

  /**
   * Stops intake (later events are dropped) and waits for the queued writes,
   * but at most `graceMs`: then writes not started yet are dropped and this
   * resolves without waiting for the ones in flight (each is bounded by the
   * client's request timeout). Stopping a process thus never waits on an
   * arbitrarily long backlog of Events, which are best effort.
   */
  async close(graceMs = 0): Promise<void> {
    this.#closed = true;
    const flushed = this.flush();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const drained = await Promise.race([
      flushed.then(() => true),
      new Promise<false>((r) => timer = setTimeout(() => r(false), Math.max(0, graceMs))),
    ]);
    clearTimeout(timer);
    if (drained) return;
    this.#discarding = true;
    const dropped = this.#pending - this.#writing;
    this.#dropped += dropped;
    this.#log.warn("stopped before every event was written; dropping the rest", {
      dropped,
      inFlight: this.#writing,
      graceMs,
    });
  }

  async #write(ev: Pending): Promise<void> {
    const { key, type, reason, message, now, involved } = ev;
    const ts = formatTime(now);
    const windowMs = this.#o.windowMs ?? 360_000;
    // #seen is kept in order of last use (a repeat moves its entry to the end), so expiry stops
    // at the first live entry instead of scanning every Event of the last six minutes per write
    for (const [k, s] of this.#seen) {
      if (now.getTime() - s.at <= windowMs) break;
      this.#seen.delete(k);
    }
    const seen = this.#seen.get(key);
    if (seen && now.getTime() - seen.at <= windowMs) {
      seen.count++;
      seen.at = now.getTime();
      this.#seen.delete(key);
      this.#seen.set(key, seen);
      try {
        await this.#o.client.patch(
          { apiVersion: "v1", kind: "Event", namespace: seen.namespace, name: seen.name },
          "merge",
          { count: seen.count, lastTimestamp: ts },
        );
        return;
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    const namespace = involved.namespace ?? "default";
    const name = `${involved.name}.${(now.getTime() * 1000 + (this.#seq++ % 1000)).toString(16)}`;
    const component = this.#o.component ?? "denative-controller";
    await this.#o.client.create({
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace },
      involvedObject: involved,
      type,
      reason,
      message,
      count: seen?.count ?? 1,
      firstTimestamp: seen?.first ?? ts,
      lastTimestamp: ts,
      source: { component },
      reportingComponent: component,
    });
    this.#seen.delete(key); // re-inserted at the end: #seen stays in last-use order
    this.#seen.set(key, {
      name,
      namespace,
      count: seen?.count ?? 1,
      first: seen?.first ?? ts,
      at: now.getTime(),
    });
  }
}

/** Records events as `"Type Reason Message"` strings (Knative's FakeRecorder). */
export class RecordingEventRecorder implements EventRecorder {
  /** Recorded events in order. */
  readonly events: string[] = [];
  /** Records one event. */
  event(_obj: KubeObject, type: "Normal" | "Warning", reason: string, message: string): void {
    this.events.push(`${type} ${reason} ${message}`);
  }
}
