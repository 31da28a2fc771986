/**
 * A small Prometheus registry (counters, gauges, histograms) rendered in the
 * text exposition format, plus the runtime's standard metrics.
 * @module
 */
import type { QueueMetricsSink } from "./work_queue.ts";

type Labels = Record<string, string>;
const escaped = (v: string) => /["\\\n]/.test(v) ? v.replace(/["\\\n]/g, "\\$&") : v;
const labelKey = (l: Labels) => {
  const keys = Object.keys(l);
  if (keys.length === 0) return "";
  if (keys.length > 1) keys.sort();
  let out = "";
  for (const k of keys) out += `${out ? "," : ""}${k}="${escaped(String(l[k]))}"`;
  return out;
};

/** A metric family. */
interface Family {
  name: string;
  help: string;
  type: "counter" | "gauge" | "histogram";
  values: Map<string, number>;
  buckets?: number[];
  hist?: Map<string, { counts: number[]; sum: number; count: number }>;
}

/** A counter handle. */
export interface Counter {
  /** Adds `n` (default 1). */
  inc(labels?: Labels, n?: number): void;
  /** Current value. */
  get(labels?: Labels): number;
}
/** A gauge handle. */
export interface Gauge {
  /** Sets the value. */
  set(labels: Labels, v: number): void;
  /** Current value. */
  get(labels?: Labels): number;
}
/** A histogram handle. */
export interface Histogram {
  /** Records an observation. */
  observe(labels: Labels, v: number): void;
  /** Observation count. */
  count(labels?: Labels): number;
}

/** A metrics registry. */
export class Registry {
  #families = new Map<string, Family>();

  #family(name: string, help: string, type: Family["type"], buckets?: number[]): Family {
    let f = this.#families.get(name);
    if (!f) {
      f = { name, help, type, values: new Map(), buckets, hist: buckets ? new Map() : undefined };
      this.#families.set(name, f);
    }
    return f;
  }
  /** Gets or creates a counter. */
  counter(name: string, help: string): Counter {
    const f = this.#family(name, help, "counter");
    return {
      inc: (l = {}, n = 1) => {
        const k = labelKey(l);
        f.values.set(k, (f.values.get(k) ?? 0) + n);
      },
      get: (l = {}) => f.values.get(labelKey(l)) ?? 0,
    };
  }
  /** Gets or creates a gauge. */
  gauge(name: string, help: string): Gauge {
    const f = this.#family(name, help, "gauge");
    return {
      set: (l, v) => f.values.set(labelKey(l), v),
      get: (l = {}) => f.values.get(labelKey(l)) ?? 0,
    };
  }
  /** Gets or creates a histogram (bucket bounds in the metric's unit). */
  histogram(
    name: string,
    help: string,
    buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  ): Histogram {
    const f = this.#family(name, help, "histogram", buckets);
    return {
      observe: (l, v) => {
        const k = labelKey(l);
        let h = f.hist!.get(k);
        if (!h) f.hist!.set(k, h = { counts: f.buckets!.map(() => 0), sum: 0, count: 0 });
        f.buckets!.forEach((b, i) => {
          if (v <= b) h!.counts[i]++;
        });
        h.sum += v;
        h.count++;
      },
      count: (l = {}) => f.hist!.get(labelKey(l))?.count ?? 0,
    };
  }
  /** Renders the Prometheus text format. */
  render(): string {
    const out: string[] = [];
    for (const f of this.#families.values()) {
      out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
      const wrap = (k: string, extra = "") => {
        const all = [k, extra].filter(Boolean).join(",");
        return all ? `{${all}}` : "";
      };
      if (f.type === "histogram") {
        for (const [k, h] of f.hist!) {
          f.buckets!.forEach((b, i) =>
            out.push(`${f.name}_bucket${wrap(k, `le="${b}"`)} ${h.counts[i]}`)
          );
          out.push(`${f.name}_bucket${wrap(k, `le="+Inf"`)} ${h.count}`);
          out.push(`${f.name}_sum${wrap(k)} ${h.sum}`, `${f.name}_count${wrap(k)} ${h.count}`);
        }
      } else {
        for (const [k, v] of f.values) out.push(`${f.name}${wrap(k)} ${v}`);
      }
    }
    return out.join("\n") + "\n";
  }
}

/** The runtime's standard metrics. */
export class RuntimeMetrics implements QueueMetricsSink {
  /** The registry they live in. */
  readonly registry: Registry;
  /** Reconciles by controller and result (`success`, `error`, `requeue`, `permanent`). */
  readonly reconcileTotal: Counter;
  /** Reconcile errors by controller. */
  readonly reconcileErrors: Counter;
  /** Reconcile duration in seconds. */
  readonly reconcileDuration: Histogram;
  /** Queue depth. */
  readonly queueDepth: Gauge;
  /** Queue adds. */
  readonly queueAdds: Counter;
  /** Seconds a key waited in the queue. */
  readonly queueLatency: Histogram;
  /** Rate-limited retries. */
  readonly queueRetries: Counter;
  /** Seconds retries were held by the global token bucket beyond their backoff. */
  readonly queueThrottled: Counter;
  /** Watch restarts by resource and reason. */
  readonly watchRestarts: Counter;
  /** Watch events handled by resource. */
  readonly watchEvents: Counter;

  /** Creates the metrics in a registry. */
  constructor(registry = new Registry()) {
    this.registry = registry;
    this.reconcileTotal = registry.counter("denative_reconcile_total", "Reconciles by result.");
    this.reconcileErrors = registry.counter("denative_reconcile_errors_total", "Reconcile errors.");
    this.reconcileDuration = registry.histogram(
      "denative_reconcile_duration_seconds",
      "Reconcile duration.",
    );
    this.queueDepth = registry.gauge("denative_workqueue_depth", "Keys waiting in the queue.");
    this.queueAdds = registry.counter("denative_workqueue_adds_total", "Keys added.");
    this.queueLatency = registry.histogram(
      "denative_workqueue_queue_duration_seconds",
      "Time a key waits before processing.",
    );
    this.queueRetries = registry.counter(
      "denative_workqueue_retries_total",
      "Rate-limited retries.",
    );
    this.queueThrottled = registry.counter(
      "denative_workqueue_rate_limit_wait_seconds_total",
      "Seconds retries waited on the global rate limit beyond their per-key backoff.",
    );
    this.watchRestarts = registry.counter("denative_watch_restarts_total", "Watch restarts.");
    this.watchEvents = registry.counter("denative_watch_events_total", "Watch events handled.");
  }
  /** Queue sink: depth. */
  depth(queue: string, n: number): void {
    this.queueDepth.set({ name: queue }, n);
  }
  /** Queue sink: add. */
  add(queue: string): void {
    this.queueAdds.inc({ name: queue });
  }
  /** Queue sink: latency. */
  latency(queue: string, ms: number): void {
    this.queueLatency.observe({ name: queue }, ms / 1000);
  }
  /** Queue sink: retry. */
  retry(queue: string): void {
    this.queueRetries.inc({ name: queue });
  }
  /** Queue sink: the token bucket held a retry `ms` longer. */
  throttled(queue: string, ms: number): void {
    this.queueThrottled.inc({ name: queue }, ms / 1000);
  }
  /** Prometheus text. */
  render(): string {
    return this.registry.render();
  }
}
