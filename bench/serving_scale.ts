/**
 * Scale benchmark: creates 1, 100 and 1,000 Knative Services on a fresh
 * local control plane (API server + every controller, in this process) and
 * prints apply→Ready p50/p95, total time (first apply to last Ready), peak RSS,
 * the main thread's peak V8 heap, and the CPU seconds the process used (all threads) for
 * each size.
 *
 *   deno run -A bench/serving_scale.ts [SIZES…]      (default: 1 100 1000)
 *
 * Each size runs in a fresh process, so the peak RSS is that run's alone.
 *
 * Set BENCH_TIMEOUT_S to bound each size (default 120 s), BENCH_NAMESPACES to
 * spread the Services over that many namespaces (default 1, all in `default`),
 * BENCH_API_THREAD to choose where the API server runs (`main`, `worker`, or
 * the default `main,worker`: each size on this thread, then each size with the
 * API server in its own Worker, as `dev --api-thread worker` runs it),
 * BENCH_WORKERS for the workers per controller, BENCH_TRANSPORT=http to have
 * the controllers use the HTTPS listener instead of the in-process transport
 * (the applying client always uses HTTPS, as kubectl does), BENCH_METRICS=1 to print
 * reconcile counts, reconcile errors by controller and reason, rate-limited
 * retries and the seconds the global retry rate cap held them.
 * @module
 */
import { startLocalPlane } from "../controllers/cli.ts";
import { HttpKubeClient, type KubeObject } from "../runtime/mod.ts";

const SV1 = "serving.knative.dev/v1";

function service(name: string, namespace: string): KubeObject {
  return {
    apiVersion: SV1,
    kind: "Service",
    metadata: { name, namespace },
    spec: {
      template: {
        spec: {
          containers: [{
            image: "registry.cn-shanghai.aliyuncs.com/larus/helloworld-go",
            env: [{ name: "TARGET", value: name }],
          }],
        },
      },
    },
  };
}

function ready(o: KubeObject): boolean {
  const st = o.status as
    | { observedGeneration?: number; conditions?: { type: string; status: string }[] }
    | undefined;
  return st?.observedGeneration === o.metadata.generation &&
    st?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;
}

/** CPU seconds (user + system) this process has used, from /proc (NaN elsewhere). */
function cpuSeconds(): number {
  try {
    const f = Deno.readTextFileSync("/proc/self/stat").split(") ")[1].split(" ");
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return NaN;
  }
}

function pct(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** One table row. */
function row(r: ScaleResult): string {
  return [
    r.apiThread.padEnd(6),
    String(r.n).padStart(8),
    String(r.ready).padStart(6),
    r.p50.toFixed(0).padStart(8),
    r.p95.toFixed(0).padStart(8),
    (r.totalMs / 1000).toFixed(2).padStart(9),
    (r.peakRss / 2 ** 20).toFixed(0).padStart(12),
    (r.peakMainHeap / 2 ** 20).toFixed(0).padStart(14),
    r.cpuSeconds.toFixed(1).padStart(7),
  ].join(" ");
}

/** Result of one size. */
export interface ScaleResult {
  /** Where the API server ran. */
  apiThread: "main" | "worker";
  /** Services created. */
  n: number;
  /** Services that became Ready. */
  ready: number;
  /** Median apply→Ready (ms). */
  p50: number;
  /** 95th percentile apply→Ready (ms). */
  p95: number;
  /** First apply to last Ready (ms). */
  totalMs: number;
  /** Peak resident set size (bytes). */
  peakRss: number;
  /** Peak V8 heap (heapTotal) of the main thread's isolate (bytes); a Worker's heap is not in it. */
  peakMainHeap: number;
  /** CPU seconds the process used from first apply to last Ready (all threads). */
  cpuSeconds: number;
}

/** Runs one size on a fresh plane. */
export async function runScale(
  n: number,
  timeoutMs: number,
  namespaces = 1,
  apiThread: "main" | "worker" = "main",
): Promise<ScaleResult> {
  const workers = Deno.env.get("BENCH_WORKERS");
  const transport = Deno.env.get("BENCH_TRANSPORT") === "http" ? "http" : "in-process";
  const plane = await startLocalPlane({
    apiPort: 0,
    workers: workers ? Number(workers) : undefined,
    transport,
    apiThread,
  });
  // Services are applied and watched over HTTPS, as kubectl would (with the plane's token, so
  // this process does not load a kubeconfig reader the plane itself does without).
  const user = HttpKubeClient.forServer({
    server: plane.api.url,
    token: plane.api.token,
    caCert: plane.api.caCert,
  });
  let peakRss = Deno.memoryUsage().rss;
  let peakHeap = 0;
  const sampler = setInterval(() => {
    const mu = Deno.memoryUsage();
    peakRss = Math.max(peakRss, mu.rss);
    peakHeap = Math.max(peakHeap, mu.heapTotal);
  }, 50);
  const applied = new Map<string, number>();
  const readyAt = new Map<string, number>();
  const abort = new AbortController();
  let allReady: () => void = () => {};
  const done = new Promise<void>((r) => (allReady = r));
  try {
    const nsOf = (i: number) => namespaces === 1 ? "default" : `bench-${i % namespaces}`;
    for (let i = 0; i < namespaces; i++) {
      if (nsOf(i) === "default") continue;
      await user.create({
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: nsOf(i) },
      });
    }
    const stream = await user.watch(
      { apiVersion: SV1, kind: "Service" },
      { signal: abort.signal },
    );
    const watching = (async () => {
      try {
        for await (const ev of stream) {
          const o = ev.object;
          const name = `${o.metadata?.namespace}/${o.metadata?.name}`;
          if (ev.type !== "DELETED" && !readyAt.has(name) && applied.has(name) && ready(o)) {
            readyAt.set(name, performance.now());
            if (readyAt.size === n) allReady();
          }
        }
      } catch { /* aborted */ }
    })();
    const start = performance.now();
    const cpu0 = cpuSeconds();
    const queue = Array.from({ length: n }, (_, i) => i);
    await Promise.all(Array.from({ length: Math.min(16, n) }, async () => {
      for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
        const name = `svc-${String(i).padStart(4, "0")}`;
        applied.set(`${nsOf(i)}/${name}`, performance.now());
        await user.create(service(name, nsOf(i)));
      }
    }));
    const createdMs = performance.now() - start;
    if (Deno.env.get("BENCH_METRICS")) {
      console.error(`all ${n} created after ${createdMs.toFixed(0)} ms`);
    }
    await Promise.race([done, new Promise((r) => setTimeout(r, timeoutMs))]);
    const cpuUsed = cpuSeconds() - cpu0;
    abort.abort();
    void watching; // ends when the API server closes its watches
    if (Deno.env.get("BENCH_METRICS")) {
      const lines = plane.manager.metrics.render().split("\n")
        .filter((l) =>
          /^\w*reconcile_errors\w*total|^\w*reconcile_total|work_?queue_(retries|rate_limit)/
            .test(l)
        );
      console.error(lines.join("\n"));
      console.error(
        `events: ${plane.manager.recorder.pending} waiting, ${plane.manager.recorder.dropped} dropped`,
      );
    }
    const lat = [...readyAt].map(([k, t]) => t - applied.get(k)!).sort((a, b) => a - b);
    const last = Math.max(start, ...readyAt.values());
    const result = {
      apiThread,
      n,
      ready: readyAt.size,
      p50: pct(lat, 50),
      p95: pct(lat, 95),
      totalMs: last - start,
      peakRss,
      peakMainHeap: peakHeap,
      cpuSeconds: cpuUsed,
    };
    if (Deno.env.get("BENCH_METRICS")) console.error(row(result));
    return result;
  } finally {
    clearInterval(sampler);
    user.close();
    await plane.stop();
  }
}

if (import.meta.main) {
  const timeoutMs = Number(Deno.env.get("BENCH_TIMEOUT_S") ?? 120) * 1000;
  const namespaces = Number(Deno.env.get("BENCH_NAMESPACES") ?? 1);
  if (Deno.args[0] === "--one") {
    // one size in this (fresh) process; the parent prints the row
    const th = Deno.args[1] as "main" | "worker";
    const r = await runScale(Number(Deno.args[2]), timeoutMs, namespaces, th);
    console.log(`RESULT ${JSON.stringify(r)}`);
    Deno.exit(0); // a watch the client could not cancel may keep the event loop alive
  }
  const sizes = Deno.args.length ? Deno.args.map(Number) : [1, 100, 1000];
  const threads = (Deno.env.get("BENCH_API_THREAD") ?? "main,worker").split(",") as (
    | "main"
    | "worker"
  )[];
  console.log(
    "api    services  ready  p50(ms)  p95(ms)  total(s)  peakRSS(MB)  mainHeap(MB)  cpu(s)",
  );
  for (const th of threads) {
    for (const n of sizes) {
      // each size in its own process, so peak RSS is that run's alone
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", new URL(import.meta.url).pathname, "--one", th, String(n)],
        stdout: "piped",
        stderr: "inherit",
      }).output();
      const line = new TextDecoder().decode(out.stdout).split("\n").find((l) =>
        l.startsWith("RESULT ")
      );
      if (!out.success || !line) {
        console.log(`${th.padEnd(6)} ${String(n).padStart(8)}  failed (exit ${out.code})`);
        continue;
      }
      console.log(row(JSON.parse(line.slice("RESULT ".length)) as ScaleResult));
    }
  }
}
