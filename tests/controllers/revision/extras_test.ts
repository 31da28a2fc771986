import { strict as assert } from "node:assert";
import { profilingEnabled } from "../../../controllers/revision/extras.ts";
import { parseObservabilityConfig } from "../../../apis/mod.ts";

Deno.test("profilingEnabled", async (t) => {
  const cases: { name: string; data: Record<string, string>; want: boolean }[] = [
    { name: "default is off", data: {}, want: false },
    { name: "runtime-profiling enabled", data: { "runtime-profiling": "enabled" }, want: true },
    { name: "runtime-profiling disabled", data: { "runtime-profiling": "disabled" }, want: false },
    { name: "seed-era profiling.enable", data: { "profiling.enable": "true" }, want: true },
  ];
  for (const c of cases) {
    await t.step(`${c.name} (parsed config)`, () => {
      const parsed = parseObservabilityConfig(c.data) as unknown as Record<string, unknown>;
      assert.equal(profilingEnabled(parsed), c.want);
    });
  }
  await t.step("unparsed seed-era map", () => {
    assert.equal(profilingEnabled({ "profiling.enable": "true" }), true);
    assert.equal(profilingEnabled({ enableProfiling: false }), false);
  });
});
