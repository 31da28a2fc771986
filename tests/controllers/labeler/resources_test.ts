import assert from "node:assert/strict";
import { metadataPatch, referencedBy } from "../../../controllers/labeler/resources.ts";
import { configuration, lookup, revision, route } from "../route/fixtures.ts";

const NOW = new Date("2026-06-01T10:20:30.456Z");

Deno.test("labeler", async (t) => {
  await t.step("referenced: revisions in spec and status, their configs, latest created", () => {
    const r = route("r", [
      { configurationName: "cfg", latestRevision: true, percent: 90 },
      { revisionName: "other-00001", percent: 10 },
      { revisionName: "missing-00001", percent: 0 },
    ]);
    r.status = { traffic: [{ revisionName: "cfg-00001", percent: 100 }] };
    const ref = referencedBy(
      r,
      lookup([
        configuration("cfg", "cfg-00002", "True", { lcr: "cfg-00003" }),
        configuration("other", "other-00001"),
        revision("cfg-00001"),
        revision("other-00001", "other"),
      ]),
    );
    assert.deepEqual([...ref.revisions].sort(), ["cfg-00001", "cfg-00003", "other-00001"]);
    assert.deepEqual([...ref.configurations].sort(), ["cfg", "other"]);
    assert.ok(ref.tracked.some((x) => x.name === "missing-00001"));
  });

  const cases: [string, ReturnType<typeof revision>, boolean, boolean, unknown][] = [
    [
      "first route on a pending revision makes it active",
      revision("a", "cfg", { labels: { "serving.knative.dev/routingState": "pending" } }),
      false,
      true,
      {
        metadata: {
          labels: { "serving.knative.dev/routingState": "active" },
          annotations: {
            "serving.knative.dev/routes": "r",
            "serving.knative.dev/routingStateModified": "2026-06-01T10:20:30Z",
          },
        },
      },
    ],
    [
      "a second route is merged sorted; state unchanged",
      revision("a", "cfg", {
        labels: { "serving.knative.dev/routingState": "active" },
        annotations: { "serving.knative.dev/routes": "z" },
      }),
      false,
      true,
      { metadata: { annotations: { "serving.knative.dev/routes": "r,z" } } },
    ],
    [
      "already listed: no patch",
      revision("a", "cfg", {
        labels: { "serving.knative.dev/routingState": "active" },
        annotations: { "serving.knative.dev/routes": "r" },
      }),
      false,
      true,
      undefined,
    ],
    [
      "removing the last route deletes the annotation and reserves the revision",
      revision("a", "cfg", {
        labels: { "serving.knative.dev/routingState": "active" },
        annotations: { "serving.knative.dev/routes": "r" },
      }),
      true,
      true,
      {
        metadata: {
          labels: { "serving.knative.dev/routingState": "reserve" },
          annotations: {
            "serving.knative.dev/routes": null,
            "serving.knative.dev/routingStateModified": "2026-06-01T10:20:30Z",
          },
        },
      },
    ],
    [
      "configurations never get a routing state",
      revision("a", "cfg", { annotations: { "serving.knative.dev/routes": "q,r" } }),
      true,
      false,
      { metadata: { annotations: { "serving.knative.dev/routes": "q" } } },
    ],
  ];
  for (const [name, obj, remove, state, want] of cases) {
    await t.step(name, () => assert.deepEqual(metadataPatch(obj, "r", remove, state, NOW), want));
  }
});
