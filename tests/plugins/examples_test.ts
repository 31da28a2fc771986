import assert from "node:assert/strict";
import { parse } from "yaml";
import { type KubeObject, MemoryLogger, ProviderFailedError } from "../../runtime/mod.ts";
import { inspectPlugin, loadPlugin, loadPlugins, sha256Hex } from "../../plugins/mod.ts";
import { buildExample } from "../../plugins/build.ts";

const INGRESS = parse(
  await Deno.readTextFile(new URL("./fixtures/ingress.yaml", import.meta.url)),
) as KubeObject;

// Escapes, non-ASCII (2-, 3- and 4-byte UTF-8), HTML characters and a lone
// surrogate, which every JSON codec must turn into U+FFFD.
const TRICKY = 'é "q" \\ a\nb\tc \u0001 <b>&amp; € 😀 \u2028 \ud800 end';
const TRICKY_OUT = TRICKY.replace("\ud800", "\ufffd");

// The fixture Ingress with a tricky header value and fields no plugin knows.
function trickyIngress(): KubeObject {
  const ing = structuredClone(INGRESS) as unknown as {
    spec: {
      future: unknown;
      rules: { http: { paths: Record<string, unknown>[] } }[];
    };
  };
  ing.spec.future = { n: [1.5e3, -2, 0.25, 1e-7, true, false, null, 'x"y'], o: {} };
  const path = ing.spec.rules[0].http.paths[0];
  path.appendHeaders = { "X-Tricky": TRICKY };
  path.unknownField = [{ a: [[]] }];
  return ing as unknown as KubeObject;
}

function find(objs: KubeObject[], kind: string, name: string): Record<string, unknown> {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o, `${kind}/${name} in ${objs.map((x) => `${x.kind}/${x.metadata.name}`)}`);
  return o as unknown as Record<string, unknown>;
}

Deno.test("ingress-nginx example (AssemblyScript)", async (t) => {
  const path = await buildExample("nginx");
  const bytes = await Deno.readFile(path);
  const sha = await sha256Hex(bytes);
  await t.step("imports nothing", () => {
    assert.deepEqual(WebAssembly.Module.imports(new WebAssembly.Module(bytes)), []);
  });
  await t.step("passes every check; manifest embedded by the build", async () => {
    const insp = await inspectPlugin(bytes, { sha256: sha, mode: "in-process" });
    assert.ok(insp.ok, JSON.stringify(insp.checks));
    assert.equal(insp.manifestSource, "custom-section");
    assert.equal(insp.manifest?.name, "ingress-nginx");
  });
  for (const mode of ["in-process", "worker"] as const) {
    await t.step(`renders a weighted split as main + canary Ingress (${mode})`, async () => {
      const logs = new MemoryLogger();
      const [p] = await loadPlugins([`${path}=${sha}`], { mode, logger: logs });
      try {
        assert.equal(p.className, "nginx.ingress.networking.knative.dev");
        const objs = await p.render(INGRESS, {});
        assert.deepEqual(objs.map((o) => o.metadata.name), ["hello-0-0", "hello-0-0-canary"]);
        const main = find(objs, "Ingress", "hello-0-0") as {
          spec: {
            ingressClassName: string;
            rules: { host: string; http: { paths: unknown[] } }[];
            tls: unknown[];
          };
          metadata: KubeObject["metadata"];
        };
        assert.equal(main.spec.ingressClassName, "nginx");
        assert.deepEqual(main.spec.rules, [{
          host: "hello.default.example.com",
          http: {
            paths: [{
              path: "/",
              pathType: "Prefix",
              backend: { service: { name: "hello-00001", port: { number: 80 } } },
            }],
          },
        }]);
        assert.deepEqual(main.spec.tls, [{
          hosts: ["hello.default.example.com"],
          secretName: "route-hello-tls",
        }]);
        assert.equal(main.metadata.annotations?.["nginx.ingress.kubernetes.io/canary"], undefined);
        const canary = find(objs, "Ingress", "hello-0-0-canary") as {
          metadata: KubeObject["metadata"];
          spec: { rules: { http: { paths: { backend: unknown }[] } }[] };
        };
        assert.equal(canary.metadata.annotations?.["nginx.ingress.kubernetes.io/canary"], "true");
        assert.equal(
          canary.metadata.annotations?.["nginx.ingress.kubernetes.io/canary-weight"],
          "20",
        );
        assert.deepEqual(canary.spec.rules[0].http.paths[0].backend, {
          service: { name: "hello-00002", port: { number: 80 } },
        });
        assert.equal(canary.metadata.labels?.["serving.knative.dev/route"], "hello");
        assert.ok(logs.records.some((r) => /ClusterLocal/.test(r.msg)));
      } finally {
        p.close();
      }
    });
  }
  await t.step("config: local class and snippets", async () => {
    const [p] = await loadPlugins([{
      path,
      sha256: sha,
      mode: "in-process",
      config: { localIngressClassName: "nginx-internal", allowSnippets: true },
    }]);
    try {
      const objs = await p.render(INGRESS, {});
      const local = find(objs, "Ingress", "hello-1-0") as {
        spec: { ingressClassName: string; rules: { host: string }[]; tls?: unknown };
      };
      assert.equal(local.spec.ingressClassName, "nginx-internal");
      assert.equal(local.spec.rules.length, 3);
      assert.equal(local.spec.tls, undefined);
      const main = find(objs, "Ingress", "hello-0-0") as { metadata: KubeObject["metadata"] };
      assert.equal(
        main.metadata.annotations?.["nginx.ingress.kubernetes.io/configuration-snippet"],
        'proxy_set_header Knative-Serving-Namespace "default";\n' +
          'proxy_set_header Knative-Serving-Revision "hello-00001";\n',
      );
    } finally {
      p.close();
    }
  });
  await t.step("strings survive the kit's JSON codec; unknown fields are ignored", async () => {
    const [p] = await loadPlugins([{
      path,
      sha256: sha,
      mode: "in-process",
      config: { allowSnippets: true },
    }]);
    try {
      const main = find(await p.render(trickyIngress(), {}), "Ingress", "hello-0-0") as {
        metadata: KubeObject["metadata"];
      };
      assert.equal(
        main.metadata.annotations?.["nginx.ingress.kubernetes.io/configuration-snippet"],
        `proxy_set_header X-Tricky "${TRICKY_OUT}";\n` +
          'proxy_set_header Knative-Serving-Revision "hello-00001";\n',
      );
    } finally {
      p.close();
    }
  });
  await t.step("memory is reused across calls (the arena rewinds each call)", async () => {
    // Every call allocates tens of KiB; without rewinding, 600 calls would
    // pass the plugin's 64-page (4 MiB) cap, trap and rebuild the instance.
    const p = await loadPlugin(bytes, { mode: "in-process" });
    try {
      const first = await p.render(INGRESS);
      for (let i = 0; i < 600; i++) await p.render(INGRESS);
      assert.deepEqual(await p.render(INGRESS), first);
      assert.equal(p.runner.instancesBuilt, 1);
    } finally {
      p.close();
    }
  });
  await t.step("three-way split is a domain error → ProviderFailedError", async () => {
    const [p] = await loadPlugins([{ path, sha256: sha, mode: "in-process" }]);
    const three = structuredClone(INGRESS) as unknown as {
      spec: { rules: { http: { paths: { splits: Record<string, unknown>[] }[] } }[] };
    };
    const splits = three.spec.rules[0].http.paths[0].splits;
    splits[0].percent = 60;
    splits.push({ ...splits[1], serviceName: "hello-00003" });
    try {
      const err = await p.render(three as unknown as KubeObject, {}).catch((e) => e);
      assert.ok(err instanceof ProviderFailedError);
      assert.match(err.message, /UnsupportedSplit: ingress-nginx supports at most two/);
    } finally {
      p.close();
    }
  });
  await t.step("a wrong config is refused at load", async () => {
    await assert.rejects(
      loadPlugins([{ path, sha256: sha, mode: "in-process", config: { bogus: 1 } }]),
      /config: does not match configSchema/,
    );
  });
});

Deno.test("traefik example (Go)", async (t) => {
  const path = await buildExample("traefik");
  const bytes = await Deno.readFile(path);
  const sha = await sha256Hex(bytes);
  await t.step("passes every check; only WASI imports", async () => {
    const insp = await inspectPlugin(bytes, { sha256: sha, mode: "in-process" });
    assert.ok(insp.ok, JSON.stringify(insp.checks));
    assert.equal(insp.manifestSource, "custom-section");
    assert.ok(
      WebAssembly.Module.imports(new WebAssembly.Module(bytes)).every((i) =>
        i.module === "wasi_snapshot_preview1"
      ),
    );
  });
  for (const mode of ["in-process", "worker"] as const) {
    await t.step(`renders IngressRoutes and a weighted TraefikService (${mode})`, async () => {
      const [p] = await loadPlugins([`${path}=${sha}`], { mode });
      try {
        assert.equal(p.className, "traefik.ingress.networking.knative.dev");
        const objs = await p.render(INGRESS, {});
        assert.deepEqual(
          objs.map((o) => `${o.kind}/${o.metadata.name}`),
          [
            "TraefikService/hello-0-0",
            "Middleware/hello-0-0",
            "TraefikService/hello-1-0",
            "IngressRoute/hello",
            "IngressRoute/hello-local",
          ],
        );
        const ts = find(objs, "TraefikService", "hello-0-0");
        assert.deepEqual(ts.spec, {
          weighted: {
            services: [
              { name: "hello-00001", namespace: "default", port: 80, weight: 80 },
              { name: "hello-00002", namespace: "default", port: 80, weight: 20 },
            ],
          },
        });
        const route = find(objs, "IngressRoute", "hello") as {
          spec: { entryPoints: string[]; routes: Record<string, unknown>[]; tls: unknown };
        };
        assert.deepEqual(route.spec.entryPoints, ["web"]);
        assert.deepEqual(route.spec.routes, [{
          kind: "Rule",
          match: "Host(`hello.default.example.com`)",
          services: [{ name: "hello-0-0", kind: "TraefikService" }],
          middlewares: [{ name: "hello-0-0" }],
        }]);
        assert.deepEqual(route.spec.tls, { secretName: "route-hello-tls" });
        const local = find(objs, "IngressRoute", "hello-local") as {
          spec: { routes: { match: string }[] };
        };
        assert.match(local.spec.routes[0].match, /^\(Host\(`hello.default`\) \|\| /);
      } finally {
        p.close();
      }
    });
  }
  await t.step("strings survive the kit's JSON codec; unknown fields are ignored", async () => {
    const [p] = await loadPlugins([{ path, sha256: sha, mode: "in-process" }]);
    const ing = trickyIngress() as unknown as {
      spec: { rules: { http: { paths: Record<string, unknown>[] } }[] };
    };
    const path0 = ing.spec.rules[0].http.paths[0];
    path0.headers = { "K-Network-Hash": { exact: "override", other: 1 } };
    (path0.splits as Record<string, unknown>[])[1].servicePort = "http";
    try {
      const objs = await p.render(ing as unknown as KubeObject, {});
      const mw = find(objs, "Middleware", "hello-0-0");
      assert.deepEqual(mw.spec, {
        headers: { customRequestHeaders: { "X-Tricky": TRICKY_OUT } },
      });
      const ts = find(objs, "TraefikService", "hello-0-0") as {
        spec: { weighted: { services: { port: unknown }[] } };
      };
      assert.deepEqual(ts.spec.weighted.services.map((s) => s.port), [80, "http"]);
      const route = find(objs, "IngressRoute", "hello") as {
        spec: { routes: { match: string }[] };
      };
      assert.equal(
        route.spec.routes[0].match,
        "Host(`hello.default.example.com`) && Header(`K-Network-Hash`, `override`)",
      );
    } finally {
      p.close();
    }
  });
  await t.step("its config reaches the plugin", async () => {
    const [p] = await loadPlugins([{
      path,
      sha256: sha,
      mode: "in-process",
      config: { externalEntryPoints: ["websecure"] },
    }]);
    try {
      const route = find(await p.render(INGRESS, {}), "IngressRoute", "hello") as {
        spec: { entryPoints: string[] };
      };
      assert.deepEqual(route.spec.entryPoints, ["websecure"]);
    } finally {
      p.close();
    }
  });
});

Deno.test("Go kit: its JSON decoder and encoder match encoding/json (go test)", async () => {
  const out = await new Deno.Command("go", {
    args: ["test", "-count=1", "./..."],
    cwd: new URL("../../plugins/kits/go/", import.meta.url),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.ok(out.success, text);
  assert.match(text, /^ok\s+denative\.dev\/kit\/go/m);
});
