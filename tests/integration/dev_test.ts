/**
 * `denative dev` as a subprocess: prints where it listens, serves kubectl
 * through the kubeconfig it wrote, and exits 0 on SIGTERM.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { kubectl, spawnDev } from "./helpers.ts";

const SEED = new URL("../../examples/helloworld-go.yaml", import.meta.url).pathname;

Deno.test("dev runs the local plane until SIGTERM", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denative-dev-" });
  const kubeconfig = join(dir, "kc", "kubeconfig");
  const child = spawnDev(kubeconfig);
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  try {
    while (!out.includes("kubeconfig")) {
      const { value, done } = await reader.read();
      if (done) break;
      out += value;
    }
    assert.match(out, /API server\s+https:\/\/127\.0\.0\.1:\d+/);
    assert.match(out, /gateway\s+http:\/\/127\.0\.0\.1:\d+/);
    assert.ok(out.includes(kubeconfig));
    const applied = await kubectl(kubeconfig, ["apply", "-f", SEED]);
    assert.match(applied, /helloworld-go created/);
    const got = await kubectl(kubeconfig, [
      "get",
      "services.serving.knative.dev",
      "-n",
      "default",
      "-o",
      "name",
    ]);
    assert.match(got, /helloworld-go/);
  } finally {
    child.kill("SIGTERM");
    const rest = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        out += value;
      }
    })();
    const status = await child.status;
    await rest;
    await Deno.remove(dir, { recursive: true });
    assert.equal(status.code, 0, out);
    assert.match(out, /shutting down/);
  }
});
