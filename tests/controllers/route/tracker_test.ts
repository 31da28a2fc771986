import assert from "node:assert/strict";
import { Tracker } from "../../../controllers/route/tracker.ts";
import { routePlugin } from "../../../controllers/route/mod.ts";
import { configuration, revision, route } from "./fixtures.ts";

Deno.test("reference tracking", async (t) => {
  await t.step("a referenced object (even a missing one) maps back to its Routes", () => {
    const tr = new Tracker();
    tr.track(route("a", []), [{ kind: "Configuration", name: "cfg" }]);
    tr.track(route("b", []), [{ kind: "Configuration", name: "cfg" }, {
      kind: "Revision",
      name: "x",
    }]);
    assert.deepEqual(tr.lookup("Configuration", configuration("cfg")).sort(), [
      "default/a",
      "default/b",
    ]);
    assert.deepEqual(tr.lookup("Revision", revision("x")), ["default/b"]);
    assert.deepEqual(tr.lookup("Revision", revision("cfg")), []);
  });
  await t.step("re-tracking replaces, forgetting removes", () => {
    const tr = new Tracker();
    tr.track(route("a", []), [{ kind: "Revision", name: "x" }]);
    tr.track(route("a", []), [{ kind: "Revision", name: "y" }]);
    assert.deepEqual(tr.lookup("Revision", revision("x")), []);
    assert.deepEqual(tr.lookup("Revision", revision("y")), ["default/a"]);
    tr.forget(route("a", []));
    assert.deepEqual(tr.lookup("Revision", revision("y")), []);
  });
  await t.step("the Route plugin's watches use the tracker", () => {
    const tr = new Tracker();
    const p = routePlugin({ tracker: tr });
    tr.track(route("a", []), [{ kind: "Revision", name: "x" }]);
    const w = p.watches!.find((w) => w.gvk.kind === "Revision")!;
    assert.deepEqual(w.map(revision("x")), ["default/a"]);
  });
});
