import assert from "node:assert/strict";
import { buildTrafficConfiguration } from "../../../controllers/route/traffic.ts";
import { configuration, lookup, revision, route } from "./fixtures.ts";

Deno.test("traffic resolution", async (t) => {
  const world = lookup([
    configuration("cfg", "cfg-00002"),
    revision("cfg-00001"),
    revision("cfg-00002"),
    revision("h2c-00001", "h2", { h2c: true }),
    configuration("h2", "h2c-00001"),
    configuration("waiting"),
    configuration("broken", undefined, "False"),
    revision("slow-00001", "cfg", { ready: "Unknown" }),
    revision("bad-00001", "cfg", { ready: "False" }),
    revision("other-00001", "cfg", { labels: { "serving.knative.dev/service": "other" } }),
  ]);

  const cases: {
    name: string;
    traffic: Parameters<typeof route>[1];
    labels?: Record<string, string>;
    groups?: Record<string, [string, number | undefined, string][]>;
    flat?: [string | undefined, string, number | undefined][];
    error?: [string, string, string];
  }[] = [
    {
      name: "configurationName resolves to the latest ready revision",
      traffic: [{ configurationName: "cfg", latestRevision: true, percent: 100 }],
      groups: { "": [["cfg-00002", 100, "http1"]] },
      flat: [[undefined, "cfg-00002", 100]],
    },
    {
      name: "revisionName with h2c port gets h2c protocol and the config from its label",
      traffic: [{ revisionName: "h2c-00001", percent: 100 }],
      groups: { "": [["h2c-00001", 100, "h2c"]] },
    },
    {
      name: "same revision twice in the default group is summed; tags route 100%",
      traffic: [
        { tag: "a", configurationName: "cfg", latestRevision: true, percent: 40 },
        { tag: "b", revisionName: "cfg-00002", percent: 60 },
      ],
      groups: {
        "": [["cfg-00002", 100, "http1"]],
        a: [["cfg-00002", 100, "http1"]],
        b: [["cfg-00002", 100, "http1"]],
      },
      flat: [["a", "cfg-00002", 40], ["b", "cfg-00002", 60]],
    },
    {
      name: "split between two revisions; a tagged 0% target keeps its own rule",
      traffic: [
        { revisionName: "cfg-00001", percent: 70 },
        { revisionName: "cfg-00002", percent: 30 },
        { tag: "latest", configurationName: "cfg", latestRevision: true, percent: 0 },
      ],
      groups: {
        "": [["cfg-00001", 70, "http1"], ["cfg-00002", 30, "http1"]],
        latest: [["cfg-00002", 100, "http1"]],
      },
      flat: [[undefined, "cfg-00001", 70], [undefined, "cfg-00002", 30], [
        "latest",
        "cfg-00002",
        0,
      ]],
    },
    {
      name: "identical untagged entries are merged in the flat list",
      traffic: [
        { revisionName: "cfg-00001", percent: 50 },
        { revisionName: "cfg-00001", percent: 50 },
      ],
      flat: [[undefined, "cfg-00001", 100]],
    },
    {
      name: "missing revision names it",
      traffic: [{ revisionName: "nope-00001", percent: 100 }],
      error: ["False", "RevisionMissing", 'Revision "nope-00001" referenced in traffic not found.'],
      groups: {},
    },
    {
      name: "missing configuration names it",
      traffic: [{ configurationName: "nope", percent: 100 }],
      error: [
        "False",
        "ConfigurationMissing",
        'Configuration "nope" referenced in traffic not found.',
      ],
    },
    {
      name: "configuration without ready revision waits",
      traffic: [{ configurationName: "waiting", percent: 100 }],
      error: [
        "Unknown",
        "RevisionMissing",
        'Configuration "waiting" is waiting for a Revision to become ready.',
      ],
    },
    {
      name: "failed configuration",
      traffic: [{ configurationName: "broken", percent: 100 }],
      error: [
        "False",
        "RevisionMissing",
        'Configuration "broken" does not have any ready Revision.',
      ],
    },
    {
      name: "unready revision",
      traffic: [{ revisionName: "slow-00001", percent: 100 }],
      error: ["Unknown", "RevisionMissing", 'Revision "slow-00001" is not yet ready.'],
    },
    {
      name: "a later failure overrides an earlier wait",
      traffic: [
        { revisionName: "slow-00001", percent: 50 },
        { revisionName: "bad-00001", percent: 50 },
      ],
      error: ["False", "RevisionMissing", 'Revision "bad-00001" failed to become ready.'],
    },
    {
      name: "revision of another service",
      traffic: [{ revisionName: "other-00001", percent: 100 }],
      labels: { "serving.knative.dev/service": "mine" },
      error: [
        "False",
        "RevisionNotOwned",
        'Revision "other-00001" belongs to Service "other", not Service "mine".',
      ],
    },
  ];

  for (const c of cases) {
    await t.step(c.name, () => {
      const res = buildTrafficConfiguration(
        route("r", c.traffic, c.labels ? { labels: c.labels } : {}),
        world,
      );
      if (c.error) {
        assert.deepEqual(
          [res.error?.status, res.error?.reason, res.error?.message],
          c.error,
        );
        assert.equal(res.config.targets.size, 0);
        assert.equal(res.config.revisionTargets.length, 0);
      } else assert.equal(res.error, undefined);
      if (c.groups) {
        const got: Record<string, [string, number | undefined, string][]> = {};
        for (const [k, v] of res.config.targets) {
          got[k] = v.map((x) => [x.revisionName, x.percent, x.protocol]);
        }
        assert.deepEqual(got, c.groups);
      }
      if (c.flat) {
        assert.deepEqual(
          res.config.revisionTargets.map((x) => [x.tag, x.revisionName, x.percent]),
          c.flat,
        );
      }
    });
  }

  await t.step("missing targets are recorded for tracking", () => {
    const res = buildTrafficConfiguration(
      route("r", [{ revisionName: "gone", percent: 50 }, {
        configurationName: "nocfg",
        percent: 50,
      }]),
      world,
    );
    assert.deepEqual(res.config.missingTargets, [
      { kind: "Revision", name: "gone" },
      { kind: "Configuration", name: "nocfg" },
    ]);
  });
});
