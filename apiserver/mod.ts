/**
 * The local control plane: a Kubernetes-compatible API server (hono) with
 * storage, watch, discovery, garbage collection and workload simulation.
 * @module
 */
export { type ApiServer, type ApiServerOptions, startApiServer } from "./server.ts";
export { ApiError } from "./errors.ts";
export {
  connectApiServerWorker,
  type MessagePort,
  serveApiServerInWorker,
  THREAD_BODY_HIGH_WATER,
  type ThreadReply,
  type ThreadRequest,
} from "./thread.ts";
export type { ConnectOptions } from "./thread.ts";
