/// <reference lib="deno.worker" />
/**
 * The local plane's API server Worker: started by `startLocalPlane` (with
 * `apiThread: "worker"`) so the API server, its watches and the workload
 * simulator run on a second core beside the controllers. The first message
 * carries {@link ApiWorkerStart}; the Worker then serves requests through
 * `serveApiServerInWorker`. Never imported directly: started with
 * `new Worker(new URL("./cli_api_worker.ts", import.meta.url), { type: "module" })`.
 * @module
 */
import { serveApiServerInWorker } from "../apiserver/mod.ts";
import { type LocalApiStart, startLocalApiServer } from "./cli_local_api.ts";

/** The start message. */
export interface ApiWorkerStart extends LocalApiStart {
  /** Always "start". */
  op: "start";
}

self.addEventListener("message", async function start(e: MessageEvent) {
  const m = e.data as ApiWorkerStart;
  if (m?.op !== "start") return;
  self.removeEventListener("message", start);
  try {
    serveApiServerInWorker(self, await startLocalApiServer(m));
  } catch (err) {
    self.postMessage({ op: "failed", message: err instanceof Error ? err.message : String(err) });
  }
});
