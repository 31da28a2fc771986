import assert from "node:assert/strict";
import { openTarget, readEvents } from "./target.ts";

const cm = (name: string, data: Record<string, string> = {}, labels?: Record<string, string>) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, ...(labels ? { labels } : {}) },
  data,
});

Deno.test("REST semantics: CRUD, concurrency, errors", async (t) => {
  const tg = await openTarget();
  try {
    const ns = await tg.namespace("rest");
    const base = `/api/v1/namespaces/${ns}/configmaps`;

    await t.step("create assigns uid, resourceVersion, creationTimestamp", async () => {
      const r = await tg.req("POST", base, cm("a", { k: "v" }));
      assert.equal(r.status, 201);
      assert.match(r.body.metadata.uid, /^[0-9a-f-]{36}$/);
      assert.ok(Number(r.body.metadata.resourceVersion) > 0);
      assert.match(r.body.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.equal(r.body.metadata.namespace, ns);
    });

    await t.step("AlreadyExists is a 409 Status", async () => {
      const r = await tg.req("POST", base, cm("a"));
      assert.equal(r.status, 409);
      assert.equal(r.body.kind, "Status");
      assert.equal(r.body.reason, "AlreadyExists");
      assert.equal(r.body.message, `configmaps "a" already exists`);
    });

    await t.step("generateName makes a unique name", async () => {
      const r = await tg.req("POST", base, {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { generateName: "gen-" },
      });
      assert.equal(r.status, 201);
      assert.match(r.body.metadata.name, /^gen-[a-z0-9]{5}$/);
    });

    await t.step("names: DNS subdomains, but RBAC names are path segments", async () => {
      const bad = await tg.req("POST", base, cm("Not_Valid"));
      assert.equal(bad.status, 422);
      assert.equal(bad.body.details.causes[0].field, "metadata.name");
      const name = `test:${crypto.randomUUID().slice(0, 8)}`;
      const role = await tg.req("POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles", {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: { name },
        rules: [],
      });
      assert.equal(role.status, 201, JSON.stringify(role.body));
      await tg.req(
        "DELETE",
        `/apis/rbac.authorization.k8s.io/v1/clusterroles/${encodeURIComponent(name)}`,
      );
    });

    await t.step("missing name is Invalid 422 with a cause", async () => {
      const r = await tg.req("POST", base, { apiVersion: "v1", kind: "ConfigMap", metadata: {} });
      assert.equal(r.status, 422);
      assert.equal(r.body.reason, "Invalid");
      assert.equal(r.body.details.causes[0].field, "metadata.name");
    });

    await t.step("update with a stale resourceVersion is a 409 Conflict", async () => {
      const cur = (await tg.req("GET", `${base}/a`)).body;
      const ok = await tg.req("PUT", `${base}/a`, { ...cur, data: { k: "v2" } });
      assert.equal(ok.status, 200);
      assert.ok(Number(ok.body.metadata.resourceVersion) > Number(cur.metadata.resourceVersion));
      const stale = await tg.req("PUT", `${base}/a`, { ...cur, data: { k: "v3" } });
      assert.equal(stale.status, 409);
      assert.equal(stale.body.reason, "Conflict");
      assert.match(stale.body.message, /the object has been modified/);
    });

    await t.step("resourceVersion is monotonic across kinds", async () => {
      const a = await tg.req("POST", base, cm("mono1"));
      const s = await tg.req("POST", `/api/v1/namespaces/${ns}/secrets`, {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "mono2" },
      });
      const b = await tg.req("POST", base, cm("mono3"));
      const rvs = [a, s, b].map((r) => Number(r.body.metadata.resourceVersion));
      assert.ok(rvs[0] < rvs[1] && rvs[1] < rvs[2]);
    });

    await t.step("the namespace must exist", async () => {
      const r = await tg.req("POST", `/api/v1/namespaces/nope-${Date.now()}/configmaps`, cm("x"));
      assert.equal(r.status, 404);
      assert.equal(r.body.reason, "NotFound");
      assert.match(r.body.message, /namespaces "nope-\d+" not found/);
    });

    await t.step("get of a missing object is NotFound 404", async () => {
      const r = await tg.req("GET", `${base}/missing`);
      assert.equal(r.status, 404);
      assert.equal(r.body.kind, "Status");
      assert.equal(r.body.message, `configmaps "missing" not found`);
    });

    await t.step("malformed JSON is a 400 Status", async () => {
      const r = await tg.req("POST", base, undefined, { raw: "{not json" });
      assert.equal(r.status, 400);
      assert.equal(r.body.kind, "Status");
      assert.equal(r.body.reason, "BadRequest");
    });

    await t.step("YAML bodies are accepted", async () => {
      const r = await tg.req("POST", base, undefined, {
        raw: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fromyaml\ndata:\n  x: z\n",
        contentType: "application/yaml",
      });
      assert.equal(r.status, 201);
      assert.equal(r.body.data.x, "z");
    });

    await t.step("a body over the cap is 413", async () => {
      const big = JSON.stringify(cm("big", { x: "a".repeat(4 * 1024 * 1024) }));
      const r = await tg.req("POST", base, undefined, { raw: big });
      assert.equal(r.status, 413);
    });

    await t.step("unknown resources are a 404 Status", async () => {
      const r = await tg.req("GET", `/apis/nope.example.com/v1/things`);
      assert.equal(r.status, 404);
      // kube-apiserver answers an unknown group with a plain-text 404; ours is a Status
      if (!tg.real) assert.equal(r.body.kind, "Status");
      const known = await tg.req("GET", `/api/v1/nopes`);
      assert.equal(known.status, 404);
    });

    await t.step("a malformed path escape is a 4xx Status, not a crash", async () => {
      // kube-apiserver's Go HTTP server drops such requests at the protocol level
      if (tg.real) return;
      const r = await tg.req("GET", `${base}/%E0%A4%A`);
      assert.ok(r.status >= 400 && r.status < 500, String(r.status));
    });

    await t.step("PUT on a collection is 405", async () => {
      const r = await tg.req("PUT", base, cm("z"));
      assert.equal(r.status, 405);
      assert.equal(r.body.reason, "MethodNotAllowed");
    });

    await t.step("dryRun=All validates without storing", async () => {
      const r = await tg.req("POST", `${base}?dryRun=All`, cm("dry"));
      assert.equal(r.status, 201);
      assert.equal((await tg.req("GET", `${base}/dry`)).status, 404);
      const d = await tg.req("DELETE", `${base}/a?dryRun=All`);
      assert.equal(d.status, 200);
      assert.equal((await tg.req("GET", `${base}/a`)).status, 200);
    });

    await t.step("delete removes the object", async () => {
      const r = await tg.req("DELETE", `${base}/fromyaml`);
      assert.equal(r.status, 200);
      assert.equal((await tg.req("GET", `${base}/fromyaml`)).status, 404);
      assert.equal((await tg.req("DELETE", `${base}/fromyaml`)).status, 404);
    });
  } finally {
    await tg.close();
  }
});

Deno.test("REST semantics: selectors, paging, deletecollection", async (t) => {
  const tg = await openTarget();
  try {
    const ns = await tg.namespace("sel");
    const base = `/api/v1/namespaces/${ns}/configmaps`;
    await tg.req("POST", base, cm("one", {}, { env: "prod", tier: "fe" }));
    await tg.req("POST", base, cm("two", {}, { env: "dev", tier: "be" }));
    await tg.req("POST", base, cm("three", {}, { env: "qa" }));
    await tg.req("POST", base, cm("four"));
    const names = async (q: string) =>
      (await tg.req("GET", `${base}?${q}`)).body.items.map((i: { metadata: { name: string } }) =>
        i.metadata.name
      )
        .filter((n: string) => n !== "kube-root-ca.crt").sort();
    await t.step("label selector operators", async () => {
      assert.deepEqual(await names("labelSelector=env%3Dprod"), ["one"]);
      assert.deepEqual(await names("labelSelector=env%3D%3Ddev"), ["two"]);
      assert.deepEqual(await names("labelSelector=env!%3Dprod"), ["four", "three", "two"]);
      assert.deepEqual(await names("labelSelector=" + encodeURIComponent("env in (prod,qa)")), [
        "one",
        "three",
      ]);
      assert.deepEqual(await names("labelSelector=" + encodeURIComponent("env notin (prod,qa)")), [
        "four",
        "two",
      ]);
      assert.deepEqual(await names("labelSelector=tier"), ["one", "two"]);
      assert.deepEqual(await names("labelSelector=!tier"), ["four", "three"]);
      assert.deepEqual(await names("labelSelector=" + encodeURIComponent("env,tier=fe")), ["one"]);
    });
    await t.step("a malformed label selector is 400", async () => {
      const r = await tg.req("GET", `${base}?labelSelector=${encodeURIComponent("a in (")}`);
      assert.equal(r.status, 400);
    });
    await t.step("field selectors", async () => {
      assert.deepEqual(await names("fieldSelector=metadata.name%3Dtwo"), ["two"]);
      assert.deepEqual(
        await names(`fieldSelector=metadata.namespace%3D${ns},metadata.name!%3Dtwo`),
        ["four", "one", "three"],
      );
      const all = await tg.req(
        "GET",
        `/api/v1/configmaps?fieldSelector=metadata.namespace%3D${ns}`,
      );
      assert.ok(
        all.body.items.every((i: { metadata: { namespace: string } }) =>
          i.metadata.namespace === ns
        ),
      );
    });
    await t.step("limit and continue page through a consistent list", async () => {
      const p1 = await tg.req("GET", `${base}?limit=2&labelSelector=env`);
      assert.equal(p1.body.items.length, 2);
      assert.ok(p1.body.metadata.continue);
      const p2 = await tg.req(
        "GET",
        `${base}?limit=2&labelSelector=env&continue=${
          encodeURIComponent(p1.body.metadata.continue)
        }`,
      );
      assert.equal(p2.body.items.length, 1);
      assert.ok(!p2.body.metadata.continue);
      const seen = [...p1.body.items, ...p2.body.items].map((i: { metadata: { name: string } }) =>
        i.metadata.name
      ).sort();
      assert.deepEqual(seen, ["one", "three", "two"]);
    });
    await t.step("deletecollection honours the selector", async () => {
      const r = await tg.req("DELETE", `${base}?labelSelector=env`);
      assert.equal(r.status, 200);
      assert.deepEqual(await names(""), ["four"]);
    });
  } finally {
    await tg.close();
  }
});

Deno.test("watch: events, resume, bookmarks, timeout, selectors", async (t) => {
  const tg = await openTarget({ bookmarkIntervalMs: 100 });
  try {
    const ns = await tg.namespace("watch");
    const base = `/api/v1/namespaces/${ns}/configmaps`;
    const created = await tg.req("POST", base, cm("w0"));
    const rv0 = created.body.metadata.resourceVersion;
    await t.step("resume from a resourceVersion replays later events in order", async () => {
      const c1 = await tg.req("POST", base, cm("w1", {}, { a: "1" }));
      await tg.req("PUT", `${base}/w1`, { ...c1.body, data: { x: "1" } });
      await tg.req("DELETE", `${base}/w1`);
      // Scoped to w1: on a real cluster kube-controller-manager adds `kube-root-ca.crt` to every
      // new namespace, and that ConfigMap may land after w0.
      const res = await tg.fetch(
        `${base}?watch=true&resourceVersion=${rv0}&fieldSelector=metadata.name%3Dw1`,
      );
      assert.equal(res.status, 200);
      const evs = await readEvents(res, 3);
      assert.deepEqual(evs.map((e) => e.type), ["ADDED", "MODIFIED", "DELETED"]);
      assert.ok(evs.every((e) => e.object.metadata.name === "w1"));
      const rvs = evs.map((e) => Number(e.object.metadata.resourceVersion));
      assert.ok(rvs[0] < rvs[1] && rvs[1] < rvs[2]);
    });
    await t.step("a watch without resourceVersion starts with the current state", async () => {
      const res = await tg.fetch(`${base}?watch=1&fieldSelector=metadata.name%3Dw0`);
      const evs = await readEvents(res, 1);
      assert.equal(evs[0].type, "ADDED");
      assert.equal(evs[0].object.metadata.name, "w0");
    });
    await t.step("live events and label-selector transitions", async () => {
      const rv = (await tg.req("GET", base)).body.metadata.resourceVersion;
      const res = await tg.fetch(
        `${base}?watch=true&resourceVersion=${rv}&labelSelector=sel%3Dyes`,
      );
      const p = readEvents(res, 2);
      const c = await tg.req("POST", base, cm("live", {}, { sel: "yes" }));
      await tg.req("PUT", `${base}/live`, {
        ...c.body,
        metadata: { ...c.body.metadata, labels: { sel: "no" } },
      });
      const evs = await p;
      assert.deepEqual(evs.map((e) => e.type), ["ADDED", "DELETED"]);
    });
    await t.step("bookmarks carry the current resourceVersion", async () => {
      const rv = (await tg.req("GET", base)).body.metadata.resourceVersion;
      const res = await tg.fetch(
        `${base}?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true`,
      );
      const evs = await readEvents(res, 1, tg.real ? 90_000 : 3000);
      assert.equal(evs[0].type, "BOOKMARK");
      assert.ok(Number(evs[0].object.metadata.resourceVersion) >= Number(rv));
    });
    await t.step("sendInitialEvents ends the initial state with a marked bookmark", async () => {
      const res = await tg.fetch(
        `${base}?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&fieldSelector=metadata.name%3Dw0`,
      );
      const evs = await readEvents(res, 2);
      assert.equal(evs[0].type, "ADDED");
      assert.equal(evs[1].type, "BOOKMARK");
      assert.equal(evs[1].object.metadata.annotations["k8s.io/initial-events-end"], "true");
    });
    await t.step("timeoutSeconds ends the stream", async () => {
      const rv = (await tg.req("GET", base)).body.metadata.resourceVersion;
      const t0 = Date.now();
      const res = await tg.fetch(`${base}?watch=true&resourceVersion=${rv}&timeoutSeconds=1`);
      const evs = await readEvents(res, 1, 5000);
      assert.equal(evs.length, 0);
      const dt = Date.now() - t0;
      assert.ok(dt >= 900 && dt < 8000, `took ${dt}ms`);
    });
  } finally {
    await tg.close();
  }
});

Deno.test({
  name: "watch: 410 Expired once the version leaves the window; watch cap 429",
  ignore: !!Deno.env.get("DENATIVE_TEST_KUBECONFIG"),
  fn: async (t) => {
    const tg = await openTarget({ watchWindow: 5, maxWatches: 1 });
    try {
      const base = `/api/v1/namespaces/default/configmaps`;
      const first = await tg.req("POST", base, cm("old"));
      for (let i = 0; i < 10; i++) await tg.req("POST", base, cm(`n${i}`));
      await t.step("an old resourceVersion yields an ERROR event with 410", async () => {
        const res = await tg.fetch(
          `${base}?watch=true&resourceVersion=${first.body.metadata.resourceVersion}`,
        );
        const evs = await readEvents(res, 1);
        assert.equal(evs[0].type, "ERROR");
        assert.equal(evs[0].object.code, 410);
        assert.equal(evs[0].object.reason, "Expired");
        assert.match(evs[0].object.message, /too old resource version/);
      });
      await t.step(
        "a resourceVersion from the future (a restarted in-memory server) is 410 too",
        async () => {
          const res = await tg.fetch(`${base}?watch=true&resourceVersion=999999999`);
          const evs = await readEvents(res, 1);
          assert.equal(evs[0].type, "ERROR");
          assert.equal(evs[0].object.code, 410);
          assert.match(evs[0].object.message, /too large resource version/);
        },
      );
      await t.step("a recent resourceVersion still resumes", async () => {
        const rv = (await tg.req("GET", base)).body.metadata.resourceVersion;
        await tg.req("POST", base, cm("fresh"));
        const res = await tg.fetch(`${base}?watch=true&resourceVersion=${rv}`);
        const evs = await readEvents(res, 1);
        assert.equal(evs[0].type, "ADDED");
        assert.equal(evs[0].object.metadata.name, "fresh");
      });
      await t.step("watches beyond the cap get 429", async () => {
        const capped = await openTarget({ maxWatches: 1 });
        try {
          const held = await capped.fetch(`${base}?watch=true`);
          assert.equal(held.status, 200);
          const second = await capped.req("GET", `${base}?watch=true`);
          assert.equal(second.status, 429);
          assert.equal(second.body.reason, "TooManyRequests");
          await held.body!.cancel();
        } finally {
          await capped.close();
        }
      });
    } finally {
      await tg.close();
    }
  },
});

Deno.test("Table output for built-in kinds", async (t) => {
  const tg = await openTarget({ simulateWorkloads: false });
  try {
    const ns = await tg.namespace("table");
    const accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
    await t.step("config maps list Name, Data, Age", async () => {
      await tg.req("POST", `/api/v1/namespaces/${ns}/configmaps`, cm("t1", { a: "1", b: "2" }));
      const r = await tg.req("GET", `/api/v1/namespaces/${ns}/configmaps`, undefined, { accept });
      assert.equal(r.body.kind, "Table");
      assert.deepEqual(r.body.columnDefinitions.map((c: { name: string }) => c.name), [
        "Name",
        "Data",
        "Age",
      ]);
      const row = r.body.rows.find((x: { cells: unknown[] }) => x.cells[0] === "t1");
      assert.equal(row.cells[1], 2);
      assert.equal(row.object.metadata.name, "t1");
    });
    await t.step("deployments list Ready, Up-to-date, Available", async () => {
      await tg.req("POST", `/apis/apps/v1/namespaces/${ns}/deployments`, {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "d" },
        spec: {
          replicas: 3,
          selector: { matchLabels: { a: "b" } },
          template: {
            metadata: { labels: { a: "b" } },
            spec: { containers: [{ name: "c", image: "x" }] },
          },
        },
      });
      const r = await tg.req("GET", `/apis/apps/v1/namespaces/${ns}/deployments/d`, undefined, {
        accept,
      });
      assert.deepEqual(r.body.columnDefinitions.slice(0, 4).map((c: { name: string }) => c.name), [
        "Name",
        "Ready",
        "Up-to-date",
        "Available",
      ]);
      assert.equal(r.body.rows[0].cells[1], "0/3");
    });
    await t.step(
      "deployments have a scale subresource; a stale scale write conflicts",
      async () => {
        const s = await tg.req("GET", `/apis/apps/v1/namespaces/${ns}/deployments/d/scale`);
        assert.equal(s.body.kind, "Scale");
        assert.equal(s.body.spec.replicas, 3);
        // unconditional (no resourceVersion): a controller may have written status meanwhile
        const p = await tg.req("PUT", `/apis/apps/v1/namespaces/${ns}/deployments/d/scale`, {
          ...s.body,
          metadata: { name: "d", namespace: ns },
          spec: { replicas: 1 },
        });
        assert.equal(p.status, 200);
        assert.equal(
          (await tg.req("GET", `/apis/apps/v1/namespaces/${ns}/deployments/d`)).body.spec.replicas,
          1,
        );
      },
    );
  } finally {
    await tg.close();
  }
});

Deno.test("discovery and OpenAPI", async (t) => {
  const tg = await openTarget();
  try {
    await t.step("/version", async () => {
      const r = await tg.req("GET", "/version");
      assert.equal(r.status, 200);
      assert.equal(r.body.major, "1");
    });
    await t.step("/api and /api/v1", async () => {
      assert.deepEqual((await tg.req("GET", "/api")).body.versions, ["v1"]);
      const r = (await tg.req("GET", "/api/v1")).body;
      const cmRes = r.resources.find((x: { name: string }) => x.name === "configmaps");
      assert.equal(cmRes.kind, "ConfigMap");
      assert.equal(cmRes.namespaced, true);
      assert.deepEqual(cmRes.shortNames, ["cm"]);
      assert.ok(cmRes.verbs.includes("watch"));
      assert.ok(r.resources.some((x: { name: string }) => x.name === "pods/status"));
    });
    await t.step("/apis and /apis/apps/v1 with subresources", async () => {
      const g = (await tg.req("GET", "/apis")).body;
      assert.ok(g.groups.some((x: { name: string }) => x.name === "apps"));
      const r = (await tg.req("GET", "/apis/apps/v1")).body;
      const dep = r.resources.find((x: { name: string }) => x.name === "deployments");
      assert.deepEqual(dep.shortNames, ["deploy"]);
      assert.ok(dep.categories.includes("all"));
      const scale = r.resources.find((x: { name: string }) => x.name === "deployments/scale");
      assert.equal(scale.kind, "Scale");
    });
    await t.step("aggregated discovery when asked for it", async () => {
      const accept =
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";
      const r = await tg.req("GET", "/apis", undefined, { accept });
      assert.match(r.headers.get("content-type") ?? "", /as=APIGroupDiscoveryList/);
      assert.equal(r.body.kind, "APIGroupDiscoveryList");
      const apps = r.body.items.find((i: { metadata: { name: string } }) =>
        i.metadata.name === "apps"
      );
      const dep = apps.versions[0].resources.find((x: { resource: string }) =>
        x.resource === "deployments"
      );
      assert.equal(dep.scope, "Namespaced");
      assert.equal(dep.responseKind.kind, "Deployment");
      assert.ok(dep.subresources.some((s: { subresource: string }) => s.subresource === "scale"));
      const core = await tg.req("GET", "/api", undefined, { accept });
      const v1 = core.body.items[0].versions[0];
      assert.equal(v1.version, "v1");
      assert.ok(v1.resources.some((x: { resource: string }) => x.resource === "configmaps"));
    });
    await t.step("/openapi/v3 lists group versions with GVK-tagged PATCH operations", async () => {
      const idx = (await tg.req("GET", "/openapi/v3")).body;
      assert.ok(idx.paths["apis/apps/v1"].serverRelativeURL.startsWith("/openapi/v3/apis/apps/v1"));
      const doc = (await tg.req("GET", idx.paths["apis/apps/v1"].serverRelativeURL)).body;
      const p = doc.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"].patch;
      assert.equal(p["x-kubernetes-group-version-kind"].kind, "Deployment");
      assert.ok(p.parameters.some((x: { name: string }) => x.name === "fieldValidation"));
    });
  } finally {
    await tg.close();
  }
});
