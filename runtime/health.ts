/**
 * `/healthz`, `/readyz` and `/metrics` served with hono.
 * @module
 */
import { Hono } from "hono";
import type { ManagerHealth } from "./manager.ts";

/** What the health server reports on. */
export interface HealthSource {
  /** Probes. */
  health: ManagerHealth;
  /** Metrics renderer. */
  metrics: { render(): string };
}

/** Builds the hono app (useful for tests without a socket). */
export function healthApp(src: HealthSource): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => (src.health.live() ? c.text("ok") : c.text("not live", 503)));
  app.get("/readyz", (c) => (src.health.ready() ? c.text("ok") : c.text("not ready", 503)));
  app.get(
    "/metrics",
    (c) => c.body(src.metrics.render(), 200, { "content-type": "text/plain; version=0.0.4" }),
  );
  return app;
}

/** A running health server. */
export interface HealthServer {
  /** The bound port. */
  port: number;
  /** Stops the server. */
  shutdown(): Promise<void>;
}

/** Serves the health app on `hostname:port` (default 127.0.0.1, port 0 = any). */
export function serveHealth(
  src: HealthSource,
  opts: { port?: number; hostname?: string } = {},
): HealthServer {
  const app = healthApp(src);
  const server = Deno.serve(
    { port: opts.port ?? 0, hostname: opts.hostname ?? "127.0.0.1", onListen: () => {} },
    app.fetch,
  );
  return { port: server.addr.port, shutdown: () => server.shutdown() };
}
