/**
 * config-observability (`serving/pkg/observability/config.go` over
 * `knative.dev/pkg/observability/{metrics,tracing,runtime}/config.go`): the
 * logging keys, the OpenTelemetry export settings for the control plane
 * (`metrics-*`, `tracing-*`, `runtime-*`) and the queue-proxy
 * (`request-metrics-*`), and the seed era's fluentd sidecar keys. Durations are
 * in milliseconds.
 * @module
 */
import { ConfigError, type ConfigMapSpec, Reader } from "./parse.ts";

/** Name of the config map. */
export const OBSERVABILITY_CONFIG_NAME = "config-observability";

/** Knative's default `logging.request-log-template` (one JSON line per request). */
export const DEFAULT_REQUEST_LOG_TEMPLATE =
  `{"httpRequest": {"requestMethod": "{{.Request.Method}}", "requestUrl": "{{js .Request.RequestURI}}", "requestSize": "{{.Request.ContentLength}}", "status": {{.Response.Code}}, "responseSize": "{{.Response.Size}}", "userAgent": "{{js .Request.UserAgent}}", "remoteIp": "{{js .Request.RemoteAddr}}", "serverIp": "{{.Revision.PodIP}}", "referer": "{{js .Request.Referer}}", "latency": "{{.Response.Latency}}s", "protocol": "{{.Request.Proto}}"}, "traceId": "{{.TraceID}}"}`;

/** Metrics export protocol (`metrics-protocol`, `request-metrics-protocol`). */
export type MetricsProtocol = "none" | "prometheus" | "grpc" | "http/protobuf";
/** Trace export protocol (`tracing-protocol`). */
export type TracingProtocol = "none" | "stdout" | "grpc" | "http/protobuf";
/** Runtime profiling switch (`runtime-profiling`). */
export type RuntimeProfiling = "enabled" | "disabled";

/** The metrics protocols Knative accepts. */
export const METRICS_PROTOCOLS: readonly MetricsProtocol[] = [
  "none",
  "prometheus",
  "grpc",
  "http/protobuf",
];
/** The tracing protocols Knative accepts. */
export const TRACING_PROTOCOLS: readonly TracingProtocol[] = [
  "none",
  "stdout",
  "grpc",
  "http/protobuf",
];

/** Export settings of one metrics pipeline (`knative.dev/pkg/observability/metrics.Config`). */
export interface MetricsExportConfig {
  /** `<prefix>metrics-protocol` (`none`). */
  protocol: MetricsProtocol;
  /** `<prefix>metrics-endpoint` (""): required for grpc/http/protobuf, forbidden for none. */
  endpoint: string;
  /** `<prefix>metrics-export-interval` ms (0 = the OTel default, 60s). */
  exportIntervalMs: number;
}

/** Trace export settings (`knative.dev/pkg/observability/tracing.Config`). */
export interface TracingExportConfig {
  /** `tracing-protocol` (`none`). */
  protocol: TracingProtocol;
  /** `tracing-endpoint` (""): required for grpc/http/protobuf, forbidden for none/stdout. */
  endpoint: string;
  /** `tracing-sampling-rate` (0), between 0 and 1. */
  samplingRate: number;
}

/** Runtime settings (`knative.dev/pkg/observability/runtime.Config`). */
export interface RuntimeObservabilityConfig {
  /** `runtime-profiling` (`disabled`): pprof on port 8008 when enabled. */
  profiling: RuntimeProfiling;
  /** `runtime-export-interval` ms (15s). */
  exportIntervalMs: number;
}

/** Parsed config-observability. */
export interface ObservabilityConfig {
  /** Control-plane metrics (`metrics-protocol`, `metrics-endpoint`, `metrics-export-interval`). */
  metrics: MetricsExportConfig;
  /** Queue-proxy request metrics (`request-metrics-*`). */
  requestMetrics: MetricsExportConfig;
  /** Traces (`tracing-protocol`, `tracing-endpoint`, `tracing-sampling-rate`). */
  tracing: TracingExportConfig;
  /** Runtime profiling and runtime metrics. */
  runtime: RuntimeObservabilityConfig;
  /** `logging.enable-var-log-collection` (false). */
  enableVarLogCollection: boolean;
  /** `logging.revision-url-template` (""): `${REVISION_UID}` is replaced for `status.logUrl`. */
  loggingURLTemplate: string;
  /** `logging.enable-request-log` (false). */
  enableRequestLog: boolean;
  /** `logging.request-log-template` ({@link DEFAULT_REQUEST_LOG_TEMPLATE}), a Go text/template. */
  requestLogTemplate: string;
  /** `logging.enable-probe-request-log` (false). */
  enableProbeRequestLog: boolean;
  /** Seed era: `logging.fluentd-sidecar-image` (""), required when var-log collection is on. */
  fluentdSidecarImage: string;
  /** Seed era: `logging.fluentd-sidecar-output-config` (""), the fluentd output section. */
  fluentdSidecarOutputConfig: string;
}

const OPENERS = new Set(["if", "range", "with", "block", "define"]);
const QUOTES = new Set(['"', "`", "'"]);

/**
 * Checks the syntax of a Go text/template the way `template.Parse` would for
 * the errors that matter in a config map: unclosed actions, unterminated
 * strings, comments or parentheses, empty actions, and unbalanced
 * `if`/`range`/`with`/`block`/`define` … `end` (and `else` outside them).
 * Returns Go's `template: <name>:<line>: <problem>` message, or undefined when
 * the template is well formed.
 */
export function checkGoTemplate(tpl: string, name = "template"): string | undefined {
  const stack: string[] = [];
  let i = 0;
  let line = 1;
  const at = () => `template: ${name}:${line}:`;
  while (true) {
    const open = tpl.indexOf("{{", i);
    if (open < 0) break;
    line += countNewlines(tpl, i, open);
    let j = open + 2;
    if (tpl[j] === "-" && /\s/.test(tpl[j + 1] ?? "")) j++;
    let action = "";
    let depth = 0;
    let closed = false;
    while (j < tpl.length) {
      const c = tpl[j];
      if (tpl.startsWith("/*", j) && action.trim() === "") {
        const end = tpl.indexOf("*/", j + 2);
        if (end < 0) return `${at()} unclosed comment`;
        j = end + 2;
        action += " ";
        continue;
      }
      if (QUOTES.has(c)) {
        let k = j + 1;
        while (k < tpl.length && tpl[k] !== c) {
          if (c !== "`" && tpl[k] === "\\") k++;
          if (c !== "`" && tpl[k] === "\n") return `${at()} unterminated quoted string`;
          k++;
        }
        if (k >= tpl.length) return `${at()} unterminated quoted string`;
        action += tpl.slice(j, k + 1);
        j = k + 1;
        continue;
      }
      if (tpl.startsWith("}}", j)) {
        closed = true;
        j += 2;
        action = action.replace(/\s-$/, "");
        break;
      }
      if (c === "(") depth++;
      if (c === ")") {
        if (depth === 0) return `${at()} unexpected right paren`;
        depth--;
      }
      action += c;
      j++;
    }
    if (!closed) return `${at()} unclosed action`;
    if (depth !== 0) return `${at()} unclosed left paren`;
    line += countNewlines(action, 0, action.length);
    const words = action.trim().split(/\s+/);
    const word = words[0];
    if (word === "") {
      if (action.trim() === "" && !tpl.slice(open, j).includes("/*")) {
        return `${at()} missing value for command`;
      }
    } else if (OPENERS.has(word)) {
      stack.push(word);
    } else if (word === "end") {
      if (stack.pop() === undefined) return `${at()} unexpected {{end}}`;
    } else if (word === "else") {
      const top = stack.at(-1);
      if (top !== "if" && top !== "range" && top !== "with") return `${at()} unexpected {{else}}`;
    }
    i = j;
  }
  if (stack.length > 0) return `${at()} unexpected EOF`;
  return undefined;
}

function countNewlines(s: string, from: number, to: number): number {
  let n = 0;
  for (let k = from; k < to; k++) if (s[k] === "\n") n++;
  return n;
}

function metricsProtocol(r: Reader, keys: string[]): MetricsProtocol | undefined {
  const v = r.optString(keys);
  if (v === undefined) return undefined;
  if ((METRICS_PROTOCOLS as readonly string[]).includes(v)) return v as MetricsProtocol;
  return r.invalid(
    keys[0],
    `unsupported protocol ${JSON.stringify(v)}, want one of ${METRICS_PROTOCOLS.join(", ")}`,
  );
}

/**
 * The seed era's `metrics.backend-destination` (and its request-metrics twin):
 * `prometheus` and `none` carry over to the OpenTelemetry protocol; the other
 * backends of that time (stackdriver, opencensus) no longer exist.
 */
function legacyBackend(r: Reader, key: string, replacement: string): MetricsProtocol | undefined {
  const v = r.optString(key);
  if (v === undefined) return undefined;
  const lower = v.toLowerCase();
  if (lower === "prometheus" || lower === "none") return lower;
  return r.invalid(
    key,
    `backend ${JSON.stringify(v)} is no longer supported; set ${replacement} ` +
      `(${METRICS_PROTOCOLS.join(", ")}) instead`,
  );
}

function parseMetrics(r: Reader, prefix: "" | "request-"): MetricsExportConfig {
  const protocolKey = `${prefix}metrics-protocol`;
  const endpointKey = `${prefix}metrics-endpoint`;
  const intervalKey = `${prefix}metrics-export-interval`;
  const legacyKey = prefix === ""
    ? "metrics.backend-destination"
    : "metrics.request-metrics-backend-destination";
  const c: MetricsExportConfig = {
    protocol: metricsProtocol(r, [protocolKey]) ?? legacyBackend(r, legacyKey, protocolKey) ??
      "none",
    endpoint: r.string(endpointKey, ""),
    exportIntervalMs: r.duration(intervalKey, 0),
  };
  if ((c.protocol === "grpc" || c.protocol === "http/protobuf") && c.endpoint === "") {
    r.invalid(endpointKey, `endpoint should be set when protocol is ${JSON.stringify(c.protocol)}`);
  }
  if (c.protocol === "none" && c.endpoint !== "") {
    r.invalid(endpointKey, `endpoint should not be set when protocol is "none"`);
  }
  if (c.exportIntervalMs < 0) {
    r.invalid(intervalKey, `export interval ${JSON.stringify(r.data[intervalKey])} is negative`);
  }
  return c;
}

function parseTracing(r: Reader): TracingExportConfig {
  const p = r.optString("tracing-protocol");
  if (p !== undefined && !(TRACING_PROTOCOLS as readonly string[]).includes(p)) {
    r.invalid(
      "tracing-protocol",
      `unsupported protocol ${JSON.stringify(p)}, want one of ${TRACING_PROTOCOLS.join(", ")}`,
    );
  }
  const c: TracingExportConfig = {
    protocol: (p ?? "none") as TracingProtocol,
    endpoint: r.string("tracing-endpoint", ""),
    samplingRate: r.float("tracing-sampling-rate", 0),
  };
  if ((c.protocol === "grpc" || c.protocol === "http/protobuf") && c.endpoint === "") {
    r.invalid(
      "tracing-endpoint",
      `endpoint should be set for protocol ${JSON.stringify(c.protocol)}`,
    );
  }
  if ((c.protocol === "none" || c.protocol === "stdout") && c.endpoint !== "") {
    r.invalid(
      "tracing-endpoint",
      `endpoint should not be set when protocol is ${JSON.stringify(c.protocol)}`,
    );
  }
  if (c.samplingRate < 0 || c.samplingRate > 1) {
    r.invalid(
      "tracing-sampling-rate",
      `sampling rate ${c.samplingRate} should be between 0 and 1`,
    );
  }
  return c;
}

function parseRuntime(r: Reader): RuntimeObservabilityConfig {
  let profiling: RuntimeProfiling = "disabled";
  const p = r.optString("runtime-profiling");
  if (p !== undefined) {
    if (p !== "enabled" && p !== "disabled") {
      r.invalid(
        "runtime-profiling",
        `unsupported profile setting ${JSON.stringify(p)}, want enabled or disabled`,
      );
    }
    profiling = p;
  } else if (r.bool("profiling.enable", false)) {
    profiling = "enabled";
  }
  const c = { profiling, exportIntervalMs: r.duration("runtime-export-interval", 15_000) };
  if (c.exportIntervalMs < 0) {
    r.invalid(
      "runtime-export-interval",
      `export interval ${JSON.stringify(r.data["runtime-export-interval"])} is negative`,
    );
  }
  return c;
}

/**
 * Parses config-observability. Seed-era keys are read when their successors
 * are absent: `metrics.backend-destination` /
 * `metrics.request-metrics-backend-destination` (`prometheus` or `none`) and
 * `profiling.enable` (bool).
 */
export function parseObservabilityConfig(data: Record<string, string>): ObservabilityConfig {
  const r = new Reader(OBSERVABILITY_CONFIG_NAME, data);
  const c: ObservabilityConfig = {
    metrics: parseMetrics(r, ""),
    requestMetrics: parseMetrics(r, "request-"),
    tracing: parseTracing(r),
    runtime: parseRuntime(r),
    enableVarLogCollection: r.bool("logging.enable-var-log-collection", false),
    loggingURLTemplate: r.string("logging.revision-url-template", ""),
    enableRequestLog: r.bool("logging.enable-request-log", false),
    requestLogTemplate: r.string("logging.request-log-template", DEFAULT_REQUEST_LOG_TEMPLATE),
    enableProbeRequestLog: r.bool("logging.enable-probe-request-log", false),
    fluentdSidecarImage: r.string("logging.fluentd-sidecar-image", ""),
    fluentdSidecarOutputConfig: data["logging.fluentd-sidecar-output-config"] ?? "",
  };
  if (c.enableRequestLog && c.requestLogTemplate === "") {
    throw new ConfigError(
      OBSERVABILITY_CONFIG_NAME,
      `"logging.enable-request-log" was set to true, but no "logging.request-log-template" was specified`,
    );
  }
  if (c.requestLogTemplate !== "") {
    const err = checkGoTemplate(c.requestLogTemplate, "requestLog");
    if (err) {
      r.invalid("logging.request-log-template", err);
    }
  }
  if (c.enableVarLogCollection && c.fluentdSidecarImage === "") {
    throw new ConfigError(
      OBSERVABILITY_CONFIG_NAME,
      `want "logging.fluentd-sidecar-image" when "logging.enable-var-log-collection" is true`,
    );
  }
  return c;
}

/** config-observability spec. */
export const observabilityConfigSpec: ConfigMapSpec<ObservabilityConfig> = {
  name: OBSERVABILITY_CONFIG_NAME,
  parse: parseObservabilityConfig,
};

/** Go's `json.Marshal` string encoding: JSON plus `<`, `>`, `&`, U+2028 and U+2029 escaped. */
function goJsonString(s: string): string {
  return JSON.stringify(s).replace(
    /[<>&\u2028\u2029]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** Encodes fields in order, dropping Go `omitempty` zero values ("", 0, false). */
function goJsonObject(fields: [string, string | number | boolean | undefined][]): string {
  const parts: string[] = [];
  for (const [k, v] of fields) {
    if (v === undefined || v === "" || v === 0 || v === false) continue;
    parts.push(`${JSON.stringify(k)}:${typeof v === "string" ? goJsonString(v) : String(v)}`);
  }
  return `{${parts.join(",")}}`;
}

/** Milliseconds as a Go `time.Duration` in JSON (integer nanoseconds). */
function nanos(ms: number): number {
  return Math.round(ms * 1e6);
}

function metricsJson(m: MetricsExportConfig): string {
  return goJsonObject([
    ["protocol", m.protocol],
    ["endpoint", m.endpoint],
    ["exportInterval", nanos(m.exportIntervalMs)],
  ]);
}

/**
 * The queue-proxy's `OBSERVABILITY_CONFIG` environment value: Knative's
 * `json.Marshal` of `serving/pkg/observability.Config` (keys `tracing`,
 * `metrics`, `runtime`, `requestMetrics`, `EnableVarLogCollection`,
 * `LoggingURLTemplate`, `enableRequestLog`, `requestLogTemplate`,
 * `enableProbeRequestLog`; empty values omitted, durations in nanoseconds).
 * The seed-era fluentd settings are not part of it.
 */
export function observabilityConfigJson(c: ObservabilityConfig): string {
  const tracing = goJsonObject([
    ["protocol", c.tracing.protocol],
    ["endpoint", c.tracing.endpoint],
    ["samplingRate", c.tracing.samplingRate],
  ]);
  const runtime = goJsonObject([
    ["profiling", c.runtime.profiling],
    ["exportInterval", nanos(c.runtime.exportIntervalMs)],
  ]);
  const rest = goJsonObject([
    ["EnableVarLogCollection", c.enableVarLogCollection],
    ["LoggingURLTemplate", c.loggingURLTemplate],
    ["enableRequestLog", c.enableRequestLog],
    ["requestLogTemplate", c.requestLogTemplate],
    ["enableProbeRequestLog", c.enableProbeRequestLog],
  ]);
  const head = `"tracing":${tracing},"metrics":${metricsJson(c.metrics)},"runtime":${runtime},` +
    `"requestMetrics":${metricsJson(c.requestMetrics)}`;
  return rest === "{}" ? `{${head}}` : `{${head},${rest.slice(1)}`;
}
