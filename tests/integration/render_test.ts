/**
 * `render` of the seed against a golden file, and an invalid input.
 * Regenerate the golden with `UPDATE_GOLDEN=1 deno test -A tests/integration/render_test.ts`.
 */
import assert from "node:assert/strict";
import { render } from "../../controllers/cli.ts";
import { formatList, parseObjects } from "../../controllers/render_output.ts";

const SEED = new URL("../../examples/helloworld-go.yaml", import.meta.url);
const GOLDEN = new URL("./testdata/helloworld-go.render.yaml", import.meta.url);
const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "render of the seed matches the golden List",
  ...opts,
  fn: async () => {
    const inputs = parseObjects(await Deno.readTextFile(SEED), "helloworld-go.yaml");
    const got = formatList(await render(inputs), "yaml");
    if (Deno.env.get("UPDATE_GOLDEN")) await Deno.writeTextFile(GOLDEN, got);
    assert.equal(got, await Deno.readTextFile(GOLDEN));
    // The seed's graph, Ready, with Knative's default class and example.com.
    assert.match(got, /url: http:\/\/helloworld-go\.default\.example\.com/);
    assert.match(
      got,
      /networking\.knative\.dev\/ingress\.class: istio\.ingress\.networking\.knative\.dev/,
    );
    assert.match(got, /kind: VirtualService/);
    assert.doesNotMatch(got, /uid:|resourceVersion:|lastTransitionTime:|creationTimestamp:/);
  },
});

Deno.test({
  name: "render rejects an invalid input with the validation message",
  ...opts,
  fn: async () => {
    const bad = parseObjects(
      `apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: bad, namespace: default}
spec:
  template:
    spec:
      containers: [{image: img, ports: [{containerPort: 8080}, {containerPort: 8081}]}]
`,
      "bad.yaml",
    );
    await assert.rejects(() => render(bad), /Service "bad":.*ports/);
  },
});
