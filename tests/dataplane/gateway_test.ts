import assert from "node:assert/strict";
import {
  compileTable,
  type Endpoint,
  type GatewayIngressEntry,
  isLoopback,
  startGateway,
  staticEndpointResolver,
  weightedPicker,
} from "../../dataplane/mod.ts";

interface Upstream {
  port: number;
  requests: { host: string | null; headers: Headers; path: string }[];
  close(): Promise<void>;
}

/** A loopback HTTP server standing in for a revision's pods. */
function upstream(
  name: string,
  handler?: (req: Request) => Response | Promise<Response>,
): Upstream {
  const requests: Upstream["requests"] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req) => {
    const u = new URL(req.url);
    requests.push({
      host: req.headers.get("host"),
      headers: req.headers,
      path: u.pathname + u.search,
    });
    return handler ? handler(req) : new Response(name);
  });
  return { port: server.addr.port, requests, close: () => server.shutdown() };
}

function entry(key: string, rules: GatewayIngressEntry["rules"], hash = "h1"): GatewayIngressEntry {
  return { key, hash, rules };
}

function rule(hosts: string[], splits: [string, number][], extra: Record<string, unknown> = {}) {
  return {
    hosts,
    visibility: "ExternalIP",
    paths: [{
      ...extra,
      splits: splits.map(([service, percent]) => ({
        namespace: "default",
        service,
        port: 80,
        percent,
        appendHeaders: {
          "Knative-Serving-Revision": service,
          "Knative-Serving-Namespace": "default",
        },
      })),
    }],
  };
}

/** Sends a request with an explicit Host header (fetch cannot) over raw HTTP/1.1. */
async function rawGet(
  port: number,
  host: string,
  path = "/",
  headers: Record<string, string> = {},
  method = "GET",
  body = "",
) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const all = body ? { ...headers, "Content-Length": String(body.length) } : headers;
  const extra = Object.entries(all).map(([k, v]) => `${k}: ${v}\r\n`).join("");
  await conn.write(
    new TextEncoder().encode(
      `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\n${extra}Connection: close\r\n\r\n${body}`,
    ),
  );
  const chunks: Uint8Array[] = [];
  for await (const c of conn.readable) chunks.push(c);
  const raw = new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
  const [head, ...rest] = raw.split("\r\n\r\n");
  const status = Number(head.split(" ")[1]);
  return { status, head, body: rest.join("\r\n\r\n") };
}

Deno.test("gateway: table helpers", async (t) => {
  await t.step("loopback check", () => {
    for (const ip of ["127.0.0.1", "127.1.2.3", "::1", "[::1]"]) assert.ok(isLoopback(ip), ip);
    for (const ip of ["10.0.0.1", "128.0.0.1", "0.0.0.0", "::", "localhost", "127.0.0.256"]) {
      assert.ok(!isLoopback(ip), ip);
    }
  });
  await t.step("smooth weighted round-robin gives exact proportions", () => {
    const pick = weightedPicker([
      { namespace: "n", service: "a", port: 80, percent: 90 },
      { namespace: "n", service: "b", port: 80, percent: 10 },
      { namespace: "n", service: "c", port: 80, percent: 0 },
    ]);
    const seen: Record<string, number> = { a: 0, b: 0 };
    for (let i = 0; i < 1000; i++) seen[pick()!.service]++;
    assert.deepStrictEqual(seen, { a: 900, b: 100 });
  });
  await t.step("first Ingress (by key) owns a host", () => {
    const t1 = compileTable([
      entry("ns/b", [rule(["x.example.com"], [["b", 100]])]),
      entry("ns/a", [rule(["x.example.com"], [["a", 100]])]),
    ]);
    assert.equal(t1.hosts.get("x.example.com")!.length, 1);
    assert.equal(t1.hosts.get("x.example.com")![0].entryKey, "ns/a");
  });
});

Deno.test("gateway: proxies to loopback upstreams", async (t) => {
  const v1 = upstream("v1");
  const v2 = upstream("v2");
  const eps: Record<string, Endpoint[]> = {
    "default/hello-00001": [{ ip: "127.0.0.1", port: v1.port }],
    "default/hello-00002": [{ ip: "127.0.0.1", port: v2.port }],
    "default/remote": [{ ip: "10.1.2.3", port: 8012 }],
  };
  const gw = startGateway({ resolver: staticEndpointResolver(eps) });
  try {
    gw.setTable([
      entry("default/hello", [
        rule(["hello.default.example.com"], [["hello-00001", 90], ["hello-00002", 10]]),
        {
          hosts: ["hello.default.example.com"],
          visibility: "ExternalIP",
          paths: [],
        },
        rule(["candidate-hello.default.example.com"], [["hello-00002", 100]], {
          appendHeaders: { "Knative-Serving-Tag": "candidate" },
        }),
        rule(["mapped.example.com"], [["hello-00001", 100]], {
          rewriteHost: "hello.default.example.com",
        }),
      ]),
      entry("default/remote", [rule(["remote.default.example.com"], [["remote", 100]])]),
    ]);

    await t.step(
      "Host routing reaches the revision's endpoint with the appended headers",
      async () => {
        const r = await rawGet(gw.port, "candidate-hello.default.example.com", "/x?y=1");
        assert.equal(r.status, 200);
        assert.equal(r.body, "v2");
        const last = v2.requests.at(-1)!;
        assert.equal(last.path, "/x?y=1");
        assert.equal(last.headers.get("knative-serving-revision"), "hello-00002");
        assert.equal(last.headers.get("knative-serving-namespace"), "default");
        assert.equal(last.headers.get("knative-serving-tag"), "candidate");
        assert.equal(last.headers.get("x-forwarded-host"), "candidate-hello.default.example.com");
        // The original Host reaches the upstream.
        assert.equal(last.host, "candidate-hello.default.example.com");
      },
    );

    await t.step("rewriteHost replaces the Host sent upstream", async () => {
      const r = await rawGet(gw.port, "mapped.example.com");
      assert.equal(r.body, "v1");
      assert.equal(v1.requests.at(-1)!.host, "hello.default.example.com");
    });

    await t.step("curl with a Host header works (and a host with a port)", async () => {
      const out = await new Deno.Command("curl", {
        args: ["-s", "-H", "Host: candidate-hello.default.example.com:80", gw.url + "/"],
      }).output();
      assert.equal(new TextDecoder().decode(out.stdout), "v2");
    });

    await t.step("a 90/10 split over 1,000 requests lands within 3 points", async () => {
      let a = 0, b = 0;
      for (let i = 0; i < 1000; i++) {
        const r = await rawGet(gw.port, "hello.default.example.com");
        if (r.body === "v1") a++;
        else if (r.body === "v2") b++;
      }
      assert.equal(a + b, 1000);
      assert.ok(Math.abs(a / 10 - 90) <= 3, `v1 got ${a / 10}%`);
      assert.ok(Math.abs(b / 10 - 10) <= 3, `v2 got ${b / 10}%`);
    });

    await t.step("the tag host reaches only its revision", async () => {
      const before = v1.requests.length;
      for (let i = 0; i < 50; i++) {
        assert.equal((await rawGet(gw.port, "candidate-hello.default.example.com")).body, "v2");
      }
      assert.equal(v1.requests.length, before);
    });

    await t.step("unknown host → 404", async () => {
      const r = await rawGet(gw.port, "nope.example.com");
      assert.equal(r.status, 404);
      assert.match(r.body, /no route for host nope\.example\.com/);
    });

    await t.step("non-loopback endpoints are refused with a clear 502", async () => {
      const r = await rawGet(gw.port, "remote.default.example.com");
      assert.equal(r.status, 502);
      assert.match(r.body, /refusing to dial 10\.1\.2\.3:8012 .* only dials loopback endpoints/);
    });

    await t.step("probes answer with the hash of the Ingress serving the host", async () => {
      const r = await rawGet(gw.port, "hello.default.example.com", "/", {
        "K-Network-Probe": "probe",
      });
      assert.equal(r.status, 200);
      assert.match(r.head, /k-network-hash: h1/i);
    });
  } finally {
    await gw.close();
    await v1.close();
    await v2.close();
  }
});

Deno.test("gateway: h2c backends (port 81) are dialled with HTTP/2 prior knowledge", async () => {
  // Over HTTP/2 there is no Host header (only :authority), which shows the protocol used.
  const up = upstream("h2", (req) => new Response(`host-header=${req.headers.get("host")}`));
  const gw = startGateway({
    resolver: staticEndpointResolver({ "default/h": [{ ip: "127.0.0.1", port: up.port }] }),
  });
  try {
    const split = (port: number) => ({
      key: "default/h",
      hash: "h",
      rules: [{
        hosts: ["h.default.example.com"],
        visibility: "ExternalIP",
        paths: [{ splits: [{ namespace: "default", service: "h", port, percent: 100 }] }],
      }],
    });
    gw.program(split(81));
    assert.equal((await rawGet(gw.port, "h.default.example.com")).body, "host-header=null");
    gw.program(split(80));
    assert.equal(
      (await rawGet(gw.port, "h.default.example.com")).body,
      "host-header=h.default.example.com",
    );
  } finally {
    await gw.close();
    await up.close();
  }
});

Deno.test("gateway: tag header routing picks the tagged path", async () => {
  const v1 = upstream("v1");
  const v2 = upstream("v2");
  const gw = startGateway({
    resolver: staticEndpointResolver({
      "default/r-1": [{ ip: "127.0.0.1", port: v1.port }],
      "default/r-2": [{ ip: "127.0.0.1", port: v2.port }],
    }),
  });
  try {
    gw.program({
      key: "default/r",
      hash: "h",
      rules: [{
        hosts: ["r.default.example.com"],
        visibility: "ExternalIP",
        paths: [
          {
            headers: { "Knative-Serving-Tag": "green" },
            appendHeaders: { "Knative-Serving-Tag": "green" },
            splits: [{ namespace: "default", service: "r-2", port: 80, percent: 100 }],
          },
          {
            appendHeaders: { "Knative-Serving-Default-Route": "true" },
            splits: [{ namespace: "default", service: "r-1", port: 80, percent: 100 }],
          },
        ],
      }],
    });
    assert.equal((await rawGet(gw.port, "r.default.example.com")).body, "v1");
    assert.equal(
      (await rawGet(gw.port, "r.default.example.com", "/", { "Knative-Serving-Tag": "green" }))
        .body,
      "v2",
    );
    assert.equal(v2.requests.at(-1)!.headers.get("knative-serving-tag"), "green");
    assert.equal(v1.requests.at(-1)!.headers.get("knative-serving-default-route"), "true");
  } finally {
    await gw.close();
    await v1.close();
    await v2.close();
  }
});

Deno.test("gateway: streaming, websockets, h2c, timeouts, retries and reloads", async (t) => {
  let releaseSlow: () => void = () => {};
  const slowGate = new Promise<void>((r) => releaseSlow = r);
  let flaky = 0;
  const up = upstream("up", async (req) => {
    const u = new URL(req.url);
    if (u.pathname === "/echo") {
      // Echo the request body back as it streams in.
      return new Response(req.body);
    }
    if (u.pathname === "/stream") {
      let i = 0;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const body = new ReadableStream<Uint8Array>({
        pull(c) {
          return new Promise((res) => {
            timer = setTimeout(() => {
              c.enqueue(new TextEncoder().encode(`chunk${i}\n`));
              if (++i === 3) c.close();
              res();
            }, 20);
          });
        },
        cancel() {
          clearTimeout(timer);
        },
      });
      return new Response(body);
    }
    if (u.pathname === "/slow") {
      await slowGate;
      return new Response("slow-done");
    }
    if (u.pathname === "/hang") {
      await new Promise((r) => setTimeout(r, 400));
      return new Response("late");
    }
    if (req.headers.get("upgrade") === "websocket") {
      const rev = req.headers.get("knative-serving-revision");
      const { socket, response } = Deno.upgradeWebSocket(req);
      socket.onmessage = (e) => socket.send(`${rev}:${e.data}`);
      return response;
    }
    return new Response(`proto=${req.headers.get("x-forwarded-proto")}`);
  });
  const up2 = upstream("new-backend");
  // A dead port: bind and close to get one nothing listens on.
  const dead = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const deadPort = (dead.addr as Deno.NetAddr).port;
  dead.close();
  const eps: Record<string, Endpoint[]> = {
    "default/up": [{ ip: "127.0.0.1", port: up.port }],
    "default/up2": [{ ip: "127.0.0.1", port: up2.port }],
    "default/flaky": [{ ip: "127.0.0.1", port: deadPort }, { ip: "127.0.0.1", port: up.port }],
    "default/dead": [{ ip: "127.0.0.1", port: deadPort }],
  };
  const resolver = (ns: string, svc: string) => {
    if (svc === "flaky") flaky++;
    return Promise.resolve(eps[`${ns}/${svc}`] ?? []);
  };
  const gw = startGateway({ resolver, timeoutMs: 150, retries: 2 });
  const table = (svc: string, hash = "a") =>
    entry("default/s", [rule(["s.default.example.com", "127.0.0.1"], [[svc, 100]])], hash);
  gw.setTable([
    table("up"),
    entry("default/f", [rule(["f.default.example.com"], [["flaky", 100]])]),
    entry("default/d", [rule(["d.default.example.com"], [["dead", 100]])]),
  ]);
  try {
    await t.step("request and response bodies stream through", async () => {
      const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
      const w = writable.getWriter();
      const resP = fetch(`${gw.url}/echo`, {
        method: "POST",
        body: readable,
        headers: { host: "ignored" },
        // @ts-ignore: streaming upload
        duplex: "half",
      });
      await w.write(new TextEncoder().encode("part1,"));
      await w.write(new TextEncoder().encode("part2"));
      await w.close();
      const res = await resP;
      assert.equal(await res.text(), "part1,part2");

      const sres = await fetch(`${gw.url}/stream`);
      const reader = sres.body!.getReader();
      const first = await reader.read();
      assert.equal(new TextDecoder().decode(first.value), "chunk0\n");
      let rest = "";
      for (let r = await reader.read(); !r.done; r = await reader.read()) {
        rest += new TextDecoder().decode(r.value);
      }
      assert.equal(rest, "chunk1\nchunk2\n");
    });

    await t.step("websockets are proxied with the appended headers", async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${gw.port}/ws`);
      const got = new Promise<string>((res) => ws.onmessage = (e) => res(String(e.data)));
      await new Promise((res) => ws.onopen = res);
      ws.send("ping");
      assert.equal(await got, "up:ping");
      const closed = new Promise((res) => ws.onclose = res);
      ws.close();
      await closed;
    });

    await t.step("h2c (prior knowledge) is served", async () => {
      const out = await new Deno.Command("curl", {
        args: ["-s", "--http2-prior-knowledge", "-w", " %{http_version}", `${gw.url}/`],
      }).output();
      assert.equal(new TextDecoder().decode(out.stdout), "proto=http 2");
    });

    await t.step("a slow upstream times out with 504", async () => {
      const r = await fetch(`${gw.url}/hang`);
      assert.equal(r.status, 504);
      assert.match(await r.text(), /timeout after 150ms/);
      // Let the upstream finish its response before shutdown.
      await new Promise((r) => setTimeout(r, 300));
    });

    await t.step("idempotent requests are retried on connect failure", async () => {
      // Endpoints alternate dead/live, so some requests start on the dead one.
      for (let i = 0; i < 4; i++) {
        const r = await rawGet(gw.port, "f.default.example.com");
        assert.equal(r.status, 200);
        assert.equal(r.body, "proto=http");
      }
    });

    await t.step("requests with a body are not retried", async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const r = await rawGet(gw.port, "f.default.example.com", "/", {}, "POST", "x");
        statuses.push(r.status);
      }
      assert.ok(statuses.includes(502), String(statuses));
    });

    await t.step("without a live endpoint the retries give up with 502", async () => {
      const r = await rawGet(gw.port, "d.default.example.com");
      assert.equal(r.status, 502);
      assert.match(r.body, /upstream connect error for service default\/dead/);
    });

    await t.step("a reload does not drop in-flight requests", async () => {
      const slow = fetch(`${gw.url}/slow`);
      await new Promise((r) => setTimeout(r, 30));
      assert.equal(gw.inFlight(), 1);
      gw.program(table("up2", "b"));
      const fresh = await fetch(`${gw.url}/`);
      assert.equal(await fresh.text(), "new-backend");
      releaseSlow();
      const res = await slow;
      assert.equal(res.status, 200);
      assert.equal(await res.text(), "slow-done");
      const probe = await rawGet(gw.port, "s.default.example.com", "/", {
        "K-Network-Probe": "probe",
      });
      assert.match(probe.head, /k-network-hash: b/i);
    });

    await t.step("forget removes an Ingress", async () => {
      gw.forget("default/s");
      assert.equal((await rawGet(gw.port, "s.default.example.com")).status, 404);
    });
  } finally {
    await gw.close();
    await up.close();
    await up2.close();
  }
});

/** Reads one HTTP/1.1 response (content-length, chunked, or none) from a buffered raw connection. */
class RawConn {
  #buf = new Uint8Array(0);
  constructor(readonly conn: Deno.Conn) {}
  async #more(): Promise<void> {
    const b = new Uint8Array(16 * 1024);
    const n = await this.conn.read(b);
    if (n === null) throw new Error("connection closed");
    const next = new Uint8Array(this.#buf.length + n);
    next.set(this.#buf);
    next.set(b.subarray(0, n), this.#buf.length);
    this.#buf = next;
  }
  async #until(sep: string): Promise<string> {
    for (;;) {
      const s = new TextDecoder().decode(this.#buf);
      const i = s.indexOf(sep);
      if (i >= 0) {
        this.#buf = this.#buf.subarray(new TextEncoder().encode(s.slice(0, i + sep.length)).length);
        return s.slice(0, i);
      }
      await this.#more();
    }
  }
  async #take(n: number): Promise<string> {
    while (this.#buf.length < n) await this.#more();
    const s = new TextDecoder().decode(this.#buf.subarray(0, n));
    this.#buf = this.#buf.subarray(n);
    return s;
  }
  async send(text: string): Promise<void> {
    await this.conn.write(new TextEncoder().encode(text));
  }
  async response(method = "GET"): Promise<{ status: number; head: string; body: string }> {
    const head = await this.#until("\r\n\r\n");
    const status = Number(head.split(" ")[1]);
    const cl = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (method === "HEAD" || status === 204 || status === 304) return { status, head, body: "" };
    if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
      let body = "";
      for (;;) {
        const size = parseInt(await this.#until("\r\n"), 16);
        if (size === 0) {
          await this.#until("\r\n");
          return { status, head, body };
        }
        body += await this.#take(size);
        await this.#until("\r\n");
      }
    }
    assert.ok(cl, `no framing in ${head}`);
    return { status, head, body: await this.#take(Number(cl[1])) };
  }
}

Deno.test("gateway: one keep-alive connection mixes the fast path and the full server", async () => {
  const up = upstream("ok", (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/echo") return new Response(req.body);
    if (path === "/empty") return new Response(null, { status: 204 });
    return new Response(`ok ${req.method} ${req.headers.get("x-forwarded-for")}`);
  });
  const gw = startGateway({
    resolver: staticEndpointResolver({ "default/up": [{ ip: "127.0.0.1", port: up.port }] }),
    entries: [entry("default/k", [rule(["k.example.com"], [["up", 100]])])],
  });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: gw.port });
  const c = new RawConn(conn);
  const h = "Host: k.example.com\r\n";
  try {
    await c.send(`GET / HTTP/1.1\r\n${h}X-Forwarded-For: 10.0.0.9\r\n\r\n`);
    assert.equal((await c.response()).body, "ok GET 10.0.0.9, 127.0.0.1");
    await c.send(`POST /echo HTTP/1.1\r\n${h}Content-Length: 5\r\n\r\nhello`);
    assert.equal((await c.response()).body, "hello");
    await c.send(`HEAD / HTTP/1.1\r\n${h}\r\n`);
    const head = await c.response("HEAD");
    assert.equal(head.status, 200);
    assert.match(head.head, /content-length: \d+/i);
    await c.send(`GET /empty HTTP/1.1\r\n${h}\r\n`);
    assert.equal((await c.response()).status, 204);
    // Two pipelined requests in one write.
    await c.send(`GET /a HTTP/1.1\r\n${h}\r\nGET /b HTTP/1.1\r\n${h}\r\n`);
    assert.equal((await c.response()).body, "ok GET 127.0.0.1");
    assert.equal((await c.response()).body, "ok GET 127.0.0.1");
    // A chunked request body goes to the full server; the connection stays usable.
    await c.send(
      `POST /echo HTTP/1.1\r\n${h}Transfer-Encoding: chunked\r\n\r\n5\r\nworld\r\n0\r\n\r\n`,
    );
    assert.equal((await c.response()).body, "world");
    await c.send(`GET / HTTP/1.1\r\n${h}\r\n`);
    assert.equal((await c.response()).body, "ok GET 127.0.0.1");
    await c.send(`GET / HTTP/1.1\r\nHost: unknown.example.com\r\n\r\n`);
    assert.equal((await c.response()).status, 404);
  } finally {
    conn.close();
    await gw.close();
    await up.close();
  }
});

Deno.test("gateway: fast path framing, buffering and upstream reuse", async (t) => {
  const big = "x".repeat(300 * 1024);
  const bigHeader = "h".repeat(20 * 1024);
  const up = upstream("ok", async (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/echo") return new Response(await req.arrayBuffer());
    if (path === "/big") return new Response(big);
    if (path === "/bighead") return new Response("bh", { headers: { "x-big": bigHeader } });
    if (path === "/chunked") {
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new TextEncoder().encode("one,"));
          c.enqueue(new TextEncoder().encode("two"));
          c.close();
        },
      });
      return new Response(body);
    }
    return new Response(`a ${path}`);
  });
  const other = upstream("b");
  // An upstream that answers one request per connection and then closes it
  // without saying so: every reuse of a kept connection finds it stale.
  const oneShot = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let oneShotConns = 0;
  const oneShotLoop = (async () => {
    for await (const c of oneShot) {
      oneShotConns++;
      (async () => {
        const buf = new Uint8Array(4096);
        let got = "";
        while (!got.includes("\r\n\r\n")) {
          const n = await c.read(buf);
          if (n === null) break;
          got += new TextDecoder().decode(buf.subarray(0, n));
        }
        if (got.includes("\r\n\r\n")) {
          await c.write(
            new TextEncoder().encode("HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nshot"),
          );
        }
        c.close();
      })();
    }
  })();
  const gw = startGateway({
    resolver: staticEndpointResolver({
      "default/a": [{ ip: "127.0.0.1", port: up.port }],
      "default/b": [{ ip: "127.0.0.1", port: other.port }],
      "default/shot": [{
        ip: "127.0.0.1",
        port: (oneShot.addr as Deno.NetAddr).port,
      }],
    }),
    entries: [
      entry("default/a", [rule(["a.example.com"], [["a", 100]])]),
      entry("default/b", [rule(["b.example.com"], [["b", 100]])]),
      entry("default/shot", [rule(["shot.example.com"], [["shot", 100]])]),
    ],
  });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: gw.port });
  const c = new RawConn(conn);
  try {
    await t.step("a request body split across reads arrives whole", async () => {
      await c.send(`POST /echo HTTP/1.1\r\nHost: a.example.com\r\nContent-Length: 11\r\n\r\nhel`);
      await new Promise((r) => setTimeout(r, 30));
      await c.send("lo ");
      await new Promise((r) => setTimeout(r, 30));
      await c.send("world");
      assert.equal((await c.response()).body, "hello world");
    });
    await t.step("a body sent with its head, then a pipelined request", async () => {
      await c.send(
        `POST /echo HTTP/1.1\r\nHost: a.example.com\r\nContent-Length: 3\r\n\r\nabc` +
          `GET /next HTTP/1.1\r\nHost: a.example.com\r\n\r\n`,
      );
      assert.equal((await c.response()).body, "abc");
      assert.equal((await c.response()).body, "a /next");
    });
    await t.step("a response larger than the read buffer is relayed byte for byte", async () => {
      await c.send(`GET /big HTTP/1.1\r\nHost: a.example.com\r\n\r\n`);
      const r = await c.response();
      assert.equal(r.body.length, big.length);
      assert.equal(r.body, big);
    });
    await t.step("a response head larger than the read buffer passes", async () => {
      await c.send(`GET /bighead HTTP/1.1\r\nHost: a.example.com\r\n\r\n`);
      const r = await c.response();
      assert.equal(r.body, "bh");
      assert.ok(r.head.includes(bigHeader));
    });
    await t.step("a chunked response is re-framed as chunked", async () => {
      await c.send(`GET /chunked HTTP/1.1\r\nHost: a.example.com\r\n\r\n`);
      const r = await c.response();
      assert.match(r.head, /transfer-encoding: chunked/i);
      assert.equal(r.body, "one,two");
    });
    await t.step("alternating upstreams on one client connection reach the right one", async () => {
      for (let i = 0; i < 4; i++) {
        await c.send(`GET /x HTTP/1.1\r\nHost: a.example.com\r\n\r\n`);
        assert.equal((await c.response()).body, "a /x");
        await c.send(`GET / HTTP/1.1\r\nHost: b.example.com\r\n\r\n`);
        assert.equal((await c.response()).body, "b");
      }
    });
    await t.step("a kept upstream connection found closed is replaced (GET)", async () => {
      for (let i = 0; i < 3; i++) {
        await c.send(`GET / HTTP/1.1\r\nHost: shot.example.com\r\n\r\n`);
        const r = await c.response();
        assert.equal(r.status, 200);
        assert.equal(r.body, "shot");
      }
      assert.equal(oneShotConns, 3);
    });
    await t.step("Connection: close is honoured after the response", async () => {
      await c.send(`GET /last HTTP/1.1\r\nHost: a.example.com\r\nConnection: close\r\n\r\n`);
      const r = await c.response();
      assert.equal(r.body, "a /last");
      assert.match(r.head, /connection: close/i);
      assert.equal(await conn.read(new Uint8Array(16)), null);
    });
  } finally {
    conn.close();
    await gw.close();
    await up.close();
    await other.close();
    oneShot.close();
    await oneShotLoop.catch(() => {});
  }
});
