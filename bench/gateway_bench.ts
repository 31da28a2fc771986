/**
 * The local gateway's added latency and throughput against direct calls to
 * the same upstream, measured side by side in one run.
 *
 * Setup: the upstream (a tiny `Deno.serve` answering 24 bytes), the gateway
 * (`startGateway` in front of it) and the load generator each run in their
 * own OS process, so none of them shares an event loop with another (in
 * production the gateway and the revision are separate processes too).
 *
 * - Latency: one keep-alive connection to each target, requests alternating
 *   direct / gateway (so both see the same machine state), concurrency 1.
 * - Throughput: `concurrency` keep-alive connections, direct then gateway,
 *   twice, median of the runs per target. The load side is `wrk` when it is
 *   on PATH (`--load=deno` forces the built-in one), else a raw-socket Deno
 *   HTTP/1.1 client in its own process; both targets always get the same
 *   client and concurrency.
 *
 * `deno run -A bench/gateway_bench.ts [requests] [concurrency] [--load=wrk|deno]`
 * prints the report. The same file, run with `--role=...`, is the upstream,
 * the gateway or the load generator child process.
 * @module
 */
import { startGateway, staticEndpointResolver } from "../dataplane/mod.ts";

/** Per-target results. */
export interface BenchResult {
  /** Median latency at concurrency 1, ms. */
  p50: number;
  /** 99th percentile latency at concurrency 1, ms. */
  p99: number;
  /** Requests per second at the given concurrency (median of runs). */
  rps: number;
  /** Median latency under the concurrent load, ms. */
  loadedP50: number;
  /** 99th percentile latency under the concurrent load, ms. */
  loadedP99: number;
}

/** The whole report. */
export interface GatewayBenchReport {
  /** The direct target. */
  direct: BenchResult;
  /** The gateway target. */
  gateway: BenchResult;
  /** Which load generator measured throughput. */
  load: "wrk" | "deno";
  /** Requests per target in the latency phase. */
  requests: number;
  /** Connections in the throughput phase. */
  concurrency: number;
}

const enc = new TextEncoder();

function arg(name: string): string | undefined {
  const a = Deno.args.find((x) => x.startsWith(`--${name}=`));
  return a?.slice(name.length + 3);
}

function pct(sorted: ArrayLike<number>, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

// ---------------------------------------------------------------------------
// Child roles.

function runUpstream(): void {
  const body = enc.encode("hello from the upstream\n");
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    () => new Response(body, { headers: { "content-type": "text/plain" } }),
  );
  console.log(JSON.stringify({ port: server.addr.port }));
}

function runGateway(upstreamPort: number): void {
  const gw = startGateway({
    resolver: staticEndpointResolver({
      "default/bench-00001": [{ ip: "127.0.0.1", port: upstreamPort }],
    }),
    entries: [{
      key: "default/bench",
      hash: "bench",
      rules: [{
        hosts: ["127.0.0.1", "bench.default.example.com"],
        visibility: "ExternalIP",
        paths: [{
          splits: [{
            namespace: "default",
            service: "bench-00001",
            port: 80,
            percent: 100,
            appendHeaders: { "Knative-Serving-Revision": "bench-00001" },
          }],
        }],
      }],
    }],
  });
  console.log(JSON.stringify({ port: gw.port }));
}

/** A minimal keep-alive HTTP/1.1 GET client for the load side (content-length bodies). */
class RawClient {
  #buf = new Uint8Array(64 * 1024);
  #req: Uint8Array;
  private constructor(readonly conn: Deno.Conn, port: number) {
    this.#req = enc.encode(`GET / HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\n\r\n`);
  }
  static async open(port: number): Promise<RawClient> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.setNoDelay(true);
    return new RawClient(conn, port);
  }
  /** One request; resolves with the latency in ms. */
  async get(): Promise<number> {
    const t0 = performance.now();
    await this.conn.write(this.#req);
    let have = 0;
    let need = -1;
    while (need < 0 || have < need) {
      const n = await this.conn.read(this.#buf.subarray(have));
      if (n === null) throw new Error("connection closed by the target");
      have += n;
      if (need < 0) {
        const b = this.#buf;
        for (let i = 3; i < have; i++) {
          if (b[i] === 10 && b[i - 1] === 13 && b[i - 2] === 10 && b[i - 3] === 13) {
            const head = new TextDecoder().decode(b.subarray(0, i));
            if (!head.startsWith("HTTP/1.1 200")) throw new Error(`unexpected: ${head}`);
            const m = /content-length:\s*(\d+)/i.exec(head);
            if (!m) throw new Error("the bench client needs content-length responses");
            need = i + 1 + Number(m[1]);
            break;
          }
        }
      }
    }
    return performance.now() - t0;
  }
  close(): void {
    this.conn.close();
  }
}

/** Load child: `--ports=a,b --requests=n --concurrency=c`; prints JSON results. */
async function runLoad(): Promise<void> {
  const [directPort, gwPort] = arg("ports")!.split(",").map(Number);
  const requests = Number(arg("requests"));
  const concurrency = Number(arg("concurrency"));
  const phase = arg("phase");
  if (phase === "latency") {
    const d = await RawClient.open(directPort);
    const g = await RawClient.open(gwPort);
    for (let i = 0; i < 500; i++) {
      await d.get();
      await g.get();
    }
    const ld = new Float64Array(requests);
    const lg = new Float64Array(requests);
    for (let i = 0; i < requests; i++) {
      ld[i] = await d.get();
      lg[i] = await g.get();
    }
    d.close();
    g.close();
    ld.sort();
    lg.sort();
    console.log(JSON.stringify({
      direct: { p50: pct(ld, 50), p99: pct(ld, 99) },
      gateway: { p50: pct(lg, 50), p99: pct(lg, 99) },
    }));
    return;
  }
  // Throughput of one target: `concurrency` connections share `requests`.
  const port = Number(arg("port"));
  const clients = await Promise.all(
    Array.from({ length: concurrency }, () => RawClient.open(port)),
  );
  for (const c of clients) for (let i = 0; i < 20; i++) await c.get();
  const lat = new Float64Array(requests);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(clients.map(async (c) => {
    while (next < requests) {
      const i = next++;
      lat[i] = await c.get();
    }
  }));
  const secs = (performance.now() - t0) / 1000;
  for (const c of clients) c.close();
  lat.sort();
  console.log(JSON.stringify({ rps: requests / secs, p50: pct(lat, 50), p99: pct(lat, 99) }));
}

// ---------------------------------------------------------------------------
// The orchestrator.

interface Child {
  proc: Deno.ChildProcess;
  port: number;
}

async function readJsonLine(stream: ReadableStream<Uint8Array>): Promise<Record<string, number>> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  reader.releaseLock();
  return JSON.parse(text.split("\n")[0]);
}

async function spawnRole(role: string, extra: string[] = []): Promise<Child> {
  const proc = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(import.meta.url).pathname, `--role=${role}`, ...extra],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const { port } = await readJsonLine(proc.stdout);
  return { proc, port };
}

async function runChild(args: string[]): Promise<Record<string, unknown>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(import.meta.url).pathname, ...args],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`bench child ${args.join(" ")} failed`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

function hasWrk(): boolean {
  try {
    return new Deno.Command("wrk", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().code !== 127;
  } catch {
    return false;
  }
}

function wrkMs(v: string, unit: string): number {
  const n = Number(v);
  return unit === "us" ? n / 1000 : unit === "s" ? n * 1000 : n;
}

async function wrkRun(
  port: number,
  concurrency: number,
  seconds: number,
): Promise<{ rps: number; p50: number; p99: number }> {
  const out = await new Deno.Command("wrk", {
    args: [
      "-t1",
      `-c${concurrency}`,
      `-d${seconds}s`,
      "--latency",
      `http://127.0.0.1:${port}/`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const rps = /Requests\/sec:\s*([\d.]+)/.exec(text);
  const p50 = /\s50%\s+([\d.]+)(us|ms|s)/.exec(text);
  const p99 = /\s99%\s+([\d.]+)(us|ms|s)/.exec(text);
  if (!rps || !p50 || !p99 || /Non-2xx/.test(text)) throw new Error(`wrk: ${text}`);
  return { rps: Number(rps[1]), p50: wrkMs(p50[1], p50[2]), p99: wrkMs(p99[1], p99[2]) };
}

/** Runs the comparison (upstream, gateway and load each in its own process). */
export async function runGatewayBench(
  requests = 3000,
  concurrency = 32,
  load: "wrk" | "deno" = hasWrk() ? "wrk" : "deno",
): Promise<GatewayBenchReport> {
  const up = await spawnRole("upstream");
  const gw = await spawnRole("gateway", [`--upstream=${up.port}`]);
  try {
    const lat = await runChild([
      "--role=load",
      "--phase=latency",
      `--ports=${up.port},${gw.port}`,
      `--requests=${requests}`,
      "--concurrency=1",
    ]) as Record<"direct" | "gateway", { p50: number; p99: number }>;
    const runs = {
      direct: [] as { rps: number; p50: number; p99: number }[],
      gateway: [] as { rps: number; p50: number; p99: number }[],
    };
    // Alternate the targets; three runs each, medians reported.
    for (let r = 0; r < 3; r++) {
      for (const [name, port] of [["direct", up.port], ["gateway", gw.port]] as const) {
        runs[name].push(
          load === "wrk" ? await wrkRun(port, concurrency, 2) : await runChild([
            "--role=load",
            "--phase=throughput",
            `--ports=${up.port},${gw.port}`,
            `--port=${port}`,
            `--requests=${requests * 3}`,
            `--concurrency=${concurrency}`,
          ]) as { rps: number; p50: number; p99: number },
        );
      }
    }
    const result = (name: "direct" | "gateway"): BenchResult => ({
      p50: lat[name].p50,
      p99: lat[name].p99,
      rps: median(runs[name].map((x) => x.rps)),
      loadedP50: median(runs[name].map((x) => x.p50)),
      loadedP99: median(runs[name].map((x) => x.p99)),
    });
    return { direct: result("direct"), gateway: result("gateway"), load, requests, concurrency };
  } finally {
    for (const c of [gw, up]) {
      try {
        c.proc.kill("SIGTERM");
      } catch { /* already gone */ }
      await c.proc.status;
    }
  }
}

if (import.meta.main) {
  const role = arg("role");
  if (role === "upstream") runUpstream();
  else if (role === "gateway") runGateway(Number(arg("upstream")));
  else if (role === "load") await runLoad();
  else {
    const pos = Deno.args.filter((a) => !a.startsWith("--"));
    const requests = Number(pos[0] ?? 3000);
    const concurrency = Number(pos[1] ?? 32);
    const loadArg = arg("load");
    const r = await runGatewayBench(
      requests,
      concurrency,
      loadArg === "wrk" || loadArg === "deno" ? loadArg : undefined,
    );
    const f = (n: number) => n.toFixed(3).padStart(9);
    const { direct: d, gateway: g } = r;
    console.log(
      `setup: upstream, gateway and load generator in separate processes on 127.0.0.1; ` +
        `latency: ${r.requests} interleaved requests per target at c=1 (Deno raw-socket client); ` +
        `throughput: ${
          r.load === "wrk" ? "wrk -t1, 2 s" : `Deno raw-socket client, ${r.requests * 3} requests`
        } per run at c=${r.concurrency}, 3 alternating runs per target, medians`,
    );
    console.log(`             p50 ms    p99 ms      req/s  loaded p50  loaded p99`);
    const row = (name: string, x: BenchResult) =>
      console.log(
        `${name.padEnd(8)} ${f(x.p50)} ${f(x.p99)} ${x.rps.toFixed(0).padStart(10)} ${
          f(x.loadedP50)
        }   ${f(x.loadedP99)}`,
      );
    row("direct", d);
    row("gateway", g);
    console.log(
      `added    ${f(g.p50 - d.p50)} ${f(g.p99 - d.p99)}   ${
        ((g.rps / d.rps) * 100).toFixed(1).padStart(7)
      }% ${f(g.loadedP50 - d.loadedP50)}   ${f(g.loadedP99 - d.loadedP99)}`,
    );
  }
}
