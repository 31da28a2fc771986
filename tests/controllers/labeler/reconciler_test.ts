import type { Route } from "../../../apis/mod.ts";
import { tableTest } from "../../table.ts";
import { LABELER_FINALIZER, labelerPlugin } from "../../../controllers/labeler/mod.ts";
import { configuration, revision, route } from "../route/fixtures.ts";

const latest = [{ configurationName: "cfg", latestRevision: true, percent: 100 }];
const fin = (r: Route): Route => ({
  ...r,
  metadata: { ...r.metadata, finalizers: [LABELER_FINALIZER] },
});
const readyRoute = (traffic: Parameters<typeof route>[1], revs: string[]): Route => ({
  ...fin(route("r", traffic)),
  status: {
    observedGeneration: 1,
    conditions: [{ type: "Ready", status: "True" }],
    traffic: revs.map((revisionName) => ({ revisionName, percent: 100 })),
  },
});
const active = (name: string, routes = "r") =>
  revision(name, "cfg", {
    labels: { "serving.knative.dev/routingState": "active" },
    annotations: { "serving.knative.dev/routes": routes },
  });
const STAMP = "2026-01-01T00:00:00Z";

tableTest(labelerPlugin(), [
  {
    name: "adds its finalizer first, then marks the referenced objects",
    key: "default/r",
    objects: [route("r", latest), configuration("cfg", "cfg-00001"), revision("cfg-00001")],
    wantPatches: [
      { name: "r", kind: "Route" },
      {
        name: "cfg-00001",
        kind: "Revision",
        patchType: "merge",
        patch: {
          metadata: {
            labels: { "serving.knative.dev/routingState": "active" },
            annotations: {
              "serving.knative.dev/routes": "r",
              "serving.knative.dev/routingStateModified": STAMP,
            },
          },
        },
      },
      {
        name: "cfg",
        kind: "Configuration",
        patch: { metadata: { annotations: { "serving.knative.dev/routes": "r" } } },
      },
    ],
  },
  {
    name: "a ready Route releases what it no longer references",
    key: "default/r",
    objects: [
      readyRoute([{ revisionName: "cfg-00002", percent: 100 }], ["cfg-00002"]),
      configuration("cfg", "cfg-00002", "True", {
        annotations: { "serving.knative.dev/routes": "r" },
      }),
      active("cfg-00001", "q,r"),
      active("cfg-00002"),
    ],
    wantPatches: [
      {
        name: "cfg-00001",
        patch: { metadata: { annotations: { "serving.knative.dev/routes": "q" } } },
      },
    ],
  },
  {
    // The Route's status is the Route controller's: the labeler marks what the new spec
    // references but writes no status (no observedGeneration stamped for the Route
    // controller), and releases nothing until that generation is Ready or Failed.
    name: "marks for a generation the Route controller has not observed; writes no status",
    key: "default/r",
    objects: [
      {
        ...readyRoute([{ revisionName: "cfg-00002", percent: 100 }], ["cfg-00002"]),
        metadata: { ...fin(route("r", latest)).metadata, generation: 2 },
      },
      configuration("cfg", "cfg-00002"),
      revision("cfg-00002"),
      active("cfg-00001"),
    ],
    wantPatches: [
      {
        name: "cfg-00002",
        kind: "Revision",
        patchType: "merge",
        patch: {
          metadata: {
            labels: { "serving.knative.dev/routingState": "active" },
            annotations: {
              "serving.knative.dev/routes": "r",
              "serving.knative.dev/routingStateModified": STAMP,
            },
          },
        },
      },
      {
        name: "cfg",
        kind: "Configuration",
        patch: { metadata: { annotations: { "serving.knative.dev/routes": "r" } } },
      },
    ],
  },
  {
    name: "an unready Route releases nothing yet",
    key: "default/r",
    objects: [
      fin(route("r", [{ revisionName: "cfg-00002", percent: 100 }])),
      configuration("cfg", "cfg-00002", "True", {
        annotations: { "serving.knative.dev/routes": "r" },
      }),
      active("cfg-00001"),
      active("cfg-00002"),
    ],
  },
  {
    name: "deleting the Route removes it everywhere and reserves the revisions",
    key: "default/r",
    objects: [
      {
        ...readyRoute(latest, ["cfg-00001"]),
        metadata: { ...fin(route("r", latest)).metadata, deletionTimestamp: STAMP },
      },
      configuration("cfg", "cfg-00001", "True", {
        annotations: { "serving.knative.dev/routes": "r" },
      }),
      active("cfg-00001"),
    ],
    wantPatches: [
      {
        name: "cfg-00001",
        patch: {
          metadata: {
            labels: { "serving.knative.dev/routingState": "reserve" },
            annotations: {
              "serving.knative.dev/routes": null,
              "serving.knative.dev/routingStateModified": STAMP,
            },
          },
        },
      },
      { name: "cfg", patch: { metadata: { annotations: { "serving.knative.dev/routes": null } } } },
      { name: "r", kind: "Route" },
    ],
  },
]);
