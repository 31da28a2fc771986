/**
 * The local gateway's added latency and throughput against direct calls to
 * the same upstream, measured side by side in one run. The upstream and the
 * gateway each run in their own worker thread; the load generator runs here.
 *
 * `deno run -A bench/gateway_bench.ts [requests] [concurrency]` prints the
 * report; under `deno bench` the same pair is registered as two benches.
 * @module
 */

interface Started {
  worker: Worker;
  port: number;
}

function start(msg: Record<string, unknown>): Promise<Started> {
  const worker = new Worker(new URL("./gateway_server.ts", import.meta.url), { type: "module" });
  return new Promise((resolve) => {
    worker.onmessage = (e) => resolve({ worker, port: e.data.port });
    worker.postMessage(msg);
  });
}

function stop(s: Started): Promise<void> {
  return new Promise((resolve) => {
    s.worker.onmessage = () => {
      s.worker.terminate();
      resolve();
    };
    s.worker.postMessage({ role: "close" });
  });
}

async function once(url: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(url);
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
  return performance.now() - t0;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Per-target results. */
export interface BenchResult {
  /** Median latency, ms. */
  p50: number;
  /** 99th percentile latency, ms. */
  p99: number;
  /** Requests per second at the given concurrency. */
  rps: number;
}

/** Runs the comparison: sequential latency, interleaved, then concurrent throughput. */
export async function runGatewayBench(
  requests = 3000,
  concurrency = 32,
): Promise<{ direct: BenchResult; gateway: BenchResult }> {
  const up = await start({ role: "upstream" });
  const gw = await start({ role: "gateway", upstreamPort: up.port });
  const direct = `http://127.0.0.1:${up.port}/`;
  const viaGw = `http://127.0.0.1:${gw.port}/`;
  try {
    // Warm-up (connection pools, JIT).
    for (let i = 0; i < 300; i++) {
      await once(direct);
      await once(viaGw);
    }
    // Latency: alternate the two targets so both see the same machine state.
    const lat = { direct: [] as number[], gateway: [] as number[] };
    for (let i = 0; i < requests; i++) {
      lat.direct.push(await once(direct));
      lat.gateway.push(await once(viaGw));
    }
    // Throughput: `concurrency` loops, `requests` each target, bounded.
    const rps = async (url: string) => {
      let left = requests;
      const t0 = performance.now();
      await Promise.all(Array.from({ length: concurrency }, async () => {
        while (left-- > 0) await once(url);
      }));
      return requests / ((performance.now() - t0) / 1000);
    };
    const rDirect1 = await rps(direct);
    const rGw1 = await rps(viaGw);
    const rDirect2 = await rps(direct);
    const rGw2 = await rps(viaGw);
    const summarise = (xs: number[], r: number): BenchResult => {
      const s = [...xs].sort((a, b) => a - b);
      return { p50: pct(s, 50), p99: pct(s, 99), rps: r };
    };
    return {
      direct: summarise(lat.direct, (rDirect1 + rDirect2) / 2),
      gateway: summarise(lat.gateway, (rGw1 + rGw2) / 2),
    };
  } finally {
    await stop(gw);
    await stop(up);
  }
}

if (import.meta.main) {
  const requests = Number(Deno.args[0] ?? 3000);
  const concurrency = Number(Deno.args[1] ?? 32);
  const { direct, gateway } = await runGatewayBench(requests, concurrency);
  const f = (n: number) => n.toFixed(3).padStart(9);
  console.log(`requests per target: ${requests}, concurrency for req/s: ${concurrency}`);
  console.log(`             p50 ms    p99 ms      req/s`);
  console.log(`direct   ${f(direct.p50)} ${f(direct.p99)} ${direct.rps.toFixed(0).padStart(10)}`);
  console.log(
    `gateway  ${f(gateway.p50)} ${f(gateway.p99)} ${gateway.rps.toFixed(0).padStart(10)}`,
  );
  console.log(
    `added    ${f(gateway.p50 - direct.p50)} ${f(gateway.p99 - direct.p99)}   ${
      ((gateway.rps / direct.rps) * 100).toFixed(1).padStart(7)
    }% of direct`,
  );
}
