/**
 * The local gateway's added latency and throughput against direct calls to
 * the same upstream, measured side by side in one run.
 *
 * Setup: the upstream (a tiny `Deno.serve` answering 24 bytes), the gateway
 * (`startGateway` in front of it), a reference byte pass-through proxy (no
 * HTTP parsing at all: the floor for any Deno loopback proxy) and the load
 * generator each run in their own OS process, so none of them shares an
 * event loop with another (in production the gateway and the revision are
 * separate processes too).
 *
 * - Latency: one keep-alive connection to each target, requests alternating
 *   direct / gateway (so both see the same machine state), concurrency 1.
 * - Throughput: `rounds` rounds; each round runs every target once, back to
 *   back, with `concurrency` keep-alive connections (the order rotates from
 *   round to round), and the gateway / direct ratio is taken within the
 *   round. Medians over the rounds are reported, with every round shown.
 *   The load side is `wrk -t1` when it is on PATH (`--load=deno` forces the
 *   built-in one), else a raw-socket Deno HTTP/1.1 client in its own
 *   process; all targets always get the same client and concurrency.
 * - CPU (Linux): for each run, the CPU time per request of the load
 *   generator, the upstream and the proxy (from `/proc/<pid>/stat`), the
 *   kernel's softirq time per request and how busy the whole machine was
 *   (from `/proc/stat`), and the load average: on a shared machine a
 *   throughput ratio only means something next to these.
 *
 * `deno run -A bench/gateway_bench.ts [requests] [concurrency] [--rounds=5]
 * [--seconds=2] [--load=wrk|deno] [--json]` prints the report. The same file,
 * run with `--role=...`, is the upstream, the gateway, the pass-through or
 * the load generator child process.
 * @module
 */
import { startGateway, staticEndpointResolver } from "../dataplane/mod.ts";

/** CPU time per request (µs) during one throughput run, and how busy the machine was. */
export interface CpuSample {
  /** The load generator's CPU per request, µs. */
  load: number;
  /** The upstream's CPU per request, µs. */
  upstream: number;
  /** The proxy's CPU per request (0 for direct runs), µs. */
  proxy: number;
  /** Kernel softirq time per request, machine-wide (loopback packet delivery), µs. */
  softirq: number;
  /** Share of the machine's CPU time that was busy (all processes), 0–1. */
  busy: number;
}

/** One throughput run of one target. */
export interface RunSample {
  /** Requests per second. */
  rps: number;
  /** Median latency under load, ms. */
  p50: number;
  /** 99th percentile latency under load, ms. */
  p99: number;
  /** CPU accounting (null where `/proc` is unavailable). */
  cpu: CpuSample | null;
}

/** One round: each target once, back to back. */
export interface BenchRound {
  /** The upstream called directly. */
  direct: RunSample;
  /** Through the gateway. */
  gateway: RunSample;
  /** Through the byte pass-through reference proxy. */
  passthrough: RunSample;
  /** 1-minute load average when the round ended. */
  loadavg: number;
}

/** Latency at concurrency 1, ms. */
export interface LatencyResult {
  /** Median. */
  p50: number;
  /** 99th percentile. */
  p99: number;
}

/** The whole report. */
export interface GatewayBenchReport {
  /** Interleaved latency at concurrency 1. */
  latency: { direct: LatencyResult; gateway: LatencyResult };
  /** Every throughput round. */
  rounds: BenchRound[];
  /** Which load generator measured throughput. */
  load: "wrk" | "deno";
  /** Requests per target in the latency phase. */
  requests: number;
  /** Connections in the throughput phase. */
  concurrency: number;
  /** Seconds per throughput run (wrk). */
  seconds: number;
  /** Logical CPUs of the machine. */
  cpus: number;
  /** Load averages (1, 5, 15 min) before the bench started. */
  loadavgBefore: number[];
}

const enc = new TextEncoder();

function arg(name: string): string | undefined {
  const a = Deno.args.find((x) => x.startsWith(`--${name}=`));
  return a?.slice(name.length + 3);
}

function pct(sorted: ArrayLike<number>, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** The median of `xs`. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

// ---------------------------------------------------------------------------
// CPU accounting (Linux /proc).

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** utime + stime (+ cutime + cstime of waited-for children), ms; null off Linux. */
function procCpuMs(pid: number | "self", children = false): number | null {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // f[0] is field 3 (state): utime is field 14, stime 15, cutime 16, cstime 17.
    const ticks = Number(f[11]) + Number(f[12]) + (children ? Number(f[13]) + Number(f[14]) : 0);
    return ticks * TICK_MS;
  } catch {
    return null;
  }
}

/** Machine-wide CPU ticks: [busy, idle, softirq]; null off Linux. */
function machineTicks(): [number, number, number] | null {
  try {
    const line = Deno.readTextFileSync("/proc/stat").split("\n")[0];
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = v;
    return [user + nice + system + irq + softirq + (steal ?? 0), idle + iowait, softirq];
  } catch {
    return null;
  }
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

/**
 * The reference: each client connection gets its own upstream connection and
 * bytes are copied both ways as they come, with no HTTP parsing at all. No
 * Deno proxy can do less per request.
 */
function runPassthrough(upstreamPort: number): void {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const pump = async (from: Deno.Conn, to: Deno.Conn) => {
    const buf = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await from.read(buf);
        if (n === null) break;
        let off = 0;
        while (off < n) off += await to.write(buf.subarray(off, n));
      }
    } catch { /* either side went away */ }
    for (const c of [from, to]) {
      try {
        c.close();
      } catch { /* closed */ }
    }
  };
  (async () => {
    for await (const client of listener) {
      client.setNoDelay(true);
      Deno.connect({ hostname: "127.0.0.1", port: upstreamPort }).then((up) => {
        up.setNoDelay(true);
        void pump(client, up);
        void pump(up, client);
      }, () => client.close());
    }
  })();
  console.log(JSON.stringify({ port: (listener.addr as Deno.NetAddr).port }));
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
  const cpu0 = procCpuMs("self");
  const t0 = performance.now();
  await Promise.all(clients.map(async (c) => {
    while (next < requests) {
      const i = next++;
      lat[i] = await c.get();
    }
  }));
  const secs = (performance.now() - t0) / 1000;
  const cpu1 = procCpuMs("self");
  for (const c of clients) c.close();
  lat.sort();
  console.log(JSON.stringify({
    rps: requests / secs,
    p50: pct(lat, 50),
    p99: pct(lat, 99),
    requests,
    cpuMs: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0,
  }));
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

interface LoadRun {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  /** The load generator's CPU time, ms (null when unknown). */
  cpuMs: number | null;
}

/** wrk under a shell that prints its children's CPU time when wrk has exited. */
async function wrkRun(port: number, concurrency: number, seconds: number): Promise<LoadRun> {
  const out = await new Deno.Command("bash", {
    args: [
      "-c",
      `wrk -t1 -c${concurrency} -d${seconds}s --latency http://127.0.0.1:${port}/; ` +
      `echo "children-stat: $(cat /proc/$$/stat 2>/dev/null)"`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const rps = /Requests\/sec:\s*([\d.]+)/.exec(text);
  const p50 = /\s50%\s+([\d.]+)(us|ms|s)/.exec(text);
  const p99 = /\s99%\s+([\d.]+)(us|ms|s)/.exec(text);
  const total = /(\d+) requests in/.exec(text);
  if (!rps || !p50 || !p99 || !total || /Non-2xx/.test(text)) throw new Error(`wrk: ${text}`);
  let cpuMs: number | null = null;
  const stat = /children-stat: .*\) (.*)/.exec(text);
  if (stat) {
    const f = stat[1].split(" ");
    cpuMs = (Number(f[13]) + Number(f[14])) * TICK_MS;
  }
  return {
    rps: Number(rps[1]),
    p50: wrkMs(p50[1], p50[2]),
    p99: wrkMs(p99[1], p99[2]),
    requests: Number(total[1]),
    cpuMs,
  };
}

/** Runs the comparison (upstream, proxies and load each in their own process). */
export async function runGatewayBench(
  opts: {
    requests?: number;
    concurrency?: number;
    rounds?: number;
    seconds?: number;
    load?: "wrk" | "deno";
  } = {},
): Promise<GatewayBenchReport> {
  const requests = opts.requests ?? 3000;
  const concurrency = opts.concurrency ?? 32;
  const rounds = opts.rounds ?? 5;
  const seconds = opts.seconds ?? 2;
  const load = opts.load ?? (hasWrk() ? "wrk" : "deno");
  const loadavgBefore = Deno.loadavg();
  const up = await spawnRole("upstream");
  const gw = await spawnRole("gateway", [`--upstream=${up.port}`]);
  const pt = await spawnRole("passthrough", [`--upstream=${up.port}`]);
  try {
    const latency = await runChild([
      "--role=load",
      "--phase=latency",
      `--ports=${up.port},${gw.port}`,
      `--requests=${requests}`,
      "--concurrency=1",
    ]) as unknown as GatewayBenchReport["latency"];

    const measure = async (port: number, proxyPid: number | null): Promise<RunSample> => {
      const upCpu0 = procCpuMs(up.proc.pid);
      const proxyCpu0 = proxyPid === null ? 0 : procCpuMs(proxyPid);
      const m0 = machineTicks();
      const run = load === "wrk" ? await wrkRun(port, concurrency, seconds) : await runChild([
        "--role=load",
        "--phase=throughput",
        `--ports=${up.port},${port}`,
        `--port=${port}`,
        `--requests=${requests * 10}`,
        `--concurrency=${concurrency}`,
      ]) as unknown as LoadRun;
      const upCpu1 = procCpuMs(up.proc.pid);
      const proxyCpu1 = proxyPid === null ? 0 : procCpuMs(proxyPid);
      const m1 = machineTicks();
      let cpu: CpuSample | null = null;
      if (
        upCpu0 !== null && upCpu1 !== null && proxyCpu0 !== null && proxyCpu1 !== null &&
        m0 && m1 && run.cpuMs !== null
      ) {
        const perReq = (ms: number) => (ms * 1000) / run.requests;
        const busy = m1[0] - m0[0];
        cpu = {
          load: perReq(run.cpuMs),
          upstream: perReq(upCpu1 - upCpu0),
          proxy: perReq(proxyCpu1 - proxyCpu0),
          softirq: perReq((m1[2] - m0[2]) * TICK_MS),
          busy: busy / Math.max(1, busy + (m1[1] - m0[1])),
        };
      }
      return { rps: run.rps, p50: run.p50, p99: run.p99, cpu };
    };

    const targets = [
      ["direct", up.port, null],
      ["gateway", gw.port, gw.proc.pid],
      ["passthrough", pt.port, pt.proc.pid],
    ] as const;
    const out: BenchRound[] = [];
    for (let r = 0; r < rounds; r++) {
      const round: Partial<BenchRound> = {};
      // Rotate the order so no target always runs first (or right after another).
      for (let k = 0; k < targets.length; k++) {
        const [name, port, pid] = targets[(r + k) % targets.length];
        round[name] = await measure(port, pid);
      }
      round.loadavg = Deno.loadavg()[0];
      out.push(round as BenchRound);
    }
    return {
      latency,
      rounds: out,
      load,
      requests,
      concurrency,
      seconds,
      cpus: navigator.hardwareConcurrency,
      loadavgBefore,
    };
  } finally {
    for (const c of [pt, gw, up]) {
      try {
        c.proc.kill("SIGTERM");
      } catch { /* already gone */ }
      await c.proc.status;
    }
  }
}

/** The report as text: every round, then the medians. */
export function formatReport(r: GatewayBenchReport): string {
  const lines: string[] = [];
  const f = (n: number, d = 3, w = 7) => n.toFixed(d).padStart(w);
  const us = (n: number | undefined) => (n === undefined ? "    -" : n.toFixed(1).padStart(5));
  lines.push(
    `setup: upstream (Deno.serve, 24 B), gateway, byte pass-through reference and load generator ` +
      `in separate processes on 127.0.0.1; ${r.cpus} CPUs; load average before: ${
        r.loadavgBefore.map((x) => x.toFixed(2)).join(" ")
      }`,
  );
  const { direct: ld, gateway: lg } = r.latency;
  lines.push(
    `latency, c=1, ${r.requests} interleaved requests per target (Deno raw-socket client):`,
    `  direct  p50 ${f(ld.p50)} ms  p99 ${f(ld.p99)} ms`,
    `  gateway p50 ${f(lg.p50)} ms  p99 ${f(lg.p99)} ms`,
    `  added   p50 ${f(lg.p50 - ld.p50)} ms  p99 ${f(lg.p99 - ld.p99)} ms`,
    `throughput, c=${r.concurrency}, ${
      r.load === "wrk"
        ? `wrk -t1 ${r.seconds} s`
        : `Deno raw-socket client, ${r.requests * 10} requests`
    } per run, ${r.rounds.length} rounds (each target once per round, order rotating):`,
    `  CPU µs per request: ld = load generator, up = upstream, px = proxy, si = kernel softirq; ` +
      `busy = whole machine`,
    `  round  target        req/s  ratio   p50 ms   p99 ms     ld    up    px    si  busy  load1`,
  );
  for (const [i, round] of r.rounds.entries()) {
    for (const name of ["direct", "gateway", "passthrough"] as const) {
      const s = round[name];
      const ratio = name === "direct" ? "" : `${((s.rps / round.direct.rps) * 100).toFixed(0)}%`;
      lines.push(
        `  ${name === "direct" ? String(i + 1).padStart(5) : "     "}  ${name.padEnd(11)} ${
          s.rps.toFixed(0).padStart(7)
        }  ${ratio.padStart(5)}  ${f(s.p50)}  ${f(s.p99)}  ${us(s.cpu?.load)} ${
          us(s.cpu?.upstream)
        } ${name === "direct" ? "    -" : us(s.cpu?.proxy)} ${us(s.cpu?.softirq)}  ${
          s.cpu ? `${(s.cpu.busy * 100).toFixed(0)}%`.padStart(4) : "   -"
        }  ${name === "direct" ? round.loadavg.toFixed(2).padStart(5) : ""}`,
      );
    }
  }
  const med = (pick: (x: BenchRound) => number) => median(r.rounds.map(pick));
  const cpuMed = (name: "direct" | "gateway" | "passthrough", k: keyof CpuSample) =>
    r.rounds.every((x) => x[name].cpu) ? med((x) => x[name].cpu![k]) : NaN;
  lines.push("medians over the rounds:");
  for (const name of ["direct", "gateway", "passthrough"] as const) {
    const ratio = name === "direct"
      ? "      "
      : `${(med((x) => x[name].rps / x.direct.rps) * 100).toFixed(1).padStart(5)}%`;
    lines.push(
      `  ${name.padEnd(11)} ${med((x) => x[name].rps).toFixed(0).padStart(7)} req/s  ${ratio}` +
        `  loaded p50 ${f(med((x) => x[name].p50))} ms  p99 ${f(med((x) => x[name].p99))} ms` +
        `  CPU µs/req: ld ${us(cpuMed(name, "load"))} up ${us(cpuMed(name, "upstream"))}` +
        (name === "direct" ? "" : ` px ${us(cpuMed(name, "proxy"))}`) +
        ` si ${us(cpuMed(name, "softirq"))}`,
    );
  }
  const busyLow = r.rounds.some((x) => x.direct.cpu && x.direct.cpu.busy < 0.9);
  const loaded = r.loadavgBefore[0] > r.cpus / 4;
  if (loaded) {
    lines.push(
      `note: the load average was ${r.loadavgBefore[0].toFixed(2)} before the bench on ${r.cpus} ` +
        `CPUs: other work shared the machine, so absolute req/s are depressed and noisy; ` +
        `the per-round ratios and CPU µs/request are the comparable numbers.`,
    );
  }
  if (!busyLow && r.rounds.every((x) => x.direct.cpu)) {
    lines.push(
      `note: the machine was CPU-saturated during the direct runs, so throughput is bounded by ` +
        `total CPU per request: the ratio tracks (ld+up+si direct) / (ld+up+px+si gateway).`,
    );
  }
  return lines.join("\n");
}

if (import.meta.main) {
  const role = arg("role");
  if (role === "upstream") runUpstream();
  else if (role === "gateway") runGateway(Number(arg("upstream")));
  else if (role === "passthrough") runPassthrough(Number(arg("upstream")));
  else if (role === "load") await runLoad();
  else {
    const pos = Deno.args.filter((a) => !a.startsWith("--"));
    const loadArg = arg("load");
    const report = await runGatewayBench({
      requests: Number(pos[0] ?? 3000),
      concurrency: Number(pos[1] ?? 32),
      rounds: Number(arg("rounds") ?? 5),
      seconds: Number(arg("seconds") ?? 2),
      load: loadArg === "wrk" || loadArg === "deno" ? loadArg : undefined,
    });
    console.log(Deno.args.includes("--json") ? JSON.stringify(report) : formatReport(report));
  }
}
