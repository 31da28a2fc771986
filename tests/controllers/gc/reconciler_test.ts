import { parseGCConfig } from "../../../apis/mod.ts";
import { tableTest } from "../../table.ts";
import { gcPlugin } from "../../../controllers/gc/mod.ts";
import { configuration, revision } from "../route/fixtures.ts";

const reserve = (name: string, at: string) =>
  revision(name, "cfg", {
    created: "2025-01-01T00:00:00Z",
    labels: { "serving.knative.dev/routingState": "reserve" },
    annotations: { "serving.knative.dev/routingStateModified": at },
  });

tableTest(gcPlugin(), [
  {
    name: "deletes stale reserve revisions beyond the minimum",
    key: "default/cfg",
    config: {
      "config-gc": parseGCConfig({
        "min-non-active-revisions": "1",
        "retain-since-create-time": "1h",
        "retain-since-last-active-time": "1h",
      }),
    },
    objects: [
      configuration("cfg", "cfg-00003"),
      reserve("cfg-00001", "2025-06-01T00:00:00Z"),
      reserve("cfg-00002", "2025-07-01T00:00:00Z"),
      revision("cfg-00003"),
    ],
    wantDeletes: [{ kind: "Revision", namespace: "default", name: "cfg-00001" }],
  },
  {
    // The Configuration's status is the Configuration controller's: GC collects but never
    // stamps observedGeneration for it.
    name: "collects before the new generation is observed, writing no status",
    key: "default/cfg",
    config: {
      "config-gc": parseGCConfig({
        "min-non-active-revisions": "0",
        "retain-since-create-time": "1h",
        "retain-since-last-active-time": "1h",
      }),
    },
    objects: [
      {
        ...configuration("cfg", "cfg-00003"),
        metadata: { ...configuration("cfg").metadata, generation: 4 },
      },
      reserve("cfg-00001", "2025-06-01T00:00:00Z"),
      revision("cfg-00003"),
    ],
    wantDeletes: [{ kind: "Revision", namespace: "default", name: "cfg-00001" }],
  },
  {
    name: "defaults keep young revisions",
    key: "default/cfg",
    config: { "config-gc": parseGCConfig({}) },
    objects: [configuration("cfg", "cfg-00002"), reserve("cfg-00001", "2025-12-31T23:00:00Z")],
  },
]);
