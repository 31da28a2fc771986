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
import {
  configMapValidationHook,
  knativeCrds,
  servingAdmissionHooks,
  servingConverters,
} from "../apis/mod.ts";
import { serveApiServerInWorker, startApiServer } from "../apiserver/mod.ts";
import { providerCrds } from "./provider_crds.ts";

/** The start message. */
export interface ApiWorkerStart {
  /** Always "start". */
  op: "start";
  /** Listener port (0 = any). */
  port: number;
  /** Durable state directory. */
  dataDir?: string;
  /** Kinds the ingress providers render (CRDs are installed for them). */
  providerKinds: { apiVersion: string; kind: string }[];
}

self.addEventListener("message", async function start(e: MessageEvent) {
  const m = e.data as ApiWorkerStart;
  if (m?.op !== "start") return;
  self.removeEventListener("message", start);
  try {
    const api = await startApiServer({
      port: m.port,
      dataDir: m.dataDir,
      crds: [...knativeCrds(), ...providerCrds(m.providerKinds)],
      admission: [...servingAdmissionHooks(), configMapValidationHook()],
      converters: servingConverters(),
      simulateWorkloads: true,
    });
    serveApiServerInWorker(self, api);
  } catch (err) {
    self.postMessage({ op: "failed", message: err instanceof Error ? err.message : String(err) });
  }
});
