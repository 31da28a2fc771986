import assert from "node:assert/strict";
import { parseControllerArgs } from "../../../controllers/cli.ts";

Deno.test("controller flags", async (t) => {
  await t.step("defaults", () => {
    assert.deepEqual(parseControllerArgs([]), {
      webhook: true,
      healthPort: 8080,
      webhookPort: 8443,
      plugins: [],
    });
  });
  await t.step("every flag, with and without =", () => {
    assert.deepEqual(
      parseControllerArgs([
        "--kubeconfig",
        "/k",
        "--context=c",
        "--health-port",
        "0",
        "--webhook-port=9443",
        "--webhook-host",
        "127.0.0.1",
        "--plugin",
        "x.wasm=ff",
      ]),
      {
        kubeconfig: "/k",
        context: "c",
        webhook: true,
        healthPort: 0,
        webhookPort: 9443,
        webhookHost: "127.0.0.1",
        plugins: ["x.wasm=ff"],
      },
    );
    assert.equal(parseControllerArgs(["--no-webhook"]).webhook, false);
  });
  await t.step("bad input is refused with the flag's name", () => {
    assert.throws(() => parseControllerArgs(["--webhook-port", "99999"]), /--webhook-port/);
    assert.throws(() => parseControllerArgs(["--webhook-host"]), /--webhook-host needs a value/);
    assert.throws(() => parseControllerArgs(["--bogus"]), /unknown flag/);
  });
});
