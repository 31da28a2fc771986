import assert from "node:assert/strict";
import { decodeBody } from "../../apiserver/api.ts";

Deno.test("YAML bodies decode to plain JSON values", () => {
  // a YAML 1.1 document may carry timestamps and binary values, which the JSON object model (and
  // deepCopy) cannot hold: they arrive as the strings JSON would give
  const v = decodeBody(
    "%YAML 1.1\n---\na: 2001-12-14\nb: !!binary aGk=\nc: [1, x]\n",
    "application/yaml",
  ) as Record<string, unknown>;
  assert.equal(v.a, "2001-12-14T00:00:00.000Z");
  assert.equal(typeof v.b, "object");
  assert.ok(!(v.b instanceof Uint8Array), "no binary value survives");
  assert.deepEqual(v.c, [1, "x"]);
});
