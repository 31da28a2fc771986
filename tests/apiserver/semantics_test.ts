import assert from "node:assert/strict";
import type { AdmissionHook, AdmissionRequest } from "../../runtime/mod.ts";
import { startApiServer } from "../../apiserver/mod.ts";
import { eventually, openTarget } from "./target.ts";
import { widgetCrd } from "./fixtures.ts";

const local = !Deno.env.get("DENATIVE_TEST_KUBECONFIG");

const deployment = (name: string, image = "nginx:1", extra: Record<string, unknown> = {}) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        containers: [{
          name: "main",
          image,
          env: [{ name: "A", value: "1" }],
          ports: [{ containerPort: 8080, name: "http" }],
        }],
      },
    },
    ...extra,
  },
});

Deno.test("PATCH: merge, json, strategic, server-side apply", async (t) => {
  const tg = await openTarget({ simulateWorkloads: false });
  try {
    const ns = await tg.namespace("patch");
    const base = `/apis/apps/v1/namespaces/${ns}/deployments`;
    assert.equal((await tg.req("POST", base, deployment("d"))).status, 201);
    const patch = (body: unknown, type: string, q = "") =>
      tg.req("PATCH", `${base}/d${q}`, body, { contentType: `application/${type}` });

    await t.step("JSON merge patch replaces lists and deletes with null", async () => {
      const r = await patch(
        { metadata: { labels: { x: "1" } }, spec: { replicas: 2 } },
        "merge-patch+json",
      );
      assert.equal(r.status, 200);
      assert.equal(r.body.spec.replicas, 2);
      const r2 = await patch({ metadata: { labels: { x: null } } }, "merge-patch+json");
      assert.equal(r2.body.metadata.labels?.x, undefined);
    });

    await t.step("JSON patch ops and a failing test op", async () => {
      const r = await patch([{ op: "replace", path: "/spec/replicas", value: 3 }, {
        op: "add",
        path: "/metadata/annotations",
        value: { a: "b" },
      }], "json-patch+json");
      assert.equal(r.status, 200);
      assert.equal(r.body.spec.replicas, 3);
      assert.equal(r.body.metadata.annotations.a, "b");
      const bad = await patch(
        [{ op: "test", path: "/spec/replicas", value: 99 }],
        "json-patch+json",
      );
      assert.equal(bad.status, 422);
    });

    await t.step("strategic merge merges containers and env by name", async () => {
      const r = await patch({
        spec: {
          template: {
            spec: {
              containers: [{ name: "main", env: [{ name: "B", value: "2" }] }, {
                name: "side",
                image: "busybox",
              }],
            },
          },
        },
      }, "strategic-merge-patch+json");
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const cs = r.body.spec.template.spec.containers;
      assert.deepEqual(cs.map((c: { name: string }) => c.name), ["main", "side"]);
      assert.equal(cs[0].image, "nginx:1");
      // like kube: patch items first, server-only items after
      assert.deepEqual(cs[0].env.map((e: { name: string }) => e.name), ["B", "A"]);
      const ordered = await patch({
        spec: {
          template: {
            spec: {
              "$setElementOrder/containers": [{ name: "side" }, { name: "main" }],
              containers: [{ name: "side", image: "busybox:2" }],
            },
          },
        },
      }, "strategic-merge-patch+json");
      assert.deepEqual(
        ordered.body.spec.template.spec.containers.map((c: { name: string }) => c.name),
        ["side", "main"],
      );
      const del = await patch({
        spec: { template: { spec: { containers: [{ name: "side", $patch: "delete" }] } } },
      }, "strategic-merge-patch+json");
      assert.deepEqual(
        del.body.spec.template.spec.containers.map((c: { name: string }) => c.name),
        ["main"],
      );
    });

    await t.step("spec changes bump generation on built-ins with status", async () => {
      const before = (await tg.req("GET", `${base}/d`)).body.metadata.generation;
      const r = await patch({ spec: { replicas: 5 } }, "merge-patch+json");
      assert.equal(r.body.metadata.generation, before + 1);
      const l = await patch({ metadata: { labels: { y: "1" } } }, "merge-patch+json");
      assert.equal(l.body.metadata.generation, before + 1);
    });

    await t.step("an unknown patch content type is 415", async () => {
      const r = await patch({}, "x-nope");
      assert.equal(r.status, 415);
    });

    await t.step("server-side apply: ownership, conflicts with causes, force", async () => {
      const cmBase = `/api/v1/namespaces/${ns}/configmaps`;
      const apply = (mgr: string, data: Record<string, string>, force = false) =>
        tg.req(
          "PATCH",
          `${cmBase}/ssa?fieldManager=${mgr}${force ? "&force=true" : ""}`,
          { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ssa" }, data },
          { contentType: "application/apply-patch+yaml" },
        );
      const c = await apply("alice", { a: "1", b: "2" });
      assert.equal(c.status, 201, JSON.stringify(c.body));
      const mf = c.body.metadata.managedFields.find((m: { manager: string }) =>
        m.manager === "alice"
      );
      assert.equal(mf.operation, "Apply");
      assert.deepEqual(Object.keys(mf.fieldsV1["f:data"]).sort(), ["f:a", "f:b"]);
      const conflict = await apply("bob", { a: "9" });
      assert.equal(conflict.status, 409);
      assert.equal(conflict.body.reason, "Conflict");
      assert.equal(conflict.body.details.causes[0].field, ".data.a");
      assert.match(conflict.body.details.causes[0].message, /alice/);
      const same = await apply("bob", { b: "2" });
      assert.equal(same.status, 200, "co-owning with the same value is not a conflict");
      const forced = await apply("bob", { a: "9", b: "2" }, true);
      assert.equal(forced.status, 200);
      assert.equal(forced.body.data.a, "9");
      const again = await apply("alice", { c: "3" });
      assert.equal(again.status, 200);
      assert.deepEqual(
        again.body.data,
        { a: "9", b: "2", c: "3" },
        "alice's dropped field a is owned by bob now; b co-owned",
      );
      const noMgr = await tg.req("PATCH", `${cmBase}/ssa`, {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "ssa" },
      }, {
        contentType: "application/apply-patch+yaml",
      });
      assert.equal(noMgr.status, 422);
    });

    await t.step("server-side apply removes fields the manager stops applying", async () => {
      const cmBase = `/api/v1/namespaces/${ns}/configmaps`;
      const apply = (data: Record<string, string>) =>
        tg.req("PATCH", `${cmBase}/ssa2?fieldManager=carol`, {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "ssa2" },
          data,
        }, {
          contentType: "application/apply-patch+yaml",
        });
      await apply({ a: "1", b: "2" });
      const r = await apply({ a: "1" });
      assert.deepEqual(r.body.data, { a: "1" });
    });
  } finally {
    await tg.close();
  }
});

Deno.test("finalizers and garbage collection", async (t) => {
  const tg = await openTarget({ simulateWorkloads: false });
  try {
    const ns = await tg.namespace("gc");
    const cms = `/api/v1/namespaces/${ns}/configmaps`;
    const mk = async (
      name: string,
      owner?: { name: string; uid: string },
      block = false,
      finalizers?: string[],
    ) => {
      const r = await tg.req("POST", cms, {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name,
          ...(finalizers ? { finalizers } : {}),
          ...(owner
            ? {
              ownerReferences: [{
                apiVersion: "v1",
                kind: "ConfigMap",
                name: owner.name,
                uid: owner.uid,
                blockOwnerDeletion: block,
              }],
            }
            : {}),
        },
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.metadata as { name: string; uid: string };
    };
    const exists = async (name: string) => (await tg.req("GET", `${cms}/${name}`)).status === 200;

    await t.step("a finalizer holds deletion until it is removed", async () => {
      await mk("fin", undefined, false, ["example.com/hold"]);
      const d = await tg.req("DELETE", `${cms}/fin`);
      assert.equal(d.status, 200);
      const cur = (await tg.req("GET", `${cms}/fin`)).body;
      assert.ok(cur.metadata.deletionTimestamp);
      const added = await tg.req("PUT", `${cms}/fin`, {
        ...cur,
        metadata: { ...cur.metadata, finalizers: ["example.com/hold", "x/y"] },
      });
      assert.equal(added.status, 422, "no new finalizers while deleting");
      const r = await tg.req("PATCH", `${cms}/fin`, { metadata: { finalizers: null } }, {
        contentType: "application/merge-patch+json",
      });
      assert.equal(r.status, 200);
      await eventually(async () => !(await exists("fin")));
    });

    await t.step("Background deletes dependents after the owner", async () => {
      const owner = await mk("bg-owner");
      await mk("bg-child", owner);
      await tg.req("DELETE", `${cms}/bg-owner`, { propagationPolicy: "Background" });
      assert.equal(await exists("bg-owner"), false);
      await eventually(async () => !(await exists("bg-child")));
    });

    await t.step("Orphan keeps dependents and strips the owner reference", async () => {
      const owner = await mk("or-owner");
      await mk("or-child", owner);
      await tg.req("DELETE", `${cms}/or-owner`, { propagationPolicy: "Orphan" });
      await eventually(async () => !(await exists("or-owner")));
      const child = (await tg.req("GET", `${cms}/or-child`)).body;
      assert.equal(child.metadata.ownerReferences, undefined);
    });

    await t.step(
      "Foreground keeps the owner with foregroundDeletion until blocking dependents are gone",
      async () => {
        const owner = await mk("fg-owner");
        await mk("fg-child", owner, true, ["example.com/slow"]);
        const d = await tg.req("DELETE", `${cms}/fg-owner`, { propagationPolicy: "Foreground" });
        assert.equal(d.status, 200);
        assert.ok(d.body.metadata.deletionTimestamp);
        assert.ok(d.body.metadata.finalizers.includes("foregroundDeletion"));
        await eventually(async () =>
          (await tg.req("GET", `${cms}/fg-child`)).body.metadata?.deletionTimestamp
        );
        await new Promise((r) => setTimeout(r, 100));
        assert.equal(await exists("fg-owner"), true, "owner waits for the blocking dependent");
        await tg.req("PATCH", `${cms}/fg-child`, { metadata: { finalizers: null } }, {
          contentType: "application/merge-patch+json",
        });
        await eventually(async () => !(await exists("fg-owner")));
      },
    );

    await t.step(
      "a terminating namespace refuses new content and waits for finalizers",
      async () => {
        const other = await tg.namespace("term");
        const base = `/api/v1/namespaces/${other}/configmaps`;
        await tg.req("POST", base, {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "held", finalizers: ["example.com/hold"] },
        });
        const d = await tg.req("DELETE", `/api/v1/namespaces/${other}`);
        assert.equal(d.status, 200);
        await eventually(
          async () => (await tg.req("GET", `${base}/held`)).body.metadata?.deletionTimestamp,
          30_000,
        );
        const ns = (await tg.req("GET", `/api/v1/namespaces/${other}`)).body;
        assert.equal(ns.status.phase, "Terminating");
        const refused = await tg.req("POST", base, {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "late" },
        });
        assert.equal(refused.status, 403);
        assert.equal(refused.body.reason, "Forbidden");
        await tg.req("PATCH", `${base}/held`, { metadata: { finalizers: null } }, {
          contentType: "application/merge-patch+json",
        });
        await eventually(
          async () => (await tg.req("GET", `/api/v1/namespaces/${other}`)).status === 404,
          60_000,
        );
      },
    );

    await t.step("a stale uid precondition is a Conflict", async () => {
      await mk("pre");
      const r = await tg.req("DELETE", `${cms}/pre`, {
        preconditions: { uid: "00000000-0000-0000-0000-000000000000" },
      });
      assert.equal(r.status, 409);
    });
  } finally {
    await tg.close();
  }
});

Deno.test({
  name: "local control plane: auth, kubeconfig, admission, persistence",
  ignore: !local,
  fn: async (t) => {
    await t.step("requests without the token get 401 Status", async () => {
      const s = await startApiServer({ port: 0, simulateWorkloads: false });
      const client = Deno.createHttpClient({ caCerts: [s.caCert!] });
      try {
        const r = await fetch(`${s.url}/api/v1/namespaces`, { client });
        assert.equal(r.status, 401);
        const body = await r.json();
        assert.equal(body.kind, "Status");
        assert.equal(body.reason, "Unauthorized");
        const bad = await fetch(`${s.url}/api/v1/namespaces`, {
          client,
          headers: { authorization: "Bearer nope" },
        });
        assert.equal(bad.status, 401);
        await bad.body?.cancel();
        const ok = await fetch(`${s.url}/api/v1/namespaces`, {
          client,
          headers: { authorization: `Bearer ${s.token}` },
        });
        assert.equal(ok.status, 200);
        const names = (await ok.json()).items.map((n: { metadata: { name: string } }) =>
          n.metadata.name
        );
        for (const n of ["default", "kube-system", "kube-public", "knative-serving"]) {
          assert.ok(names.includes(n));
        }
        assert.match(s.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      } finally {
        client.close();
        await s.close();
      }
    });

    await t.step('token "" (in-memory render) serves plain HTTP without auth', async () => {
      const s = await startApiServer({ port: 0, token: "", simulateWorkloads: false });
      try {
        assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+$/);
        assert.equal(s.caCert, undefined);
        const r = await fetch(`${s.url}/api/v1/namespaces/default`);
        assert.equal(r.status, 200);
        assert.equal((await r.json()).metadata.name, "default");
      } finally {
        await s.close();
      }
    });

    await t.step("crds given at start are served at once", async () => {
      const tg = await openTarget({
        crds: [widgetCrd("start.example.com")],
        simulateWorkloads: false,
      });
      try {
        const r = await tg.req("POST", "/apis/start.example.com/v1/namespaces/default/widgets", {
          apiVersion: "start.example.com/v1",
          kind: "Widget",
          metadata: { name: "w" },
          spec: { size: 1 },
        });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        assert.equal(r.body.spec.color, "blue");
      } finally {
        await tg.close();
      }
    });

    await t.step("writeKubeconfig writes server, CA and token with mode 0600", async () => {
      const s = await startApiServer({ port: 0, simulateWorkloads: false });
      const dir = await Deno.makeTempDir();
      try {
        await s.writeKubeconfig(`${dir}/kc/config`);
        const st = await Deno.stat(`${dir}/kc/config`);
        assert.equal(st.mode! & 0o777, 0o600);
        const text = await Deno.readTextFile(`${dir}/kc/config`);
        assert.ok(text.includes(`server: ${s.url}`));
        assert.ok(text.includes(s.token));
        assert.ok(text.includes("certificate-authority-data:"));
      } finally {
        await s.close();
        await Deno.remove(dir, { recursive: true });
      }
    });

    await t.step(
      "admission hooks mutate then validate, with userInfo, also on dryRun",
      async () => {
        const seen: AdmissionRequest[] = [];
        const hook: AdmissionHook = {
          name: "test.hook",
          group: "",
          kinds: ["ConfigMap"],
          mutate(req) {
            seen.push(req);
            const o = structuredClone(req.object!);
            o.metadata.labels = { ...(o.metadata.labels ?? {}), mutated: "yes" };
            return o;
          },
          validate(req) {
            const data = req.object?.data as Record<string, string> | undefined;
            if (data?.bad) {
              return {
                message: "bad is not allowed",
                causes: [{ field: "data.bad", message: "not allowed" }],
              };
            }
            return undefined;
          },
        };
        const tg = await openTarget({ admission: [hook], simulateWorkloads: false });
        try {
          const base = "/api/v1/namespaces/default/configmaps";
          const ok = await tg.req("POST", base, {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "adm" },
          });
          assert.equal(ok.body.metadata.labels.mutated, "yes");
          assert.equal(seen[0].operation, "CREATE");
          assert.equal(seen[0].userInfo.username, "denative-admin");
          const denied = await tg.req("POST", `${base}?dryRun=All`, {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "adm2" },
            data: { bad: "1" },
          });
          assert.equal(denied.status, 400);
          assert.match(
            denied.body.message,
            /admission webhook "test.hook" denied the request: bad is not allowed/,
          );
          assert.equal(denied.body.details.causes[0].field, "data.bad");
          assert.equal(seen[seen.length - 1].dryRun, true);
          const upd = await tg.req("PATCH", `${base}/adm`, { data: { x: "1" } }, {
            contentType: "application/merge-patch+json",
          });
          assert.equal(upd.status, 200);
          assert.equal(seen[seen.length - 1].operation, "UPDATE");
          assert.ok(seen[seen.length - 1].oldObject);
        } finally {
          await tg.close();
        }
      },
    );

    await t.step(
      "dataDir: acknowledged writes survive a restart; the log is compacted",
      async () => {
        const dir = await Deno.makeTempDir();
        try {
          const s1 = await openTarget({ dataDir: dir, simulateWorkloads: false });
          const c = await s1.req("POST", "/api/v1/namespaces/default/configmaps", {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "kept" },
            data: { a: "1" },
          });
          await s1.req("POST", "/api/v1/namespaces/default/configmaps", {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "gone" },
          });
          await s1.req("DELETE", "/api/v1/namespaces/default/configmaps/gone");
          await s1.close();
          const s2 = await openTarget({ dataDir: dir, simulateWorkloads: false });
          try {
            const g = await s2.req("GET", "/api/v1/namespaces/default/configmaps/kept");
            assert.equal(g.status, 200);
            assert.equal(g.body.metadata.uid, c.body.metadata.uid);
            assert.equal(
              (await s2.req("GET", "/api/v1/namespaces/default/configmaps/gone")).status,
              404,
            );
            const n = await s2.req("POST", "/api/v1/namespaces/default/configmaps", {
              apiVersion: "v1",
              kind: "ConfigMap",
              metadata: { name: "new" },
            });
            assert.ok(
              Number(n.body.metadata.resourceVersion) > Number(c.body.metadata.resourceVersion),
            );
            const lines = (await Deno.readTextFile(`${dir}/store.log`)).trim().split("\n");
            assert.ok(
              !lines.some((l) => l.includes('"gone"')),
              "compacted log has no deleted objects",
            );
          } finally {
            await s2.close();
          }
        } finally {
          await Deno.remove(dir, { recursive: true });
        }
      },
    );
  },
});

Deno.test({
  name: "workload simulation",
  ignore: !local,
  fn: async (t) => {
    const tg = await openTarget();
    try {
      const ns = await tg.namespace("sim");
      const base = `/apis/apps/v1/namespaces/${ns}/deployments`;
      await t.step(
        "a Deployment becomes available with ReplicaSet and Pods on loopback IPs",
        async () => {
          await tg.req("POST", base, deployment("web", "nginx:1", { replicas: 2 }));
          const d = await eventually(async () => {
            const r = (await tg.req("GET", `${base}/web`)).body;
            return r.status?.availableReplicas === 2 ? r : undefined;
          });
          assert.equal(d.status.readyReplicas, 2);
          assert.equal(d.status.updatedReplicas, 2);
          assert.equal(d.status.observedGeneration, d.metadata.generation);
          const prog = d.status.conditions.find((c: { type: string }) => c.type === "Progressing");
          assert.equal(prog.reason, "NewReplicaSetAvailable");
          assert.equal(
            d.status.conditions.find((c: { type: string }) => c.type === "Available").status,
            "True",
          );
          const pods =
            (await tg.req("GET", `/api/v1/namespaces/${ns}/pods?labelSelector=app%3Dweb`)).body
              .items;
          assert.equal(pods.length, 2);
          for (const p of pods) assert.match(p.status.podIP, /^127\./);
        },
      );
      await t.step(
        "Endpoints follow Services with selectors; manual Endpoints are kept",
        async () => {
          await tg.req("POST", `/api/v1/namespaces/${ns}/services`, {
            apiVersion: "v1",
            kind: "Service",
            metadata: { name: "web" },
            spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: "http" }] },
          });
          const ep = await eventually(async () => {
            const r = (await tg.req("GET", `/api/v1/namespaces/${ns}/endpoints/web`)).body;
            return r.subsets?.[0]?.addresses?.length === 2 ? r : undefined;
          });
          assert.equal(ep.subsets[0].ports[0].port, 8080);
          const slices = await eventually(async () => {
            const r = (await tg.req(
              "GET",
              `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dweb`,
            )).body;
            return r.items?.[0]?.endpoints?.length === 2 ? r.items : undefined;
          });
          assert.equal(slices[0].ports[0].port, 8080);
          assert.ok(
            slices[0].endpoints.every((e: { conditions: { ready: boolean } }) =>
              e.conditions.ready
            ),
          );
          await tg.req("POST", `/api/v1/namespaces/${ns}/services`, {
            apiVersion: "v1",
            kind: "Service",
            metadata: { name: "manual" },
            spec: { ports: [{ port: 80 }] },
          });
          const manual = {
            apiVersion: "v1",
            kind: "Endpoints",
            metadata: { name: "manual" },
            subsets: [{ addresses: [{ ip: "127.0.0.1" }], ports: [{ port: 9999 }] }],
          };
          assert.equal(
            (await tg.req("POST", `/api/v1/namespaces/${ns}/endpoints`, manual)).status,
            201,
          );
          await new Promise((r) => setTimeout(r, 200));
          const m = (await tg.req("GET", `/api/v1/namespaces/${ns}/endpoints/manual`)).body;
          assert.deepEqual(m.subsets, manual.subsets);
        },
      );
      await t.step(
        "fail.local images never get ready: ImagePullBackOff and ProgressDeadlineExceeded",
        async () => {
          await tg.req(
            "POST",
            base,
            deployment("bad", "fail.local/bad:1", { progressDeadlineSeconds: 1 }),
          );
          const d = await eventually(async () => {
            const r = (await tg.req("GET", `${base}/bad`)).body;
            const p = r.status?.conditions?.find((c: { type: string }) => c.type === "Progressing");
            return p?.status === "False" ? r : undefined;
          }, 20_000);
          const p = d.status.conditions.find((c: { type: string }) => c.type === "Progressing");
          assert.equal(p.reason, "ProgressDeadlineExceeded");
          assert.match(p.message, /^ReplicaSet "bad-[a-z0-9]+" has timed out progressing\.$/);
          assert.equal(
            d.status.conditions.find((c: { type: string }) => c.type === "Available").status,
            "False",
          );
          const pods =
            (await tg.req("GET", `/api/v1/namespaces/${ns}/pods?labelSelector=app%3Dbad`)).body
              .items;
          assert.equal(
            pods[0].status.containerStatuses[0].state.waiting.reason,
            "ImagePullBackOff",
          );
        },
      );
      await t.step("deleting the Deployment collects its ReplicaSet and Pods", async () => {
        await tg.req("DELETE", `${base}/web`);
        await eventually(async () =>
          (await tg.req("GET", `/api/v1/namespaces/${ns}/pods?labelSelector=app%3Dweb`)).body.items
            .length === 0
        );
        const rs = (await tg.req(
          "GET",
          `/apis/apps/v1/namespaces/${ns}/replicasets?labelSelector=app%3Dweb`,
        )).body.items;
        assert.equal(rs.length, 0);
      });
      await t.step("deleting a namespace removes its contents", async () => {
        await tg.req("DELETE", `/api/v1/namespaces/${ns}`);
        await eventually(async () =>
          (await tg.req("GET", `/api/v1/namespaces/${ns}`)).status === 404
        );
        assert.equal((await tg.req("GET", `/api/v1/namespaces/${ns}/pods`)).body.items.length, 0);
      });
    } finally {
      await tg.close();
    }
  },
});

Deno.test({
  name: "dataDir: a killed server loses no acknowledged write",
  ignore: !local,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("./crash_helper.ts", import.meta.url).pathname, dir],
      stdout: "piped",
      stderr: "null",
    }).spawn();
    try {
      const reader = child.stdout.getReader();
      let buf = "";
      while (!buf.includes("\n")) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += new TextDecoder().decode(value);
      }
      reader.releaseLock();
      const info = JSON.parse(buf.split("\n")[0]) as { url: string; token: string; ca: string };
      const client = Deno.createHttpClient({ caCerts: [info.ca] });
      const acked: string[] = [];
      try {
        for (let i = 0; i < 30; i++) {
          const r = await fetch(`${info.url}/api/v1/namespaces/default/configmaps`, {
            method: "POST",
            client,
            headers: { authorization: `Bearer ${info.token}`, "content-type": "application/json" },
            body: JSON.stringify({
              apiVersion: "v1",
              kind: "ConfigMap",
              metadata: { name: `c${i}` },
            }),
          });
          await r.body?.cancel();
          if (r.status === 201) acked.push(`c${i}`);
        }
      } finally {
        client.close();
      }
      child.kill("SIGKILL");
      await child.status;
      await child.stdout.cancel().catch(() => {});
      const tg = await openTarget({ dataDir: dir, simulateWorkloads: false });
      try {
        const names = (await tg.req("GET", "/api/v1/namespaces/default/configmaps")).body.items
          .map((i: { metadata: { name: string } }) => i.metadata.name);
        for (const n of acked) assert.ok(names.includes(n), `${n} was acknowledged but lost`);
        assert.equal(acked.length, 30);
      } finally {
        await tg.close();
      }
    } finally {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await Deno.remove(dir, { recursive: true });
    }
  },
});
