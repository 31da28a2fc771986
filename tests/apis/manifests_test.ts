import assert from "node:assert/strict";
import { parse as parseYaml, parseAllDocuments } from "yaml";
import { configMapValidationHook, knativeCrds, servingConfigMapSpecs } from "../../apis/mod.ts";
import { configMaps, installManifests } from "../../apis/manifests.ts";
import { renderManifestFiles } from "../../apis/cli.ts";
import { networkingConfigMapSpecs } from "../../networking/mod.ts";
import type { KubeObject } from "../../runtime/mod.ts";

const CONFIG_DIR = new URL("../../config/", import.meta.url);

Deno.test("install manifests", async (t) => {
  await t.step(
    "committed config/ matches the generator (run `deno run -A main.ts manifests --out config/`)",
    async () => {
      const files = renderManifestFiles();
      const committed = [...Deno.readDirSync(CONFIG_DIR)].map((e) => e.name).filter((n) =>
        n.endsWith(".yaml")
      ).sort();
      assert.deepEqual(committed, Object.keys(files).sort());
      for (const [name, text] of Object.entries(files)) {
        const onDisk = await Deno.readTextFile(new URL(name, CONFIG_DIR));
        assert.equal(onDisk, text, `config/${name} is stale`);
      }
    },
  );
  await t.step("every generated file parses back to the objects", () => {
    const files = renderManifestFiles();
    const objs = installManifests();
    for (const [name, text] of Object.entries(files)) {
      const docs = parseAllDocuments(text).map((d) => d.toJSON());
      assert.deepEqual(docs, objs[name]);
    }
  });
  const crds = knativeCrds();
  const crd = (name: string) =>
    crds.find((c) => c.metadata.name === name)! as KubeObject & {
      spec: {
        names: { shortNames: string[]; categories: string[] };
        versions: {
          name: string;
          storage: boolean;
          served: boolean;
          subresources: unknown;
          additionalPrinterColumns: { name: string; jsonPath: string }[];
        }[];
        conversion?: { strategy: string; webhook: { clientConfig: { service: { path: string } } } };
      };
    };
  await t.step("eight CRDs with short names and categories", () => {
    assert.deepEqual(crds.map((c) => c.metadata.name).sort(), [
      "configurations.serving.knative.dev",
      "ingresses.networking.internal.knative.dev",
      "metrics.autoscaling.internal.knative.dev",
      "podautoscalers.autoscaling.internal.knative.dev",
      "revisions.serving.knative.dev",
      "routes.serving.knative.dev",
      "serverlessservices.networking.internal.knative.dev",
      "services.serving.knative.dev",
    ]);
    const short = Object.fromEntries(
      crds.map((c) => [c.metadata.name, crd(c.metadata.name!).spec.names.shortNames]),
    );
    assert.ok(short["services.serving.knative.dev"].includes("ksvc"));
    assert.ok(short["configurations.serving.knative.dev"].includes("kcfg"));
    assert.ok(short["revisions.serving.knative.dev"].includes("rev"));
    assert.ok(short["routes.serving.knative.dev"].includes("rt"));
    assert.deepEqual(short["ingresses.networking.internal.knative.dev"], ["kingress", "king"]);
    assert.deepEqual(short["serverlessservices.networking.internal.knative.dev"], ["sks"]);
    assert.deepEqual(short["podautoscalers.autoscaling.internal.knative.dev"], ["kpa", "pa"]);
    assert.deepEqual(crd("services.serving.knative.dev").spec.names.categories, [
      "all",
      "knative",
      "serving",
    ]);
  });
  await t.step("ksvc columns like Knative", () => {
    const v1 = crd("services.serving.knative.dev").spec.versions.find((v) => v.name === "v1")!;
    assert.deepEqual(v1.additionalPrinterColumns.map((c) => c.name), [
      "URL",
      "LatestCreated",
      "LatestReady",
      "Ready",
      "Reason",
    ]);
    assert.equal(
      v1.additionalPrinterColumns[3].jsonPath,
      ".status.conditions[?(@.type=='Ready')].status",
    );
    assert.deepEqual(v1.subresources, { status: {} });
  });
  await t.step(
    "names, printer columns and subresources match Knative's config/core/300-resources",
    () => {
      const READY = ".status.conditions[?(@.type=='Ready')].status";
      const REASON = ".status.conditions[?(@.type=='Ready')].reason";
      const ready = [["Ready", "string", READY], ["Reason", "string", REASON]];
      const serving = ["all", "knative", "serving"];
      // [crd, shortNames (undefined: none), categories, columns [name, type, jsonPath]]
      const want: [string, string[] | undefined, string[], string[][]][] = [
        ["services.serving.knative.dev", ["kservice", "ksvc"], serving, [
          ["URL", "string", ".status.url"],
          ["LatestCreated", "string", ".status.latestCreatedRevisionName"],
          ["LatestReady", "string", ".status.latestReadyRevisionName"],
          ...ready,
        ]],
        // Knative has config and cfg; kcfg is denative's addition.
        ["configurations.serving.knative.dev", ["config", "cfg", "kcfg"], serving, [
          ["LatestCreated", "string", ".status.latestCreatedRevisionName"],
          ["LatestReady", "string", ".status.latestReadyRevisionName"],
          ...ready,
        ]],
        ["revisions.serving.knative.dev", ["rev"], serving, [
          ["Config Name", "string", ".metadata.labels['serving\\.knative\\.dev/configuration']"],
          [
            "Generation",
            "string",
            ".metadata.labels['serving\\.knative\\.dev/configurationGeneration']",
          ],
          ...ready,
          ["Actual Replicas", "integer", ".status.actualReplicas"],
          ["Desired Replicas", "integer", ".status.desiredReplicas"],
        ]],
        ["routes.serving.knative.dev", ["rt"], serving, [
          ["URL", "string", ".status.url"],
          ...ready,
        ]],
        [
          "ingresses.networking.internal.knative.dev",
          ["kingress", "king"],
          ["knative-internal", "networking"],
          ready,
        ],
        [
          "serverlessservices.networking.internal.knative.dev",
          ["sks"],
          ["knative-internal", "networking"],
          [
            ["Mode", "string", ".spec.mode"],
            ["Activators", "integer", ".spec.numActivators"],
            ["ServiceName", "string", ".status.serviceName"],
            ["PrivateServiceName", "string", ".status.privateServiceName"],
            ...ready,
          ],
        ],
        [
          "podautoscalers.autoscaling.internal.knative.dev",
          ["kpa", "pa"],
          ["knative-internal", "autoscaling"],
          [
            ["DesiredScale", "integer", ".status.desiredScale"],
            ["ActualScale", "integer", ".status.actualScale"],
            ...ready,
          ],
        ],
        [
          "metrics.autoscaling.internal.knative.dev",
          undefined,
          ["knative-internal", "autoscaling"],
          ready,
        ],
      ];
      for (const [name, shortNames, categories, columns] of want) {
        const c = crd(name).spec as unknown as {
          names: { shortNames?: string[]; categories: string[] };
          versions: {
            subresources: unknown;
            additionalPrinterColumns: { name: string; type: string; jsonPath: string }[];
          }[];
        };
        assert.deepEqual(c.names.shortNames, shortNames, name);
        assert.deepEqual(c.names.categories, categories, name);
        for (const v of c.versions) {
          assert.deepEqual(
            v.additionalPrinterColumns.map((p) => [p.name, p.type, p.jsonPath]),
            columns,
            name,
          );
          // No Knative CRD has ever declared a scale subresource; status only.
          assert.deepEqual(v.subresources, { status: {} }, name);
        }
      }
    },
  );
  await t.step("Service serves v1 (stored) and v1alpha1 with a conversion webhook", () => {
    const s = crd("services.serving.knative.dev").spec;
    assert.deepEqual(s.versions.map((v) => [v.name, v.served, v.storage]), [["v1", true, true], [
      "v1alpha1",
      true,
      false,
    ]]);
    assert.equal(s.conversion?.strategy, "Webhook");
    assert.equal(s.conversion?.webhook.clientConfig.service.path, "/resource-conversion");
    assert.equal(crd("routes.serving.knative.dev").spec.conversion, undefined);
  });
  await t.step("caBundle is written into conversion settings when given", () => {
    const withCa = knativeCrds({ caBundle: "Q0E=" }).find((c) =>
      c.metadata.name === "services.serving.knative.dev"
    ) as unknown as {
      spec: { conversion: { webhook: { clientConfig: { caBundle: string } } } };
    };
    assert.equal(withCa.spec.conversion.webhook.clientConfig.caBundle, "Q0E=");
  });
  await t.step(
    "config maps: each _example parses as valid config and passes the config webhook",
    () => {
      const hook = configMapValidationHook();
      const specs = new Map(
        [...servingConfigMapSpecs(), ...networkingConfigMapSpecs()].map((s) => [s.name, s]),
      );
      const cms = configMaps();
      assert.deepEqual(cms.map((c) => c.metadata.name), [
        "config-autoscaler",
        "config-contour",
        "config-defaults",
        "config-deployment",
        "config-domain",
        "config-features",
        "config-gateway",
        "config-gc",
        "config-istio",
        "config-network",
        "config-observability",
      ]);
      for (const cm of cms) {
        const data = cm.data as Record<string, string>;
        const example = parseYaml(data._example) as Record<string, unknown>;
        const asStrings: Record<string, string> = {};
        for (const [k, v] of Object.entries(example)) asStrings[k] = v === null ? "" : String(v);
        if (cm.metadata.name === "config-deployment") asStrings["queue-sidecar-image"] = "q";
        assert.doesNotThrow(() => specs.get(cm.metadata.name!)!.parse(asStrings), cm.metadata.name);
        assert.equal(
          hook.validate!({ operation: "CREATE", object: cm, userInfo: { username: "u" } }),
          undefined,
        );
      }
    },
  );
  await t.step("RBAC grants no wildcard verbs and no cluster-wide secrets", () => {
    const rbac = installManifests()["200-rbac.yaml"];
    const role = rbac.find((o) => o.kind === "ClusterRole") as unknown as {
      rules: { resources: string[]; verbs: string[] }[];
    };
    for (const r of role.rules) {
      assert.ok(!r.verbs.includes("*"));
      assert.ok(!r.resources.includes("secrets"));
    }
  });
});
