/**
 * The `dataplane` layer: the local gateway (a loopback reverse proxy the
 * `local` ingress provider programs).
 * @module
 */
export * from "./gateway/table.ts";
export * from "./gateway/resolver.ts";
export * from "./gateway/server.ts";
