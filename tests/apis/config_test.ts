import assert from "node:assert/strict";
import {
  ConfigError,
  formatGoDuration,
  lookupDomainForLabels,
  parseAutoscalerConfig,
  parseDefaultsConfig,
  parseDeploymentConfig,
  parseDomainConfig,
  parseFeaturesConfig,
  parseGCConfig,
  parseGoDuration,
  parseNetworkConfig,
  renderTemplate,
  servingConfigMapSpecs,
} from "../../apis/mod.ts";

Deno.test("Go durations", async (t) => {
  const cases: [string, number | undefined][] = [
    ["0", 0],
    ["60s", 60_000],
    ["1m30s", 90_000],
    ["1.5h", 5_400_000],
    ["500ms", 500],
    ["-1s", -1000],
    ["10", undefined],
    ["abc", undefined],
  ];
  for (const [s, want] of cases) await t.step(s, () => assert.equal(parseGoDuration(s), want));
  await t.step("format", () => {
    assert.equal(formatGoDuration(3_600_000), "1h0m0s");
    assert.equal(formatGoDuration(6_000), "6s");
    assert.equal(formatGoDuration(90_000), "1m30s");
  });
});

Deno.test("config-defaults (KNATIVE.md §14)", async (t) => {
  await t.step("defaults", () => {
    const c = parseDefaultsConfig({});
    assert.equal(c.revisionTimeoutSeconds, 300);
    assert.equal(c.maxRevisionTimeoutSeconds, 600);
    assert.equal(c.revisionResponseStartTimeoutSeconds, 300);
    assert.equal(c.revisionIdleTimeoutSeconds, 0);
    assert.equal(c.userContainerNameTemplate, "user-container");
    assert.equal(c.initContainerNameTemplate, "init-container");
    assert.equal(c.containerConcurrency, 0);
    assert.equal(c.containerConcurrencyMaxLimit, 1000);
    assert.equal(c.allowContainerConcurrencyZero, true);
    assert.equal(c.enableServiceLinks, false);
    assert.equal(c.revisionCpuRequest, undefined);
  });
  await t.step("response start follows timeout", () => {
    assert.equal(
      parseDefaultsConfig({ "revision-timeout-seconds": "100" })
        .revisionResponseStartTimeoutSeconds,
      100,
    );
  });
  const bad: [string, Record<string, string>, RegExp][] = [
    [
      "timeout > max",
      { "revision-timeout-seconds": "700" },
      /revision-timeout-seconds: expected 0 <= 700 <= 600/,
    ],
    [
      "not an int",
      { "container-concurrency": "abc" },
      /failed to parse "container-concurrency": "abc" is not an integer/,
    ],
    [
      "cc > limit",
      { "container-concurrency": "2000" },
      /container-concurrency: expected 0 <= 2000 <= 1000/,
    ],
    ["limit < 1", { "container-concurrency-max-limit": "0" }, /container-concurrency-max-limit/],
    ["idle > timeout", { "revision-idle-timeout-seconds": "301" }, /revision-idle-timeout-seconds/],
  ];
  for (const [name, data, re] of bad) {
    await t.step(
      name,
      () =>
        assert.throws(
          () => parseDefaultsConfig(data),
          (e: Error) => e instanceof ConfigError && re.test(e.message),
        ),
    );
  }
});

Deno.test("config-autoscaler", async (t) => {
  await t.step("defaults", () => {
    const c = parseAutoscalerConfig({});
    assert.equal(c.containerConcurrencyTargetFraction, 0.7);
    assert.equal(c.containerConcurrencyTargetDefault, 100);
    assert.equal(c.rpsTargetDefault, 200);
    assert.equal(c.targetBurstCapacity, 211);
    assert.equal(c.stableWindowMs, 60_000);
    assert.equal(c.panicWindowPercentage, 10);
    assert.equal(c.panicThresholdPercentage, 200);
    assert.equal(c.maxScaleUpRate, 1000);
    assert.equal(c.maxScaleDownRate, 2);
    assert.equal(c.scaleToZeroGracePeriodMs, 30_000);
    assert.equal(c.podAutoscalerClass, "kpa.autoscaling.knative.dev");
    assert.equal(c.activatorCapacity, 100);
    assert.equal(c.initialScale, 1);
    assert.equal(c.enableScaleToZero, true);
    assert.equal(c.targetUtilization, 0.7);
  });
  await t.step("percentage ≤ 1 is a fraction", () => {
    assert.equal(
      parseAutoscalerConfig({ "container-concurrency-target-percentage": "0.5" })
        .containerConcurrencyTargetFraction,
      0.5,
    );
  });
  const bad: [string, Record<string, string>][] = [
    ["grace 0", { "scale-to-zero-grace-period": "0s" }],
    ["tbc -2", { "target-burst-capacity": "-2" }],
    ["window 5s", { "stable-window": "5s" }],
    ["window fractional", { "stable-window": "6500ms" }],
    ["panic window 0", { "panic-window-percentage": "0" }],
    ["panic threshold 100", { "panic-threshold-percentage": "100" }],
    ["up rate 1", { "max-scale-up-rate": "1" }],
    ["down rate 1", { "max-scale-down-rate": "1" }],
    ["initial 0", { "initial-scale": "0" }],
    ["min > max", { "min-scale": "3", "max-scale": "2" }],
    ["max above limit", { "max-scale": "20", "max-scale-limit": "10" }],
    ["activator capacity", { "activator-capacity": "0" }],
    ["rps target", { "requests-per-second-target-default": "0.001" }],
    ["not a duration", { "scale-down-delay": "soon" }],
  ];
  for (const [name, data] of bad) {
    await t.step(name, () => assert.throws(() => parseAutoscalerConfig(data), ConfigError));
  }
  await t.step("initial 0 allowed", () => {
    assert.equal(
      parseAutoscalerConfig({ "initial-scale": "0", "allow-zero-initial-scale": "true" })
        .initialScale,
      0,
    );
  });
});

Deno.test("config-network", async (t) => {
  await t.step("defaults", () => {
    const c = parseNetworkConfig({});
    assert.equal(c.defaultIngressClass, "istio.ingress.networking.knative.dev");
    assert.equal(c.defaultCertificateClass, "cert-manager.certificate.networking.knative.dev");
    assert.equal(c.domainTemplate, "{{.Name}}.{{.Namespace}}.{{.Domain}}");
    assert.equal(c.tagTemplate, "{{.Tag}}-{{.Name}}");
    assert.equal(c.externalDomainTLS, "Disabled");
    assert.equal(c.httpProtocol, "Enabled");
    assert.equal(c.rolloutDurationMs, 0);
    assert.equal(c.defaultExternalScheme, "http");
  });
  await t.step("legacy aliases", () => {
    const c = parseNetworkConfig({
      "ingress.class": "contour.ingress.networking.knative.dev",
      domainTemplate: "{{.Name}}-{{.Namespace}}.{{.Domain}}",
      tagTemplate: "{{.Name}}-{{.Tag}}",
      autoTLS: "Enabled",
      httpProtocol: "Redirected",
      rolloutDuration: "60s",
      "internal-encryption": "true",
    });
    assert.equal(c.defaultIngressClass, "contour.ingress.networking.knative.dev");
    assert.equal(c.domainTemplate, "{{.Name}}-{{.Namespace}}.{{.Domain}}");
    assert.equal(c.tagTemplate, "{{.Name}}-{{.Tag}}");
    assert.equal(c.externalDomainTLS, "Enabled");
    assert.equal(c.httpProtocol, "Redirected");
    assert.equal(c.rolloutDurationMs, 60_000);
    assert.equal(c.systemInternalTLS, "Enabled");
  });
  await t.step("new key wins over legacy", () => {
    assert.equal(
      parseNetworkConfig({ "ingress-class": "a", "ingress.class": "b" }).defaultIngressClass,
      "a",
    );
  });
  const bad: [string, Record<string, string>][] = [
    ["domain template with path", { "domain-template": "{{.Name}}/{{.Namespace}}" }],
    ["domain template unknown field", { "domain-template": "{{.Foo}}.{{.Domain}}" }],
    ["tag template unknown field", { "tag-template": "{{.Bar}}" }],
    ["negative rollout", { "rollout-duration": "-1s" }],
    ["http protocol", { "http-protocol": "sometimes" }],
  ];
  for (const [name, data] of bad) {
    await t.step(name, () => assert.throws(() => parseNetworkConfig(data), ConfigError));
  }
  await t.step("template rendering", () => {
    assert.equal(
      renderTemplate("{{.Name}}.{{.Namespace}}.{{.Domain}}", {
        Name: "a",
        Namespace: "b",
        Domain: "c",
      }),
      "a.b.c",
    );
    assert.equal(renderTemplate('{{index .Annotations "x"}}', { Annotations: { x: "y" } }), "y");
  });
});

Deno.test("config-domain (KNATIVE.md §5.4)", async (t) => {
  await t.step("empty → svc.cluster.local", () => {
    const c = parseDomainConfig({ _example: "ignored" });
    assert.deepEqual(c.domains, { "svc.cluster.local": { selector: {}, type: "wildcard" } });
  });
  await t.step("selectors, most labels wins, ties lexicographic", () => {
    const c = parseDomainConfig({
      "example.com": "",
      "b.org": "selector:\n  app: x\n",
      "a.org": "selector:\n  app: x\n",
      "c.net": "selector:\n  app: x\n  tier: y\n",
    });
    assert.equal(Object.keys(c.domains).includes("svc.cluster.local"), false);
    assert.equal(lookupDomainForLabels(c, {}), "example.com");
    assert.equal(lookupDomainForLabels(c, { app: "x" }), "a.org");
    assert.equal(lookupDomainForLabels(c, { app: "x", tier: "y" }), "c.net");
  });
  await t.step(
    "bad yaml",
    () => assert.throws(() => parseDomainConfig({ "a.com": "selector: [" }), ConfigError),
  );
});

Deno.test("config-gc, config-deployment, config-features", async (t) => {
  await t.step("gc defaults and disabled", () => {
    assert.deepEqual(parseGCConfig({}), {
      retainSinceCreateTimeMs: 48 * 3_600_000,
      retainSinceLastActiveTimeMs: 15 * 3_600_000,
      minNonActiveRevisions: 20,
      maxNonActiveRevisions: 1000,
    });
    const c = parseGCConfig({
      "retain-since-create-time": "disabled",
      "max-non-active-revisions": "disabled",
    });
    assert.equal(c.retainSinceCreateTimeMs, -1);
    assert.equal(c.maxNonActiveRevisions, -1);
    assert.throws(
      () => parseGCConfig({ "min-non-active-revisions": "5", "max-non-active-revisions": "2" }),
      ConfigError,
    );
    assert.throws(() => parseGCConfig({ "min-non-active-revisions": "-1" }), ConfigError);
  });
  await t.step("deployment", () => {
    assert.throws(() => parseDeploymentConfig({}), /queue-sidecar-image/);
    const c = parseDeploymentConfig({ queueSidecarImage: "q" });
    assert.equal(c.queueSidecarImage, "q");
    assert.equal(c.progressDeadlineMs, 600_000);
    assert.equal(c.digestResolutionTimeoutMs, 10_000);
    assert.deepEqual(c.registriesSkippingTagResolving, ["kind.local", "ko.local", "dev.local"]);
    assert.equal(c.queueSidecarCpuRequest, "25m");
    assert.equal(c.defaultAffinityType, "prefer-spread-revision-over-nodes");
    assert.throws(
      () => parseDeploymentConfig({ "queue-sidecar-image": "q", "progress-deadline": "1.5s" }),
      ConfigError,
    );
    const rc = parseDeploymentConfig({
      "queue-sidecar-image": "q",
      "runtime-class-name": "gvisor:\n  selector:\n    a: b\n",
    });
    assert.deepEqual(rc.runtimeClassNames, { gvisor: { selector: { a: "b" } } });
  });
  await t.step("features", () => {
    const f = parseFeaturesConfig({
      "kubernetes.podspec-affinity": "enabled",
      "secure-pod-defaults": "AllowRootBounded",
    });
    assert.equal(f["multi-container"], "Enabled");
    assert.equal(f["kubernetes.podspec-volumes-emptydir"], "Enabled");
    assert.equal(f["kubernetes.podspec-affinity"], "Enabled");
    assert.equal(f["secure-pod-defaults"], "AllowRootBounded");
    assert.equal(f["tag-header-based-routing"], "Disabled");
    assert.throws(() => parseFeaturesConfig({ "multi-container": "maybe" }), ConfigError);
  });
  await t.step("eight specs, each parses its empty map except config-deployment", () => {
    const names = servingConfigMapSpecs().map((s) => s.name).sort();
    assert.deepEqual(names, [
      "config-autoscaler",
      "config-defaults",
      "config-deployment",
      "config-domain",
      "config-features",
      "config-gc",
      "config-network",
      "config-observability",
    ]);
  });
});
