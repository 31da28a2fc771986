/**
 * Event recorders: one that writes v1 Events and folds repeats into a count,
 * and one that records `"Type Reason Message"` strings for tests.
 * @module
 */
import type { KubeClient } from "./client_api.ts";
import { isNotFound } from "./errors.ts";
import { formatTime } from "./conditions.ts";
import { nullLogger } from "./logging.ts";
import type { EventRecorder, Logger } from "./plugin.ts";
import type { KubeObject } from "./types.ts";

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
}

interface Seen {
  name: string;
  namespace: string;
  count: number;
  first: string;
  at: number;
}

/** Writes core/v1 Events, deduplicating repeats into `count`. */
export class KubeEventRecorder implements EventRecorder {
  readonly #o: KubeEventRecorderOptions;
  readonly #seen = new Map<string, Seen>();
  #chain: Promise<void> = Promise.resolve();
  #seq = 0;
  #pending = 0;

  /** Creates the recorder. */
  constructor(opts: KubeEventRecorderOptions) {
    this.#o = opts;
  }

  /** Queues an Event write (never throws). */
  event(obj: KubeObject, type: "Normal" | "Warning", reason: string, message: string): void {
    this.#pending++;
    this.#chain = this.#chain
      .then(() => this.#write(obj, type, reason, message))
      .catch((e) => (this.#o.logger ?? nullLogger).warn("event write failed", { error: e }))
      .finally(() => this.#pending--);
  }

  /** Events waiting to be written. */
  get pending(): number {
    return this.#pending;
  }

  /** Resolves when every queued write has finished. */
  flush(): Promise<void> {
    return this.#chain;
  }

  async #write(obj: KubeObject, type: string, reason: string, message: string): Promise<void> {
    const now = (this.#o.now ?? (() => new Date()))();
    const m = obj.metadata;
    const key = [m.uid ?? `${m.namespace}/${m.name}`, obj.kind, type, reason, message].join(
      "\u0000",
    );
    const ts = formatTime(now);
    const windowMs = this.#o.windowMs ?? 360_000;
    for (const [k, s] of this.#seen) if (now.getTime() - s.at > windowMs) this.#seen.delete(k);
    const seen = this.#seen.get(key);
    if (seen) {
      seen.count++;
      seen.at = now.getTime();
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
    const namespace = m.namespace ?? "default";
    const name = `${m.name}.${(now.getTime() * 1000 + (this.#seq++ % 1000)).toString(16)}`;
    const component = this.#o.component ?? "denative-controller";
    await this.#o.client.create({
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace },
      involvedObject: JSON.parse(JSON.stringify({
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: m.name,
        namespace: m.namespace,
        uid: m.uid,
        resourceVersion: m.resourceVersion,
      })),
      type,
      reason,
      message,
      count: seen?.count ?? 1,
      firstTimestamp: seen?.first ?? ts,
      lastTimestamp: ts,
      source: { component },
      reportingComponent: component,
    });
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
