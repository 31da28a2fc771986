import assert from "node:assert/strict";
import { servingPlugins } from "../../../controllers/mod.ts";

Deno.test("servingPlugins", async (t) => {
  await t.step("every serving controller, then the ingress reconciler", () => {
    assert.deepEqual(servingPlugins().map((p) => p.name), [
      "service",
      "configuration",
      "revision",
      "podautoscaler",
      "serverlessservice",
      "route",
      "labeler",
      "revision-gc",
      "ingress",
    ]);
  });
  await t.step("the ingress reconciler can be left out; extras are appended", () => {
    const extra = { ...servingPlugins()[0], name: "extra" };
    const names = servingPlugins({ ingressRegistry: false, extra: [extra] }).map((p) => p.name);
    assert.equal(names.includes("ingress"), false);
    assert.equal(names.at(-1), "extra");
  });
});
