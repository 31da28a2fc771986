import { KubeConfig } from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { Hono } from "hono";
import {
  HttpKubeClient,
  isConflict,
  isInvalid,
  isNotFound,
  isTimeout,
  type KubeObject,
  type WatchEvent,
} from "../../runtime/mod.ts";

interface Seen {
  method: string;
  path: string;
  query: Record<string, string>;
  auth?: string;
  contentType?: string;
  body?: unknown;
}

function startServer() {
  const seen: Seen[] = [];
  const app = new Hono();
  let watchCtl: ReadableStreamDefaultController<Uint8Array> | undefined;
  app.use(async (c, next) => {
    const body = c.req.method === "GET" ? undefined : await c.req.raw.clone().text();
    seen.push({
      method: c.req.method,
      path: c.req.path,
      query: { ...c.req.query() },
      auth: c.req.header("authorization"),
      contentType: c.req.header("content-type"),
      body: body ? JSON.parse(body) : undefined,
    });
    await next();
  });
  app.get("/api/v1", (c) =>
    c.json({
      kind: "APIResourceList",
      resources: [
        { name: "configmaps", kind: "ConfigMap", namespaced: true },
        { name: "namespaces", kind: "Namespace", namespaced: false },
        { name: "namespaces/status", kind: "Namespace", namespaced: false },
      ],
    }));
  app.get(
    "/apis/example.dev/v1",
    (c) =>
      c.json({
        resources: [{ name: "widgets", kind: "Widget", namespaced: true }, {
          name: "widgets/status",
          kind: "Widget",
          namespaced: true,
        }],
      }),
  );
  app.get(
    "/api/v1/namespaces/ns/configmaps/a",
    (c) => c.json({ metadata: { name: "a", namespace: "ns" }, data: { k: "v" } }),
  );
  app.get(
    "/api/v1/namespaces/ns/configmaps/missing",
    (c) =>
      c.json({
        kind: "Status",
        apiVersion: "v1",
        status: "Failure",
        reason: "NotFound",
        code: 404,
        message: 'configmaps "missing" not found',
      }, 404),
  );
  app.get("/api/v1/namespaces/ns/configmaps/slow", async (c) => {
    await new Promise((r) => setTimeout(r, 300));
    return c.json({});
  });
  app.get(
    "/api/v1/namespaces",
    (c) =>
      c.json({
        kind: "NamespaceList",
        metadata: { resourceVersion: "9", continue: "tok" },
        items: [{ metadata: { name: "x" } }],
      }),
  );
  app.get("/api/v1/namespaces/ns/configmaps", (c) => {
    if (c.req.query("watch")) {
      const stream = new ReadableStream<Uint8Array>({
        start(ctl) {
          watchCtl = ctl;
          const enc = new TextEncoder();
          ctl.enqueue(
            enc.encode(
              JSON.stringify({
                type: "ADDED",
                object: { metadata: { name: "a", resourceVersion: "10" } },
              }) + "\n",
            ),
          );
          ctl.enqueue(
            enc.encode(
              JSON.stringify({ type: "BOOKMARK", object: { metadata: { resourceVersion: "11" } } })
                .slice(0, 20),
            ),
          );
          ctl.enqueue(
            enc.encode(
              JSON.stringify({ type: "BOOKMARK", object: { metadata: { resourceVersion: "11" } } })
                .slice(20) + "\n",
            ),
          );
        },
      });
      return new Response(stream, { headers: { "content-type": "application/json" } });
    }
    return c.json({ items: [] });
  });
  app.post(
    "/api/v1/namespaces/ns/configmaps",
    (c) =>
      c.json({
        kind: "Status",
        status: "Failure",
        reason: "Invalid",
        code: 422,
        message: "bad",
        details: { causes: [{ field: "data", message: "nope" }] },
      }, 422),
  );
  app.put(
    "/apis/example.dev/v1/namespaces/ns/widgets/w/status",
    (c) =>
      c.json({
        kind: "Status",
        reason: "Conflict",
        code: 409,
        message: "the object has been modified",
      }, 409),
  );
  app.patch(
    "/apis/example.dev/v1/namespaces/ns/widgets/w",
    async (c) =>
      c.json({
        apiVersion: "example.dev/v1",
        kind: "Widget",
        metadata: { name: "w" },
        spec: (await c.req.json()).spec,
      }),
  );
  app.delete(
    "/api/v1/namespaces/ns/configmaps/a",
    (c) => c.json({ kind: "Status", status: "Success" }),
  );
  app.get("/api/v1/namespaces/ns/configmaps/teapot", (c) => c.text("I'm a teapot", 418));
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, app.fetch);
  return { seen, server, closeWatch: () => watchCtl?.close() };
}

function client(port: number, opts = {}) {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: "u", token: "secret-token" }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  return new HttpKubeClient(kc, { fieldManager: "test", ...opts });
}

Deno.test("HttpKubeClient against a test server", async (t) => {
  const { seen, server, closeWatch } = startServer();
  const c = client(server.addr.port, { requestTimeoutMs: 100, watchIdleTimeoutMs: 5_000 });
  try {
    await t.step(
      "get resolves via discovery, sends the bearer token, fills apiVersion/kind",
      async () => {
        const o = await c.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "ns", name: "a" });
        assert.equal(o.kind, "ConfigMap");
        assert.equal(o.apiVersion, "v1");
        assert.equal(seen.find((s) => s.path.endsWith("/a"))?.auth, "Bearer secret-token");
        await c.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "ns", name: "a" });
        assert.equal(seen.filter((s) => s.path === "/api/v1").length, 1, "discovery cached");
      },
    );
    await t.step("cluster-scoped list with paging fields", async () => {
      const l = await c.list({ apiVersion: "v1", kind: "Namespace", namespace: "ignored" }, {
        limit: 1,
        labelSelector: "a=b",
      });
      assert.equal(l.items[0].kind, "Namespace");
      assert.equal(l.metadata.continue, "tok");
      const s = seen.at(-1)!;
      assert.equal(s.path, "/api/v1/namespaces");
      assert.deepEqual(s.query, { limit: "1", labelSelector: "a=b" });
    });
    await t.step("typed errors carry the server's Status", async () => {
      const e1 = await c.get({
        apiVersion: "v1",
        kind: "ConfigMap",
        namespace: "ns",
        name: "missing",
      }).catch((e) => e);
      assert.ok(isNotFound(e1));
      assert.equal(e1.message, 'configmaps "missing" not found');
      const e2 = await c.create({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { namespace: "ns", name: "b" },
      }).catch((e) => e);
      assert.ok(isInvalid(e2));
      assert.equal(e2.causes[0].field, "data");
      const e3 = await c.updateStatus({
        apiVersion: "example.dev/v1",
        kind: "Widget",
        metadata: { namespace: "ns", name: "w" },
      }).catch((e) => e);
      assert.ok(isConflict(e3));
      const e4 = await c.get({
        apiVersion: "v1",
        kind: "ConfigMap",
        namespace: "ns",
        name: "teapot",
      }).catch((e) => e);
      assert.equal(e4.code, 418);
      assert.equal(e4.message, "I'm a teapot");
      const e5 = await c.get({ apiVersion: "v1", kind: "Nope", namespace: "ns", name: "x" }).catch((
        e,
      ) => e);
      assert.ok(isNotFound(e5));
    });
    await t.step("request timeout is a Timeout error", async () => {
      const e = await c.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "ns", name: "slow" })
        .catch((e) => e);
      assert.ok(isTimeout(e), String(e));
    });
    await t.step(
      "patch content types; server-side apply sends fieldManager and force",
      async () => {
        const ref = { apiVersion: "example.dev/v1", kind: "Widget", namespace: "ns", name: "w" };
        for (
          const [type, ct] of [
            ["merge", "application/merge-patch+json"],
            ["json", "application/json-patch+json"],
            ["strategic", "application/strategic-merge-patch+json"],
            ["apply", "application/apply-patch+yaml"],
          ] as const
        ) {
          await c.patch(ref, type, type === "json" ? [] : { spec: { a: 1 } }, { force: true });
          assert.equal(seen.at(-1)!.contentType, ct);
        }
        assert.deepEqual(seen.at(-1)!.query, { fieldManager: "test", force: "true" });
      },
    );
    await t.step("delete returns undefined when gone", async () => {
      assert.equal(
        await c.delete({ apiVersion: "v1", kind: "ConfigMap", namespace: "ns", name: "a" }, {
          propagationPolicy: "Foreground",
        }),
        undefined,
      );
      assert.deepEqual(seen.at(-1)!.body, {
        apiVersion: "v1",
        kind: "DeleteOptions",
        propagationPolicy: "Foreground",
      });
    });
    await t.step("watch streams line-delimited events (split across chunks) and ends", async () => {
      const s = await c.watch({ apiVersion: "v1", kind: "ConfigMap", namespace: "ns" }, {
        resourceVersion: "5",
        allowWatchBookmarks: true,
        timeoutSeconds: 290,
      });
      const evs: WatchEvent[] = [];
      for await (const e of s) {
        evs.push(e);
        if (evs.length === 2) closeWatch();
      }
      assert.deepEqual(evs.map((e) => e.type), ["ADDED", "BOOKMARK"]);
      assert.equal((evs[0].object as KubeObject).kind, "ConfigMap");
      assert.deepEqual(seen.at(-1)!.query, {
        watch: "1",
        resourceVersion: "5",
        allowWatchBookmarks: "true",
        timeoutSeconds: "290",
      });
    });
    await t.step("watch ends quietly when its signal aborts", async () => {
      const ac = new AbortController();
      const s = await c.watch({ apiVersion: "v1", kind: "ConfigMap", namespace: "ns" }, {
        signal: ac.signal,
      });
      const evs: WatchEvent[] = [];
      for await (const e of s) {
        evs.push(e);
        if (evs.length === 2) ac.abort();
      }
      assert.equal(evs.length, 2);
    });
    await t.step("a silent watch hits the idle timeout", async () => {
      const c2 = client(server.addr.port, { watchIdleTimeoutMs: 50 });
      try {
        const s = await c2.watch({ apiVersion: "v1", kind: "ConfigMap", namespace: "ns" });
        const err = await (async () => {
          for await (const _ of s) { /* drain */ }
        })().catch((e) => e);
        assert.ok(isTimeout(err), String(err));
      } finally {
        c2.close();
      }
    });
  } finally {
    c.close();
    await server.shutdown();
  }
});

Deno.test("kubeconfig loading: file, context, KUBECONFIG", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/config`;
  await Deno.writeTextFile(
    path,
    `apiVersion: v1
kind: Config
clusters:
- name: a
  cluster: { server: "https://a.example:6443" }
- name: b
  cluster: { server: "https://b.example:6443/" }
users:
- name: u
  user: { token: t }
contexts:
- name: ca
  context: { cluster: a, user: u }
- name: cb
  context: { cluster: b, user: u }
current-context: ca
`,
  );
  const old = Deno.env.get("KUBECONFIG");
  try {
    assert.equal(
      (await HttpKubeClient.fromConfig({ kubeconfig: path })).server,
      "https://a.example:6443",
    );
    assert.equal(
      (await HttpKubeClient.fromConfig({ kubeconfig: path, context: "cb" })).server,
      "https://b.example:6443",
    );
    Deno.env.set("KUBECONFIG", path);
    assert.equal(
      (await HttpKubeClient.fromConfig({ context: "cb" })).server,
      "https://b.example:6443",
    );
  } finally {
    if (old === undefined) Deno.env.delete("KUBECONFIG");
    else Deno.env.set("KUBECONFIG", old);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a watch ends when its signal aborts even if the response body ignores the abort", async () => {
  // Over TLS to kube-apiserver (HTTP/2), aborting the fetch did not end a pending read of the
  // streaming body: a stopping Watcher waited forever and `main.ts controller` ignored SIGTERM.
  // Model that transport: a body that only ever ends when its reader is cancelled.
  const realFetch = globalThis.fetch;
  globalThis.fetch = (input: RequestInfo | URL) => {
    if (!String(input).includes("watch=1")) {
      const resources = [{ name: "configmaps", kind: "ConfigMap", namespaced: true, verbs: [] }];
      return Promise.resolve(
        Response.json({ kind: "APIResourceList", groupVersion: "v1", resources }),
      );
    }
    const body = new ReadableStream<Uint8Array>({
      start(ctl) {
        const ev = { type: "ADDED", object: { metadata: { name: "a", resourceVersion: "1" } } };
        ctl.enqueue(new TextEncoder().encode(JSON.stringify(ev) + "\n"));
      },
    });
    return Promise.resolve(new Response(body, { status: 200 }));
  };
  const c = client(1);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const ac = new AbortController();
    const s = await c.watch({ apiVersion: "v1", kind: "ConfigMap", namespace: "ns" }, {
      signal: ac.signal,
    });
    const it = s[Symbol.asyncIterator]();
    assert.equal((await it.next()).value?.type, "ADDED");
    const rest = (async () => {
      for (;;) if ((await it.next()).done) return "ended";
    })();
    await new Promise((r) => setTimeout(r, 10));
    ac.abort();
    const hung = new Promise<string>((r) => (timer = setTimeout(() => r("hung"), 2_000)));
    assert.equal(await Promise.race([rest, hung]), "ended");
  } finally {
    clearTimeout(timer);
    globalThis.fetch = realFetch;
    c.close();
  }
});
