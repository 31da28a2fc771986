/**
 * Worker for `gateway_bench.ts`: runs either the upstream (a tiny loopback
 * HTTP server) or the local gateway in front of it, each in its own thread.
 * @module
 */
import { startGateway, staticEndpointResolver } from "../dataplane/mod.ts";

/** Messages the bench sends. */
export type BenchWorkerRequest =
  | { role: "upstream" }
  | { role: "gateway"; upstreamPort: number }
  | { role: "close" };

let close: () => Promise<void> = () => Promise.resolve();

/** The worker global, typed for what this module uses. */
const worker = self as unknown as {
  onmessage: ((e: MessageEvent<BenchWorkerRequest>) => void) | null;
  postMessage(msg: unknown): void;
  close(): void;
};

worker.onmessage = async (e: MessageEvent<BenchWorkerRequest>) => {
  const msg = e.data;
  if (msg.role === "upstream") {
    const body = new TextEncoder().encode("hello from the upstream\n");
    const server = Deno.serve(
      { port: 0, hostname: "127.0.0.1", onListen() {} },
      () => new Response(body, { headers: { "content-type": "text/plain" } }),
    );
    close = () => server.shutdown();
    worker.postMessage({ port: server.addr.port });
  } else if (msg.role === "gateway") {
    const gw = startGateway({
      resolver: staticEndpointResolver({
        "default/bench-00001": [{ ip: "127.0.0.1", port: msg.upstreamPort }],
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
    close = () => gw.close();
    worker.postMessage({ port: gw.port });
  } else {
    await close();
    worker.postMessage({ closed: true });
    worker.close();
  }
};
