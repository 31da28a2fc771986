import { strict as assert } from "node:assert";
import { jsonPath } from "../../apiserver/selectors.ts";

Deno.test("jsonPath evaluates the paths printer columns use", async (t) => {
  const obj = {
    metadata: {
      name: "rev-1",
      labels: { "serving.knative.dev/configuration": "cfg", "app": "x" },
    },
    status: {
      conditions: [{ type: "Active", status: "False" }, { type: "Ready", status: "True" }],
    },
  };
  const cases: { path: string; want: unknown[] }[] = [
    { path: ".metadata.name", want: ["rev-1"] },
    { path: ".metadata.labels['serving\\.knative\\.dev/configuration']", want: ["cfg"] },
    { path: '.metadata.labels["app"]', want: ["x"] },
    { path: ".metadata.labels['missing']", want: [] },
    { path: ".status.conditions[?(@.type=='Ready')].status", want: ["True"] },
    { path: ".status.conditions[0].type", want: ["Active"] },
    { path: ".status.conditions[-1].type", want: ["Ready"] },
    { path: ".status.conditions[*].type", want: ["Active", "Ready"] },
  ];
  for (const c of cases) {
    await t.step(c.path, () => assert.deepEqual(jsonPath(obj, c.path), c.want));
  }
});
