import assert from "node:assert/strict";
import {
  also,
  errDisallowedFields,
  errInvalidValue,
  errMissingField,
  errMultipleOneOf,
  errOutOfBoundsValue,
  FieldError,
} from "../../apis/mod.ts";

Deno.test("FieldError", async (t) => {
  await t.step("viaField / viaIndex build Knative paths", () => {
    const e = errMissingField("image").viaFieldIndex("containers", 0).viaField("spec").viaField(
      "spec.template",
    );
    assert.equal(e.toString(), "missing field(s): spec.template.spec.containers[0].image");
  });
  await t.step("current field is elided", () => {
    const e = new FieldError("Traffic targets sum to 90, want 100", [""]).viaField("spec.traffic");
    assert.equal(e.toString(), "Traffic targets sum to 90, want 100: spec.traffic");
  });
  await t.step("errors with the same message merge their paths, sorted", () => {
    const e = also(errMissingField("b"), errMissingField("a"), errDisallowedFields("x"))!;
    assert.equal(e.toString(), "missing field(s): a, b\nmust not set the field(s): x");
  });
  await t.step("also of nothing is undefined", () => {
    assert.equal(also(undefined, undefined), undefined);
  });
  await t.step("details are printed on the next line", () => {
    const e = errInvalidValue("x", "f", "why");
    assert.equal(e.toString(), "invalid value: x: f\nwhy");
  });
  await t.step("oneOf and bounds wording", () => {
    assert.equal(
      errMultipleOneOf("revisionName", "configurationName").toString(),
      "expected exactly one, got both: configurationName, revisionName",
    );
    assert.equal(
      errOutOfBoundsValue(101, 0, 100, "percent").toString(),
      "expected 0 <= 101 <= 100: percent",
    );
  });
  await t.step("a FieldError is an Error whose message is its string", () => {
    const e = errMissingField("x");
    assert.ok(e instanceof Error);
    assert.equal(e.message, "missing field(s): x");
  });
});
