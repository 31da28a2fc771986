/**
 * Starts a control plane with a data directory and prints its URL, token and
 * CA as one JSON line; used by the crash test, which kills this process.
 * @module
 */
import { startApiServer } from "../../apiserver/mod.ts";

const s = await startApiServer({ port: 0, dataDir: Deno.args[0], simulateWorkloads: false });
console.log(JSON.stringify({ url: s.url, token: s.token, ca: s.caCert }));
Deno.addSignalListener("SIGTERM", () => s.close().then(() => Deno.exit(0)));
