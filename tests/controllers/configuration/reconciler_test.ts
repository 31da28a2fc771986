import type { Condition, KubeObject } from "../../../runtime/mod.ts";
import type { Configuration, Revision } from "../../../apis/mod.ts";
import { configurationPlugin } from "../../../controllers/configuration/mod.ts";
import { makeRevision } from "../../../controllers/configuration/resources.ts";
import { failOnce, tableTest } from "../../table.ts";

const NOW = new Date("2026-01-01T00:00:00Z");

function config(
  opts: { gen?: number; byo?: string; status?: Configuration["status"] } = {},
): Configuration {
  return {
    apiVersion: "serving.knative.dev/v1",
    kind: "Configuration",
    metadata: { name: "foo", namespace: "ns", uid: "cfg-uid", generation: opts.gen ?? 1 },
    spec: {
      template: {
        ...(opts.byo ? { metadata: { name: opts.byo } } : {}),
        spec: { containers: [{ image: `img:${opts.gen ?? 1}` }] },
      },
    },
    ...(opts.status ? { status: opts.status } : {}),
  };
}

const cond = (
  type: string,
  status: Condition["status"],
  reason?: string,
  message?: string,
): Condition => {
  const c: Condition = { type, status };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
};

function rev(gen: number, ready?: Condition, byo?: string): Revision {
  const r = makeRevision(config({ gen, byo }), NOW);
  r.metadata.generation = 1;
  if (ready) r.status = { observedGeneration: 1, conditions: [ready] };
  return r;
}

const withStatus = (c: Configuration, status: Configuration["status"]): KubeObject => ({
  ...c,
  status,
});

tableTest(configurationPlugin, [
  {
    name: "creates the first Revision NAME-00001",
    key: "ns/foo",
    objects: [config()],
    now: NOW,
    wantCreates: [makeRevision(config(), NOW)],
    wantEvents: ['Normal Created Created Revision "foo-00001"'],
    wantStatusUpdates: [withStatus(config(), {
      observedGeneration: 1,
      latestCreatedRevisionName: "foo-00001",
      conditions: [cond("Ready", "Unknown")],
    })],
  },
  {
    name: "the Revision becomes ready: latestReady, Ready and the events",
    key: "ns/foo",
    objects: [
      config({
        status: {
          observedGeneration: 1,
          latestCreatedRevisionName: "foo-00001",
          conditions: [cond("Ready", "Unknown")],
        },
      }),
      rev(1, cond("Ready", "True")),
    ],
    wantEvents: [
      "Normal ConfigurationReady Configuration becomes ready",
      'Normal LatestReadyUpdate LatestReadyRevisionName updated to "foo-00001"',
    ],
    wantStatusUpdates: [withStatus(config(), {
      observedGeneration: 1,
      latestCreatedRevisionName: "foo-00001",
      latestReadyRevisionName: "foo-00001",
      conditions: [cond("Ready", "True")],
    })],
  },
  {
    name: "the Revision fails: RevisionFailed with its message",
    key: "ns/foo",
    objects: [
      config({
        status: {
          observedGeneration: 1,
          latestCreatedRevisionName: "foo-00001",
          conditions: [cond("Ready", "Unknown")],
        },
      }),
      rev(
        1,
        cond("Ready", "False", "ContainerMissing", 'Unable to fetch image "img:1": not found'),
      ),
    ],
    wantEvents: ['Warning LatestCreatedFailed Latest created revision "foo-00001" has failed'],
    wantStatusUpdates: [withStatus(config(), {
      observedGeneration: 1,
      latestCreatedRevisionName: "foo-00001",
      conditions: [
        cond(
          "Ready",
          "False",
          "RevisionFailed",
          'Revision "foo-00001" failed with message: Unable to fetch image "img:1": not found.',
        ),
      ],
    })],
  },
  {
    name: "the latest ready Revision fails",
    key: "ns/foo",
    objects: [
      config({
        status: {
          observedGeneration: 1,
          latestCreatedRevisionName: "foo-00001",
          latestReadyRevisionName: "foo-00001",
          conditions: [cond("Ready", "True")],
        },
      }),
      rev(1, cond("Ready", "False", "ExitCode1", "Container failed with: boom")),
    ],
    wantEvents: ['Warning LatestReadyFailed Latest ready revision "foo-00001" has failed'],
    wantStatusUpdates: [withStatus(config(), {
      observedGeneration: 1,
      latestCreatedRevisionName: "foo-00001",
      latestReadyRevisionName: "foo-00001",
      conditions: [
        cond(
          "Ready",
          "False",
          "RevisionFailed",
          'Revision "foo-00001" failed with message: Container failed with: boom.',
        ),
      ],
    })],
  },
  {
    name: "a new generation creates NAME-00002 and keeps the old latestReady",
    key: "ns/foo",
    now: NOW,
    objects: [
      config({
        gen: 2,
        status: {
          observedGeneration: 1,
          latestCreatedRevisionName: "foo-00001",
          latestReadyRevisionName: "foo-00001",
          conditions: [cond("Ready", "True")],
        },
      }),
      rev(1, cond("Ready", "True")),
    ],
    wantCreates: [makeRevision(config({ gen: 2 }), NOW)],
    wantEvents: ['Normal Created Created Revision "foo-00002"'],
    wantStatusUpdates: [withStatus(config({ gen: 2 }), {
      observedGeneration: 2,
      latestCreatedRevisionName: "foo-00002",
      latestReadyRevisionName: "foo-00001",
      conditions: [cond("Ready", "Unknown")],
    })],
  },
  {
    name: "NAME-00002 becomes ready",
    key: "ns/foo",
    objects: [
      config({
        gen: 2,
        status: {
          observedGeneration: 2,
          latestCreatedRevisionName: "foo-00002",
          latestReadyRevisionName: "foo-00001",
          conditions: [cond("Ready", "Unknown")],
        },
      }),
      rev(1, cond("Ready", "True")),
      rev(2, cond("Ready", "True")),
    ],
    wantEvents: ['Normal LatestReadyUpdate LatestReadyRevisionName updated to "foo-00002"'],
    wantStatusUpdates: [withStatus(config({ gen: 2 }), {
      observedGeneration: 2,
      latestCreatedRevisionName: "foo-00002",
      latestReadyRevisionName: "foo-00002",
      conditions: [cond("Ready", "True")],
    })],
  },
  {
    name: "a BYO name taken by another Configuration's Revision",
    key: "ns/foo",
    objects: [
      config({ byo: "foo-mine" }),
      {
        ...rev(1, undefined, "foo-mine"),
        metadata: { ...rev(1, undefined, "foo-mine").metadata, ownerReferences: [] },
      },
    ],
    wantStatusUpdates: [withStatus(config({ byo: "foo-mine" }), {
      observedGeneration: 1,
      conditions: [
        cond(
          "Ready",
          "False",
          "RevisionFailed",
          'Revision creation failed with message: revisions.serving.knative.dev "foo-mine" already exists.',
        ),
      ],
    })],
  },
  {
    name: "a BYO name creates a Revision with that name",
    key: "ns/foo",
    now: NOW,
    objects: [config({ byo: "foo-mine" })],
    wantCreates: [makeRevision(config({ byo: "foo-mine" }), NOW)],
    wantEvents: ['Normal Created Created Revision "foo-mine"'],
    wantStatusUpdates: [withStatus(config({ byo: "foo-mine" }), {
      observedGeneration: 1,
      latestCreatedRevisionName: "foo-mine",
      conditions: [cond("Ready", "Unknown")],
    })],
  },
  {
    name: "the latest ready Revision was deleted",
    key: "ns/foo",
    objects: [
      config({
        gen: 2,
        status: {
          observedGeneration: 2,
          latestCreatedRevisionName: "foo-00002",
          latestReadyRevisionName: "foo-00001",
          conditions: [cond("Ready", "Unknown")],
        },
      }),
      rev(2),
    ],
    wantStatusUpdates: [withStatus(config({ gen: 2 }), {
      observedGeneration: 2,
      latestCreatedRevisionName: "foo-00002",
      latestReadyRevisionName: "foo-00001",
      conditions: [cond("Ready", "False", "RevisionDeleted", 'Revision "foo-00001" was deleted.')],
    })],
  },
  {
    name: "Revision creation fails",
    key: "ns/foo",
    now: NOW,
    objects: [config()],
    reactors: [failOnce("create", "revisions", new Error("quota exceeded"))],
    wantErr: true,
    wantCreates: [makeRevision(config(), NOW)],
    wantEvents: [
      "Warning CreationFailed Failed to create Revision: quota exceeded",
      "Warning InternalError failed to create Revision: quota exceeded",
    ],
    wantStatusUpdates: [withStatus(config(), {
      observedGeneration: 1,
      conditions: [
        cond(
          "Ready",
          "False",
          "RevisionFailed",
          "Revision creation failed with message: quota exceeded.",
        ),
      ],
    })],
  },
]);
