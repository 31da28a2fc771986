/// <reference lib="deno.worker" />
/**
 * A Worker serving a plain API server for thread_test.ts. The first message
 * is `{ maxWatches }`; a later `{ op: "crash" }` throws an uncaught error in
 * the Worker, as a bug in the server or simulator would.
 */
import { serveApiServerInWorker, startApiServer } from "../../apiserver/mod.ts";

self.addEventListener("message", async function config(e: MessageEvent) {
  self.removeEventListener("message", config);
  const api = await startApiServer({
    port: 0,
    simulateWorkloads: false,
    maxWatches: (e.data as { maxWatches: number }).maxWatches,
  });
  self.addEventListener("message", (m: MessageEvent) => {
    if ((m.data as { op?: string }).op === "crash") {
      setTimeout(() => {
        throw new Error("boom");
      });
    }
  });
  serveApiServerInWorker(self, api);
});
