import assert from "node:assert/strict";
import { checkSource } from "../../tools/check_boundaries.ts";

Deno.test("check_boundaries", async (t) => {
  const bad = (file: string, src: string) => checkSource(file, src).map((v) => v.reason);
  await t.step("runtime imports nothing above it", () => {
    assert.match(
      bad("runtime/x.ts", `import { a } from "../apis/mod.ts";`)[0],
      /runtime may not import apis/,
    );
    assert.deepEqual(
      bad("runtime/x.ts", `import { a } from "./y.ts";\nimport { Hono } from "hono";`),
      [],
    );
  });
  await t.step("cross-folder imports go through mod.ts", () => {
    assert.match(
      bad("controllers/a/b.ts", `import { x } from "../../apis/serving/v1/types.ts";`)[0],
      /apis\/mod\.ts/,
    );
    assert.deepEqual(
      bad("controllers/a/b.ts", `import type { x } from "../../networking/mod.ts";`),
      [],
    );
    assert.match(
      bad("apis/x.ts", `export { y } from "../controllers/mod.ts";`)[0],
      /apis may not import controllers/,
    );
  });
  await t.step("apiserver imports runtime types only", () => {
    assert.match(
      bad("apiserver/x.ts", `import { Store } from "../runtime/mod.ts";`)[0],
      /types only/,
    );
    assert.deepEqual(
      bad("apiserver/x.ts", `import type { KubeObject } from "../runtime/mod.ts";`),
      [],
    );
    assert.deepEqual(
      bad(
        "apiserver/x.ts",
        `import { generateServingCerts, type KubeObject } from "../runtime/mod.ts";`,
      ),
      [],
    );
    assert.match(
      bad("apiserver/x.ts", `import { generateServingCerts, Store } from "../runtime/mod.ts";`)[0],
      /types only/,
    );
    assert.match(
      bad("apiserver/x.ts", `export { generateServingCerts } from "../runtime/mod.ts";`)[0],
      /types only/,
    );
  });
  await t.step("main.ts may import cli.ts files, others may not", () => {
    assert.deepEqual(bad("main.ts", `import { a } from "./controllers/cli.ts";`), []);
    assert.equal(bad("dataplane/x.ts", `import { a } from "../controllers/cli.ts";`).length, 1);
    assert.equal(
      bad("main.ts", `import { a } from "./controllers/service/reconciler.ts";`).length,
      1,
    );
  });
  await t.step("a folder's cli.ts composes like main.ts, through mod.ts only", () => {
    assert.deepEqual(
      bad(
        "controllers/cli.ts",
        `import { s } from "../apiserver/mod.ts";\nimport { r } from "./mod.ts";`,
      ),
      [],
    );
    assert.equal(
      bad("controllers/cli.ts", `import { s } from "../apiserver/server.ts";`).length,
      1,
    );
    assert.equal(
      bad("controllers/service/cli.ts", `import { s } from "../../apiserver/mod.ts";`).length,
      1,
    );
  });
  await t.step("dynamic imports are checked", () => {
    assert.equal(bad("runtime/x.ts", `const m = await import("../plugins/mod.ts");`).length, 1);
  });
});
