/**
 * Scenario benchmark of the local control plane: create/get/update
 * throughput over HTTPS, the latency of one request at a time (beside the
 * same body from `Deno.serve`'s own TLS, which the API server's TLS front
 * replaces) and watch fan-out to 100 watchers.
 *
 *   deno run -A bench/apiserver_bench.ts [--n 2000] [--watchers 100] [--events 200]
 *
 * Under `deno bench` it registers one small benchmark instead.
 * @module
 */
import { startApiServer } from "../apiserver/mod.ts";

function arg(name: string, def: number): number {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Number(Deno.args[i + 1]) : def;
}

async function pool<T>(
  n: number,
  concurrency: number,
  fn: (i: number) => Promise<T>,
): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) await fn(next++);
  }));
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

/** Runs the scenario and returns rows of the result table. */
export async function scenario(n: number, watchers: number, events: number): Promise<string[][]> {
  const s = await startApiServer({ port: 0, simulateWorkloads: false, maxWatches: watchers + 10 });
  const client = Deno.createHttpClient({ caCerts: [s.caCert!] });
  const headers = { authorization: `Bearer ${s.token}`, "content-type": "application/json" };
  const base = `${s.url}/api/v1/namespaces/default/configmaps`;
  const rows: string[][] = [];
  const call = async (method: string, url: string, body?: unknown) => {
    const r = await fetch(url, {
      method,
      headers,
      client,
      body: body ? JSON.stringify(body) : undefined,
    });
    const j = await r.json();
    if (r.status >= 300) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(j)}`);
    return j;
  };
  try {
    const objs: Record<string, unknown>[] = [];
    let t0 = performance.now();
    await pool(n, 16, async (i) => {
      objs[i] = await call("POST", base, {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: `cm-${i}` },
        data: { i: String(i) },
      });
    });
    let dt = performance.now() - t0;
    rows.push(["create", String(n), (n / (dt / 1000)).toFixed(0), "ops/s"]);
    t0 = performance.now();
    await pool(n, 16, async (i) => void await call("GET", `${base}/cm-${i}`));
    dt = performance.now() - t0;
    rows.push(["get", String(n), (n / (dt / 1000)).toFixed(0), "ops/s"]);
    t0 = performance.now();
    await pool(n, 16, async (i) => {
      const o = objs[i] as { data: Record<string, string> };
      await call("PUT", `${base}/cm-${i}`, { ...o, data: { i: String(i), u: "1" } });
    });
    dt = performance.now() - t0;
    rows.push(["update", String(n), (n / (dt / 1000)).toFixed(0), "ops/s"]);
    t0 = performance.now();
    await call("GET", base);
    rows.push([`list (${n} items)`, "1", (performance.now() - t0).toFixed(1), "ms"]);

    // one client, one request at a time: the latency kubectl sees (a 3 KB object)
    const big = await call("POST", base, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "big" },
      data: { v: "x".repeat(3000) },
    });
    const seq: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      await call("GET", `${base}/big`);
      seq.push(performance.now() - t);
    }
    rows.push(["sequential GET 3 KB p50", "200", pct(seq, 50).toFixed(2), "ms"]);
    rows.push(["sequential GET 3 KB p99", "200", pct(seq, 99).toFixed(2), "ms"]);
    // reference: the same body from Deno.serve's own TLS (what the API server used before its
    // TLS front; Nagle + delayed ACK hold the body back)
    const ref = await referenceTls(JSON.stringify(big));
    rows.push(["  same, Deno.serve's own TLS p50", "200", pct(ref, 50).toFixed(2), "ms"]);

    // watch fan-out
    const wbase = `${s.url}/api/v1/namespaces/kube-public/configmaps`;
    const rv = (await call("GET", wbase)).metadata.resourceVersion;
    const latencies: number[] = [];
    let delivered = 0;
    const sent = new Map<string, number>();
    const done: Promise<void>[] = [];
    const readers: ReadableStreamDefaultReader<Uint8Array>[] = [];
    for (let w = 0; w < watchers; w++) {
      const res = await fetch(`${wbase}?watch=true&resourceVersion=${rv}`, { headers, client });
      const reader = res.body!.getReader();
      readers.push(reader);
      done.push((async () => {
        const dec = new TextDecoder();
        let buf = "";
        let got = 0;
        while (got < events) {
          const { done, value } = await reader.read();
          if (done) break;
          buf += dec.decode(value, { stream: true });
          let i;
          while ((i = buf.indexOf("\n")) >= 0) {
            const line = buf.slice(0, i);
            buf = buf.slice(i + 1);
            if (!line) continue;
            const e = JSON.parse(line);
            const at = sent.get(e.object.metadata.name);
            if (at !== undefined) latencies.push(performance.now() - at);
            got++;
            delivered++;
          }
        }
      })());
    }
    t0 = performance.now();
    await pool(events, 8, async (i) => {
      const name = `w-${i}`;
      sent.set(name, performance.now());
      await call("POST", wbase, { apiVersion: "v1", kind: "ConfigMap", metadata: { name } });
    });
    await Promise.all(done);
    dt = performance.now() - t0;
    for (const r of readers) await r.cancel();
    rows.push([
      `watch fan-out (${watchers} watchers x ${events} events)`,
      String(delivered),
      (delivered / (dt / 1000)).toFixed(0),
      "events/s",
    ]);
    rows.push(["watch latency p50", String(latencies.length), pct(latencies, 50).toFixed(2), "ms"]);
    rows.push(["watch latency p99", String(latencies.length), pct(latencies, 99).toFixed(2), "ms"]);
  } finally {
    client.close();
    await s.close();
  }
  return rows;
}

/** Sequential GET latencies of `body` from a bare `Deno.serve` over TLS (the API server's cert). */
async function referenceTls(body: string): Promise<number[]> {
  const { generateServingCerts } = await import("../runtime/mod.ts");
  const now = Date.now();
  const c = await generateServingCerts({
    caCommonName: "bench-ca",
    commonName: "127.0.0.1",
    hosts: ["127.0.0.1"],
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 3_600_000),
  });
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: c.serverCert,
    key: c.serverKey,
    onListen() {},
  }, () => new Response(body, { headers: { "content-type": "application/json" } }));
  const client = Deno.createHttpClient({ caCerts: [c.caCert] });
  const out: number[] = [];
  try {
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      await (await fetch(`https://127.0.0.1:${server.addr.port}/`, { client })).text();
      out.push(performance.now() - t);
    }
  } finally {
    client.close();
    await server.shutdown();
  }
  return out;
}

function printTable(rows: string[][]): void {
  const head = ["scenario", "count", "result", "unit"];
  const all = [head, ...rows];
  const w = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join("  ");
  console.log(line(head));
  console.log(w.map((x) => "-".repeat(x)).join("  "));
  for (const r of rows) console.log(line(r));
}

if (import.meta.main && !Deno.args.includes("--bench-mode")) {
  printTable(await scenario(arg("n", 2000), arg("watchers", 100), arg("events", 200)));
} else {
  Deno.bench(
    { name: "apiserver scenario (200 objects, 10 watchers x 20 events)", n: 1, warmup: 0 },
    async () => {
      await scenario(200, 10, 20);
    },
  );
}
