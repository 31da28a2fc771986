import assert from "node:assert/strict";
import { portValue, scanFlags } from "../../../controllers/flags.ts";

Deno.test("scanFlags", async (t) => {
  const seen = (args: string[]) => {
    const out: [string, string | undefined][] = [];
    scanFlags(args, (flag, value) => {
      if (flag === "--bool") out.push([flag, undefined]);
      else if (flag.startsWith("-")) out.push([flag, value()]);
      else return false;
      return true;
    });
    return out;
  };
  await t.step("separate, inline and short values; booleans take none", () => {
    assert.deepEqual(seen(["--a", "1", "--b=x=y", "-f", "f.yaml", "--bool", "--c", "--d"]), [
      ["--a", "1"],
      ["--b", "x=y"],
      ["-f", "f.yaml"],
      ["--bool", undefined],
      ["--c", "--d"],
    ]);
  });
  await t.step("a missing value and an unknown argument name themselves", () => {
    assert.throws(() => seen(["--a"]), /flag --a needs a value/);
    assert.throws(() => seen(["stray"]), /unknown flag "stray"/);
  });
  await t.step("ports", () => {
    assert.equal(portValue("--p", () => "0"), 0);
    assert.throws(() => portValue("--p", () => "65536"), /--p must be a port \(0 = any\)/);
    assert.throws(() => portValue("--p", () => "1.5", false), /--p must be a port$/);
  });
});
