import assert from "node:assert/strict";
import { parseGCConfig } from "../../../apis/mod.ts";
import { revisionsToCollect } from "../../../controllers/gc/resources.ts";
import { configuration, revision } from "../route/fixtures.ts";

const NOW = Date.parse("2026-06-01T00:00:00Z");
const ago = (h: number) => new Date(NOW - h * 3_600_000).toISOString().replace(/\.000Z$/, "Z");

function rev(
  name: string,
  state: string | undefined,
  createdH: number,
  activeH?: number,
  extra: Record<string, string> = {},
) {
  return revision(name, "cfg", {
    created: ago(createdH),
    labels: state ? { "serving.knative.dev/routingState": state } : {},
    annotations: {
      ...(activeH !== undefined
        ? { "serving.knative.dev/routingStateModified": ago(activeH) }
        : {}),
      ...extra,
    },
  });
}

Deno.test("revision gc", async (t) => {
  const cfg = configuration("cfg", "cfg-00005");
  const cases: [string, Record<string, string>, ReturnType<typeof rev>[], string[]][] = [
    [
      "defaults keep 20 non-active revisions",
      {},
      [rev("cfg-00001", "reserve", 100, 100), rev("cfg-00005", "active", 1)],
      [],
    ],
    [
      "stale reserve revisions beyond min are deleted oldest first",
      {
        "min-non-active-revisions": "1",
        "retain-since-create-time": "1h",
        "retain-since-last-active-time": "1h",
      },
      [
        rev("cfg-00001", "reserve", 100, 50),
        rev("cfg-00002", "reserve", 100, 90),
        rev("cfg-00003", "reserve", 100, 10),
        rev("cfg-00005", "active", 1),
      ],
      ["cfg-00002", "cfg-00001"],
    ],
    [
      "recently active is not stale",
      {
        "min-non-active-revisions": "0",
        "retain-since-create-time": "1h",
        "retain-since-last-active-time": "20h",
      },
      [rev("cfg-00001", "reserve", 100, 30), rev("cfg-00002", "reserve", 100, 10)],
      ["cfg-00001"],
    ],
    [
      "pending, active, latest ready and no-gc revisions are kept",
      {
        "min-non-active-revisions": "0",
        "retain-since-create-time": "1h",
        "retain-since-last-active-time": "disabled",
      },
      [
        rev("cfg-00001", "pending", 100),
        rev("cfg-00002", "active", 100),
        rev("cfg-00003", "reserve", 100, 50, { "serving.knative.dev/no-gc": "TRUE" }),
        rev("cfg-00005", "reserve", 100, 50),
        rev("cfg-00004", "reserve", 100, 50),
      ],
      ["cfg-00004"],
    ],
    [
      "max deletes the oldest non-stale above it",
      {
        "min-non-active-revisions": "0",
        "max-non-active-revisions": "1",
        "retain-since-create-time": "disabled",
        "retain-since-last-active-time": "disabled",
      },
      [
        rev("cfg-00001", "reserve", 3, 3),
        rev("cfg-00002", "reserve", 2, 2),
        rev("cfg-00003", "reserve", 1, 1),
      ],
      ["cfg-00001", "cfg-00002"],
    ],
    [
      "everything disabled collects nothing",
      {
        "min-non-active-revisions": "0",
        "max-non-active-revisions": "disabled",
        "retain-since-create-time": "disabled",
        "retain-since-last-active-time": "disabled",
      },
      [rev("cfg-00001", "reserve", 300, 300)],
      [],
    ],
    [
      "routingStateModified missing falls back to creation time",
      {
        "min-non-active-revisions": "0",
        "retain-since-create-time": "disabled",
        "retain-since-last-active-time": "5h",
      },
      [rev("cfg-00001", "reserve", 10), rev("cfg-00002", "reserve", 1)],
      ["cfg-00001"],
    ],
  ];
  for (const [name, data, revs, want] of cases) {
    await t.step(name, () => {
      assert.deepEqual(revisionsToCollect(parseGCConfig(data), cfg, revs, NOW), want);
    });
  }
});
