/// <reference lib="deno.worker" />
/** A Worker serving a plain API server (one watch at most) for thread_test.ts. */
import { serveApiServerInWorker, startApiServer } from "../../apiserver/mod.ts";

const api = await startApiServer({ port: 0, simulateWorkloads: false, maxWatches: 1 });
serveApiServerInWorker(self, api);
