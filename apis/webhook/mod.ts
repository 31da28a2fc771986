/**
 * The admission webhook server and its certificates.
 * @module
 */
export * from "./certs.ts";
export * from "./json_patch.ts";
export * from "./server.ts";
