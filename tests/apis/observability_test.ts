import assert from "node:assert/strict";
import {
  checkGoTemplate,
  ConfigError,
  DEFAULT_REQUEST_LOG_TEMPLATE,
  OBSERVABILITY_CONFIG_NAME,
  type ObservabilityConfig,
  observabilityConfigJson,
  observabilityConfigSpec,
  parseObservabilityConfig,
  servingConfigMapSpecs,
} from "../../apis/mod.ts";

const DEFAULTS: ObservabilityConfig = {
  metrics: { protocol: "none", endpoint: "", exportIntervalMs: 0 },
  requestMetrics: { protocol: "none", endpoint: "", exportIntervalMs: 0 },
  tracing: { protocol: "none", endpoint: "", samplingRate: 0 },
  runtime: { profiling: "disabled", exportIntervalMs: 15_000 },
  enableVarLogCollection: false,
  loggingURLTemplate: "",
  enableRequestLog: false,
  requestLogTemplate: DEFAULT_REQUEST_LOG_TEMPLATE,
  enableProbeRequestLog: false,
  fluentdSidecarImage: "",
  fluentdSidecarOutputConfig: "",
};

Deno.test("config-observability", async (t) => {
  await t.step("an empty map gives Knative's defaults", () => {
    assert.deepEqual(parseObservabilityConfig({}), DEFAULTS);
  });

  await t.step("the spec is named config-observability and is a serving spec", () => {
    assert.equal(observabilityConfigSpec.name, OBSERVABILITY_CONFIG_NAME);
    assert.equal(OBSERVABILITY_CONFIG_NAME, "config-observability");
    assert.ok(servingConfigMapSpecs().includes(observabilityConfigSpec));
    assert.deepEqual(observabilityConfigSpec.parse({}), DEFAULTS);
  });

  const good: [string, Record<string, string>, Partial<ObservabilityConfig>][] = [
    ["var-log collection with its sidecar image", {
      "logging.enable-var-log-collection": "true",
      "logging.fluentd-sidecar-image": "fluentd:v1",
      "logging.fluentd-sidecar-output-config": "<match **>\n  @type stdout\n</match>\n",
    }, {
      enableVarLogCollection: true,
      fluentdSidecarImage: "fluentd:v1",
      fluentdSidecarOutputConfig: "<match **>\n  @type stdout\n</match>\n",
    }],
    ["revision URL template (trimmed, ${REVISION_UID} kept)", {
      "logging.revision-url-template": " http://logs/?uid=${REVISION_UID}\n",
    }, { loggingURLTemplate: "http://logs/?uid=${REVISION_UID}" }],
    ["request logs on with a custom template", {
      "logging.enable-request-log": "true",
      "logging.request-log-template": "{{.Request.Method}} {{.Response.Code}}",
      "logging.enable-probe-request-log": "True",
    }, {
      enableRequestLog: true,
      requestLogTemplate: "{{.Request.Method}} {{.Response.Code}}",
      enableProbeRequestLog: true,
    }],
    ["an empty request-log template with request logs off", {
      "logging.request-log-template": "",
    }, { requestLogTemplate: "" }],
    ["OTLP metrics", {
      "metrics-protocol": "http/protobuf",
      "metrics-endpoint": "http://collector:4318/v1/metrics",
      "metrics-export-interval": "30s",
    }, {
      metrics: {
        protocol: "http/protobuf",
        endpoint: "http://collector:4318/v1/metrics",
        exportIntervalMs: 30_000,
      },
    }],
    ["prometheus metrics may name a listen address", {
      "metrics-protocol": "prometheus",
      "metrics-endpoint": ":9091",
    }, { metrics: { protocol: "prometheus", endpoint: ":9091", exportIntervalMs: 0 } }],
    ["queue-proxy request metrics over gRPC", {
      "request-metrics-protocol": "grpc",
      "request-metrics-endpoint": "collector:4317",
      "request-metrics-export-interval": "1m",
    }, {
      requestMetrics: { protocol: "grpc", endpoint: "collector:4317", exportIntervalMs: 60_000 },
    }],
    ["tracing", {
      "tracing-protocol": "grpc",
      "tracing-endpoint": "jaeger:4317",
      "tracing-sampling-rate": "0.25",
    }, { tracing: { protocol: "grpc", endpoint: "jaeger:4317", samplingRate: 0.25 } }],
    ["stdout tracing needs no endpoint", { "tracing-protocol": "stdout" }, {
      tracing: { protocol: "stdout", endpoint: "", samplingRate: 0 },
    }],
    ["runtime profiling and interval", {
      "runtime-profiling": "enabled",
      "runtime-export-interval": "5s",
    }, { runtime: { profiling: "enabled", exportIntervalMs: 5_000 } }],
    ["seed-era metrics.backend-destination: prometheus", {
      "metrics.backend-destination": "prometheus",
      "metrics.request-metrics-backend-destination": "Prometheus",
    }, {
      metrics: { protocol: "prometheus", endpoint: "", exportIntervalMs: 0 },
      requestMetrics: { protocol: "prometheus", endpoint: "", exportIntervalMs: 0 },
    }],
    ["metrics-protocol wins over the seed-era key", {
      "metrics-protocol": "none",
      "metrics.backend-destination": "stackdriver",
    }, {}],
    ["seed-era profiling.enable", { "profiling.enable": "true" }, {
      runtime: { profiling: "enabled", exportIntervalMs: 15_000 },
    }],
    ["runtime-profiling wins over profiling.enable", {
      "runtime-profiling": "disabled",
      "profiling.enable": "true",
    }, {}],
    ["the _example block is ignored", { _example: "metrics-protocol: bogus" }, {}],
  ];
  for (const [name, data, want] of good) {
    await t.step(`parses: ${name}`, () => {
      assert.deepEqual(parseObservabilityConfig(data), { ...DEFAULTS, ...want });
    });
  }

  const bad: [string, Record<string, string>, string][] = [
    [
      "var-log collection flag not a bool",
      { "logging.enable-var-log-collection": "yes" },
      `failed to parse "logging.enable-var-log-collection": "yes" is not a boolean`,
    ],
    [
      "var-log collection without a sidecar image",
      { "logging.enable-var-log-collection": "true" },
      `want "logging.fluentd-sidecar-image" when "logging.enable-var-log-collection" is true`,
    ],
    [
      "request log flag not a bool",
      { "logging.enable-request-log": "on" },
      `failed to parse "logging.enable-request-log": "on" is not a boolean`,
    ],
    [
      "probe request log flag not a bool",
      { "logging.enable-probe-request-log": "2" },
      `failed to parse "logging.enable-probe-request-log": "2" is not a boolean`,
    ],
    [
      "request logs on without a template",
      { "logging.enable-request-log": "true", "logging.request-log-template": "  " },
      `"logging.enable-request-log" was set to true, but no "logging.request-log-template" was specified`,
    ],
    [
      "request-log template that does not parse",
      { "logging.request-log-template": `{"status": {{.Response.Code}` },
      "logging.request-log-template: template: requestLog:1: unclosed action",
    ],
    [
      "unknown metrics protocol",
      { "metrics-protocol": "opencensus" },
      `metrics-protocol: unsupported protocol "opencensus", want one of none, prometheus, grpc, http/protobuf`,
    ],
    [
      "OTLP metrics without an endpoint",
      { "metrics-protocol": "grpc" },
      `metrics-endpoint: endpoint should be set when protocol is "grpc"`,
    ],
    [
      "an endpoint with metrics off",
      { "metrics-endpoint": "collector:4317" },
      `metrics-endpoint: endpoint should not be set when protocol is "none"`,
    ],
    [
      "metrics interval without a unit",
      { "metrics-export-interval": "60" },
      `failed to parse "metrics-export-interval": "60" is not a duration`,
    ],
    [
      "negative metrics interval",
      { "metrics-export-interval": "-1s" },
      `metrics-export-interval: export interval "-1s" is negative`,
    ],
    [
      "unknown request metrics protocol",
      { "request-metrics-protocol": "stackdriver" },
      `request-metrics-protocol: unsupported protocol "stackdriver"`,
    ],
    [
      "OTLP request metrics without an endpoint",
      { "request-metrics-protocol": "http/protobuf" },
      `request-metrics-endpoint: endpoint should be set when protocol is "http/protobuf"`,
    ],
    [
      "negative request metrics interval",
      { "request-metrics-export-interval": "-5s" },
      `request-metrics-export-interval: export interval "-5s" is negative`,
    ],
    [
      "seed-era backend that no longer exists",
      { "metrics.backend-destination": "stackdriver" },
      `metrics.backend-destination: backend "stackdriver" is no longer supported; set metrics-protocol`,
    ],
    [
      "seed-era request backend that no longer exists",
      { "metrics.request-metrics-backend-destination": "opencensus" },
      `metrics.request-metrics-backend-destination: backend "opencensus" is no longer supported; set request-metrics-protocol`,
    ],
    [
      "unknown tracing protocol",
      { "tracing-protocol": "zipkin" },
      `tracing-protocol: unsupported protocol "zipkin", want one of none, stdout, grpc, http/protobuf`,
    ],
    [
      "OTLP tracing without an endpoint",
      { "tracing-protocol": "http/protobuf" },
      `tracing-endpoint: endpoint should be set for protocol "http/protobuf"`,
    ],
    [
      "an endpoint with stdout tracing",
      { "tracing-protocol": "stdout", "tracing-endpoint": "x:1" },
      `tracing-endpoint: endpoint should not be set when protocol is "stdout"`,
    ],
    [
      "sampling rate above one",
      { "tracing-sampling-rate": "1.5" },
      "tracing-sampling-rate: sampling rate 1.5 should be between 0 and 1",
    ],
    [
      "negative sampling rate",
      { "tracing-sampling-rate": "-0.1" },
      "tracing-sampling-rate: sampling rate -0.1 should be between 0 and 1",
    ],
    [
      "sampling rate not a number",
      { "tracing-sampling-rate": "half" },
      `failed to parse "tracing-sampling-rate": "half" is not a number`,
    ],
    [
      "unknown profiling setting",
      { "runtime-profiling": "true" },
      `runtime-profiling: unsupported profile setting "true", want enabled or disabled`,
    ],
    [
      "seed-era profiling flag not a bool",
      { "profiling.enable": "sometimes" },
      `failed to parse "profiling.enable": "sometimes" is not a boolean`,
    ],
    [
      "negative runtime interval",
      { "runtime-export-interval": "-1m" },
      `runtime-export-interval: export interval "-1m" is negative`,
    ],
  ];
  for (const [name, data, want] of bad) {
    await t.step(`refuses: ${name}`, () => {
      assert.throws(
        () => parseObservabilityConfig(data),
        (e: unknown) =>
          e instanceof ConfigError && e.message.startsWith("config-observability: ") &&
          e.message.includes(want),
      );
    });
  }
});

Deno.test("checkGoTemplate (Go text/template syntax)", async (t) => {
  const cases: [string, string | undefined][] = [
    [DEFAULT_REQUEST_LOG_TEMPLATE, undefined],
    ["plain text", undefined],
    ["{{.Request.Method}}", undefined],
    ["{{- .A -}}", undefined],
    ["{{/* a comment */}}", undefined],
    [`{{ "}}" }}`, undefined],
    ["{{`}}`}}", undefined],
    [`{{index .Request.Header "X-B3-Traceid"}}`, undefined],
    ["{{if .A}}a{{else if .B}}b{{else}}c{{end}}", undefined],
    ["{{range .X}}{{.}}{{end}}{{with .Y}}{{.}}{{end}}", undefined],
    ['{{printf "%d" (len .X)}}', undefined],
    ["{{.A", "template: t:1: unclosed action"],
    ["a\nb\n{{.A", "template: t:3: unclosed action"],
    ["{{}}", "template: t:1: missing value for command"],
    ["{{if .A}}x", "template: t:1: unexpected EOF"],
    ["{{end}}", "template: t:1: unexpected {{end}}"],
    ["{{else}}", "template: t:1: unexpected {{else}}"],
    ["{{(.A}}", "template: t:1: unclosed left paren"],
    ["{{.A)}}", "template: t:1: unexpected right paren"],
    [`{{"abc}}`, "template: t:1: unterminated quoted string"],
    ["{{/* open }}", "template: t:1: unclosed comment"],
  ];
  for (const [tpl, want] of cases) {
    await t.step(JSON.stringify(tpl), () => assert.equal(checkGoTemplate(tpl, "t"), want));
  }
});

Deno.test("observabilityConfigJson (Knative's OBSERVABILITY_CONFIG for the queue-proxy)", async (t) => {
  await t.step("defaults: Go json.Marshal of NewFromMap({})", () => {
    assert.equal(
      observabilityConfigJson(parseObservabilityConfig({})),
      `{"tracing":{"protocol":"none"},"metrics":{"protocol":"none"},` +
        `"runtime":{"profiling":"disabled","exportInterval":15000000000},` +
        `"requestMetrics":{"protocol":"none"},"requestLogTemplate":${
          JSON.stringify(DEFAULT_REQUEST_LOG_TEMPLATE)
        }}`,
    );
  });
  await t.step("every field, durations in nanoseconds, fluentd keys left out", () => {
    const c = parseObservabilityConfig({
      "tracing-protocol": "grpc",
      "tracing-endpoint": "jaeger:4317",
      "tracing-sampling-rate": "0.5",
      "metrics-protocol": "prometheus",
      "metrics-export-interval": "30s",
      "request-metrics-protocol": "http/protobuf",
      "request-metrics-endpoint": "otel:55678",
      "runtime-profiling": "enabled",
      "runtime-export-interval": "1m",
      "logging.enable-var-log-collection": "true",
      "logging.fluentd-sidecar-image": "fluentd:v1",
      "logging.revision-url-template": "http://logs/${REVISION_UID}",
      "logging.enable-request-log": "true",
      "logging.request-log-template": "test template",
      "logging.enable-probe-request-log": "true",
    });
    assert.equal(
      observabilityConfigJson(c),
      `{"tracing":{"protocol":"grpc","endpoint":"jaeger:4317","samplingRate":0.5},` +
        `"metrics":{"protocol":"prometheus","exportInterval":30000000000},` +
        `"runtime":{"profiling":"enabled","exportInterval":60000000000},` +
        `"requestMetrics":{"protocol":"http/protobuf","endpoint":"otel:55678"},` +
        `"EnableVarLogCollection":true,"LoggingURLTemplate":"http://logs/${"${REVISION_UID}"}",` +
        `"enableRequestLog":true,"requestLogTemplate":"test template","enableProbeRequestLog":true}`,
    );
  });
  await t.step("an empty request-log template is omitted", () => {
    const json = observabilityConfigJson(
      parseObservabilityConfig({ "logging.request-log-template": "" }),
    );
    assert.ok(json.endsWith(`"requestMetrics":{"protocol":"none"}}`), json);
  });
  await t.step("strings are HTML-escaped like Go's encoder", () => {
    const json = observabilityConfigJson(
      parseObservabilityConfig({ "logging.request-log-template": "<{{.Request.Method}}> & co" }),
    );
    assert.ok(json.includes(`"requestLogTemplate":"\\u003c{{.Request.Method}}\\u003e \\u0026 co"`));
    assert.equal(
      (JSON.parse(json) as { requestLogTemplate: string }).requestLogTemplate,
      "<{{.Request.Method}}> & co",
    );
  });
});
