import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  childName,
  controllerRef,
  excludeKeys,
  filter,
  isControlledBy,
  keyPriority,
  union,
} from "../../controllers/names.ts";

Deno.test("childName (kmeta.ChildName)", async (t) => {
  const f63 = "f".repeat(63);
  const cases: { name: string; parent: string; suffix: string; want: string }[] = [
    { name: "short", parent: "asdf", suffix: "-deployment", want: "asdf-deployment" },
    {
      name: "long parent, -deployment",
      parent: f63,
      suffix: "-deployment",
      want: "ffffffffffffffffffff105d7597f637e83cc711605ac3ea4957-deployment",
    },
    {
      name: "long parent, -deploy",
      parent: f63,
      suffix: "-deploy",
      want: "ffffffffffffffffffffffff105d7597f637e83cc711605ac3ea4957-deploy",
    },
    {
      name: "exactly 63",
      parent: "a".repeat(52),
      suffix: "-deployment",
      want: "a".repeat(52) + "-deployment",
    },
    { name: "revision numbering", parent: "foo", suffix: "-00001", want: "foo-00001" },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const got = childName(c.parent, c.suffix);
      assert.equal(got, c.want);
      assert.ok(got.length <= 63);
    });
  }
  await t.step("suffix of 31+ characters hashes parent+suffix and trims", () => {
    const parent = "p".repeat(40);
    const suffix = "-" + "s".repeat(39) + "--";
    const h = createHash("md5").update(parent + suffix).digest("hex");
    const want = "p".repeat(31) + h; // 63 characters already
    const got = childName(parent, suffix);
    assert.equal(got, want);
    assert.equal(got.length, 63);
  });
  await t.step("suffix of 31+ characters with short head strips trailing dashes", () => {
    const parent = "p".repeat(20);
    const suffix = "-" + "s".repeat(42) + "-";
    const h = createHash("md5").update(parent + suffix).digest("hex");
    const got = childName(parent, suffix);
    assert.equal(got, ("p".repeat(20) + h + suffix).slice(0, 63).replace(/-+$/, ""));
    assert.ok(!got.endsWith("-"));
  });
});

Deno.test("controllerRef and isControlledBy", () => {
  const owner = {
    apiVersion: "serving.knative.dev/v1",
    kind: "Service",
    metadata: { name: "s", namespace: "ns", uid: "u1" },
  };
  const ref = controllerRef(owner);
  assert.deepEqual(ref, {
    apiVersion: "serving.knative.dev/v1",
    kind: "Service",
    name: "s",
    uid: "u1",
    controller: true,
    blockOwnerDeletion: true,
  });
  const child = { apiVersion: "v1", kind: "X", metadata: { name: "c", ownerReferences: [ref] } };
  assert.ok(isControlledBy(child, owner));
  assert.ok(!isControlledBy(child, { ...owner, metadata: { ...owner.metadata, uid: "u2" } }));
  const notController = {
    ...child,
    metadata: { name: "c", ownerReferences: [{ ...ref, controller: false }] },
  };
  assert.ok(!isControlledBy(notController, owner));
});

Deno.test("kmap helpers", async (t) => {
  await t.step("union: later maps win", () => {
    assert.deepEqual(union({ a: "1", b: "1" }, undefined, { b: "2" }), { a: "1", b: "2" });
  });
  await t.step("filter drops matching keys", () => {
    assert.deepEqual(filter({ a: "1", bb: "2" }, (k) => k.length > 1), { a: "1" });
  });
  await t.step("excludeKeys", () => {
    assert.deepEqual(excludeKeys({ a: "1", b: "2", c: "3" }, ["a", "c"]), { b: "2" });
  });
  await t.step("keyPriority: first present wins", () => {
    const m = { minScale: "1", "autoscaling.knative.dev/min-scale": "2" };
    assert.equal(keyPriority(m, ["autoscaling.knative.dev/min-scale", "minScale"]), "2");
    assert.equal(keyPriority({ minScale: "1" }, ["x", "minScale"]), "1");
    assert.equal(keyPriority({}, ["x"]), undefined);
  });
});
