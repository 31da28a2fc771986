/**
 * `examples/helloworld-go.yaml` is the project's seed, unchanged but for one
 * `# deno-fmt-ignore-file` line; CI has `shared/` beside the clone to compare.
 */
import assert from "node:assert/strict";

const SHARED_SEED = new URL("../../../shared/seed/helloworld-go.yaml", import.meta.url);
const EXAMPLE = new URL("../../examples/helloworld-go.yaml", import.meta.url);

let seed: string | undefined;
try {
  seed = await Deno.readTextFile(SHARED_SEED);
} catch {
  seed = undefined;
}

Deno.test({
  name: "examples/helloworld-go.yaml is the seed" +
    (seed === undefined ? " (ignored: shared/seed is not beside this clone)" : ""),
  ignore: seed === undefined,
  fn: async () => {
    const example = (await Deno.readTextFile(EXAMPLE))
      .split("\n").filter((l) => l !== "# deno-fmt-ignore-file").join("\n");
    assert.equal(example, seed);
  },
});
