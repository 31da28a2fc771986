import assert from "node:assert/strict";
import type { Condition, KubeObject } from "../../../runtime/mod.ts";
import type { PodAutoscaler, Revision } from "../../../apis/mod.ts";
import {
  parseAutoscalerConfig,
  parseDefaultsConfig,
  parseDeploymentConfig,
  parseFeaturesConfig,
} from "../../../apis/mod.ts";
import {
  BUILD_REF_ANNOTATION,
  createRevisionPlugin,
  type DeploymentInputs,
  exitMessage,
  makeDeployment,
  makeFluentdConfigMap,
  makePA,
  withFluentdSidecar,
} from "../../../controllers/revision/mod.ts";
import { tableTest } from "../../table.ts";

const DIGEST = "sha256:" + "b".repeat(64);
const deploymentCfg = parseDeploymentConfig({ "queue-sidecar-image": "queue:v1" });
const CONFIG = {
  "config-deployment": deploymentCfg,
  "config-autoscaler": parseAutoscalerConfig({}),
  "config-features": parseFeaturesConfig({}),
  "config-defaults": parseDefaultsConfig({}),
};
const INPUTS: DeploymentInputs = {
  deployment: deploymentCfg,
  features: parseFeaturesConfig({}),
  initialScale: 1,
  enableServiceLinks: undefined,
};

const OBSERVABILITY = {
  "logging.enable-var-log-collection": "true",
  "logging.fluentd-sidecar-image": "fluentd:v1",
  "logging.fluentd-sidecar-output-config": "<match **>\n  @type stdout\n</match>\n",
  "logging.revision-url-template": "http://logs/?rev=${REVISION_UID}",
  "profiling.enable": "true",
};

/** A registry stub: `reg.example.com/app:v1` exists, anything else is unknown. */
const registryFetch: typeof fetch = (input, init) => {
  const url = String(input);
  const method = init?.method ?? "GET";
  if (url === "https://reg.example.com/v2/app/manifests/v1") {
    return Promise.resolve(
      new Response(null, { status: 200, headers: { "Docker-Content-Digest": DIGEST } }),
    );
  }
  const body = method === "HEAD"
    ? null
    : JSON.stringify({ errors: [{ code: "MANIFEST_UNKNOWN", message: "manifest unknown" }] });
  return Promise.resolve(new Response(body, { status: 404, statusText: "Not Found" }));
};

const offline = createRevisionPlugin({ resolveDigests: false });
const online = createRevisionPlugin({ fetch: registryFetch });

const cond = (
  type: string,
  status: Condition["status"],
  reason?: string,
  message?: string,
  severity?: string,
): Condition => {
  const c: Condition = { type, status };
  if (severity) c.severity = severity;
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
};

function rev(
  opts: { image?: string; annotations?: Record<string, string>; status?: Revision["status"] } = {},
): Revision {
  return {
    apiVersion: "serving.knative.dev/v1",
    kind: "Revision",
    metadata: {
      name: "hello-00001",
      namespace: "default",
      uid: "rev-uid",
      generation: 1,
      labels: {
        "serving.knative.dev/configuration": "hello",
        "serving.knative.dev/routingState": "active",
      },
      annotations: opts.annotations ?? {},
      ownerReferences: [{
        apiVersion: "serving.knative.dev/v1",
        kind: "Configuration",
        name: "hello",
        uid: "cfg-uid",
        controller: true,
        blockOwnerDeletion: true,
      }],
    },
    spec: {
      containers: [{ name: "user-container", image: opts.image ?? "reg.example.com/app:v1" }],
      containerConcurrency: 0,
      timeoutSeconds: 300,
    },
    ...(opts.status ? { status: opts.status } : {}),
  };
}

const resolved = (digest = ""): Revision["status"] => ({
  containerStatuses: [{ name: "user-container", imageDigest: digest }],
});

function deployment(r: Revision, status?: Record<string, unknown>, owned = true): KubeObject {
  const d = makeDeployment(r, INPUTS);
  if (!owned) d.metadata.ownerReferences = [];
  if (status) d.status = status;
  return d;
}

function pa(r: Revision, status?: PodAutoscaler["status"]): PodAutoscaler {
  const p = makePA(r, undefined, "kpa.autoscaling.knative.dev");
  if (status) p.status = status;
  return p;
}

const readyPA = (r: Revision) =>
  pa(r, {
    serviceName: "hello-00001",
    actualScale: 1,
    desiredScale: 1,
    conditions: [
      cond("Active", "True"),
      cond("Ready", "True"),
      cond("SKSReady", "True"),
      cond("ScaleTargetInitialized", "True"),
    ],
  });

const unreachable = (p: PodAutoscaler): PodAutoscaler => ({
  ...p,
  spec: { ...p.spec, reachability: "Unreachable" },
});

const TIMED_OUT = 'ReplicaSet "hello-00001-deployment-5d8f" has timed out progressing.';
const stuckPA = () =>
  pa(rev({ status: resolved() }), {
    serviceName: "hello-00001",
    actualScale: 0,
    desiredScale: 1,
    conditions: [
      cond("Active", "False", "ProgressDeadlineExceeded", TIMED_OUT),
      cond("Ready", "False", "ProgressDeadlineExceeded", TIMED_OUT),
      cond("SKSReady", "True"),
      cond("ScaleTargetInitialized", "Unknown"),
    ],
  });
const queuedPA = () =>
  pa(rev({ status: resolved() }), {
    serviceName: "hello-00001",
    conditions: [cond("Ready", "Unknown", "Queued", "q"), cond("Active", "Unknown", "Queued", "q")],
  });

function withAnnotation(d: KubeObject): KubeObject {
  return {
    ...d,
    metadata: {
      ...d.metadata,
      annotations: { ...d.metadata.annotations, "deployment.kubernetes.io/revision": "1" },
    },
  };
}

function withReplicas(d: KubeObject, replicas: number): KubeObject {
  return { ...d, spec: { ...(d.spec as Record<string, unknown>), replicas } };
}

const withStatus = (r: Revision, status: Revision["status"]): KubeObject => ({
  ...r,
  status: { observedGeneration: 1, ...status },
});

const progressing = (status: string, reason: string, message: string) => ({
  replicas: 1,
  readyReplicas: 0,
  availableReplicas: 0,
  conditions: [{ type: "Progressing", status, reason, message }],
});

tableTest(offline, [
  {
    name: "first reconcile (digests skipped): Deployment and PodAutoscaler, Deploying",
    key: "default/hello-00001",
    config: CONFIG,
    objects: [rev()],
    wantCreates: [deployment(rev({ status: resolved() })), pa(rev({ status: resolved() }))],
    wantStatusUpdates: [withStatus(rev(), {
      ...resolved(),
      conditions: [
        cond("Active", "Unknown", "Deploying", undefined, "Info"),
        cond("ContainerHealthy", "Unknown", "Deploying"),
        cond("Ready", "Unknown", "Deploying"),
        cond("ResourcesAvailable", "Unknown", "Deploying"),
      ],
    })],
  },
  {
    name: "Deployment available and PodAutoscaler ready: Revision Ready with replicas",
    key: "default/hello-00001",
    config: CONFIG,
    objects: [
      rev({ status: resolved() }),
      deployment(rev({ status: resolved() }), {
        replicas: 1,
        readyReplicas: 1,
        availableReplicas: 1,
        conditions: [{ type: "Progressing", status: "True", reason: "NewReplicaSetAvailable" }],
      }),
      readyPA(rev({ status: resolved() })),
    ],
    wantStatusUpdates: [withStatus(rev(), {
      ...resolved(),
      actualReplicas: 1,
      desiredReplicas: 1,
      conditions: [
        cond("Active", "True", undefined, undefined, "Info"),
        cond("ContainerHealthy", "True"),
        cond("Ready", "True"),
        cond("ResourcesAvailable", "True"),
      ],
    })],
  },
  {
    name:
      "a Deployment that cannot progress: ProgressDeadlineExceeded with the Deployment's message",
    key: "default/hello-00001",
    config: CONFIG,
    objects: [
      rev({ status: resolved() }),
      deployment(
        rev({ status: resolved() }),
        progressing(
          "False",
          "ProgressDeadlineExceeded",
          'ReplicaSet "hello-00001-deployment-5d8f" has timed out progressing.',
        ),
      ),
      stuckPA(),
    ],
    wantUpdates: [unreachable(stuckPA())],
    wantStatusUpdates: [withStatus(rev(), {
      ...resolved(),
      actualReplicas: 0,
      desiredReplicas: 1,
      conditions: [
        cond(
          "Active",
          "False",
          "ProgressDeadlineExceeded",
          'ReplicaSet "hello-00001-deployment-5d8f" has timed out progressing.',
          "Info",
        ),
        cond("ContainerHealthy", "Unknown"),
        cond(
          "Ready",
          "False",
          "ProgressDeadlineExceeded",
          'ReplicaSet "hello-00001-deployment-5d8f" has timed out progressing.',
        ),
        cond(
          "ResourcesAvailable",
          "False",
          "ProgressDeadlineExceeded",
          'ReplicaSet "hello-00001-deployment-5d8f" has timed out progressing.',
        ),
      ],
    })],
  },
  {
    name: "a crashing container: ExitCode with a message that says what happened",
    key: "default/hello-00001",
    config: CONFIG,
    objects: [
      rev({ status: resolved() }),
      deployment(rev({ status: resolved() }), progressing("True", "ReplicaSetUpdated", "")),
      queuedPA(),
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          name: "hello-00001-deployment-abc",
          namespace: "default",
          labels: { "serving.knative.dev/revisionUID": "rev-uid" },
        },
        status: {
          containerStatuses: [
            { name: "queue-proxy", state: { running: {} } },
            {
              name: "user-container",
              state: { waiting: { reason: "CrashLoopBackOff" } },
              lastState: { terminated: { exitCode: 1, reason: "Error" } },
            },
          ],
        },
      },
    ],
    wantUpdates: [unreachable(queuedPA())],
    wantStatusUpdates: [withStatus(rev(), {
      ...resolved(),
      conditions: [
        cond("Active", "Unknown", "Queued", "q", "Info"),
        cond(
          "ContainerHealthy",
          "False",
          "ExitCode1",
          "Container failed with: container exited with code 1 (Error)",
        ),
        cond(
          "Ready",
          "False",
          "ExitCode1",
          "Container failed with: container exited with code 1 (Error)",
        ),
        cond("ResourcesAvailable", "True"),
      ],
    })],
  },
  {
    name:
      "an image that cannot be pulled, after the progress deadline: the waiting reason and message",
    key: "default/hello-00001",
    config: CONFIG,
    objects: [
      rev({ status: resolved() }),
      deployment(
        rev({ status: resolved() }),
        progressing("False", "ProgressDeadlineExceeded", TIMED_OUT),
      ),
      stuckPA(),
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          name: "hello-00001-deployment-abc",
          namespace: "default",
          labels: { "serving.knative.dev/revisionUID": "rev-uid" },
        },
        status: {
          containerStatuses: [{
            name: "user-container",
            state: {
              waiting: {
                reason: "ImagePullBackOff",
                message: 'Back-off pulling image "reg.example.com/app:v1"',
              },
            },
          }],
        },
      },
    ],
    wantUpdates: [unreachable(stuckPA())],
    wantStatusUpdates: [withStatus(rev(), {
      ...resolved(),
      actualReplicas: 0,
      desiredReplicas: 1,
      conditions: [
        cond("Active", "False", "ProgressDeadlineExceeded", TIMED_OUT, "Info"),
        cond("ContainerHealthy", "Unknown"),
        cond(
          "Ready",
          "False",
          "ImagePullBackOff",
          'Back-off pulling image "reg.example.com/app:v1"',
        ),
        cond(
          "ResourcesAvailable",
          "False",
          "ImagePullBackOff",
          'Back-off pulling image "reg.example.com/app:v1"',
        ),
      ],
    })],
  },
  {
    name: "an unschedulable pod",
    key: "default/hello-00001",
    config: CONFIG,
    objects: [
      rev({ status: resolved() }),
      deployment(rev({ status: resolved() }), progressing("True", "ReplicaSetUpdated", "")),
      queuedPA(),
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          name: "hello-00001-deployment-abc",
          namespace: "default",
          labels: { "serving.knative.dev/revisionUID": "rev-uid" },
        },
        status: {
          conditions: [{
            type: "PodScheduled",
            status: "False",
            reason: "Unschedulable",
            message: "0/1 nodes are available: 1 Insufficient cpu.",
          }],
        },
      },
    ],
    wantUpdates: [unreachable(queuedPA())],
    wantStatusUpdates: [withStatus(rev(), {
      ...resolved(),
      conditions: [
        cond("Active", "Unknown", "Queued", "q", "Info"),
        cond("ContainerHealthy", "Unknown"),
        cond("Ready", "False", "Unschedulable", "0/1 nodes are available: 1 Insufficient cpu."),
        cond(
          "ResourcesAvailable",
          "False",
          "Unschedulable",
          "0/1 nodes are available: 1 Insufficient cpu.",
        ),
      ],
    })],
  },
  {
    name: "annotations added by the deployment controller are not drift",
    key: "default/hello-00001",
    config: CONFIG,
    objects: [
      rev({ status: resolved() }),
      withAnnotation(deployment(rev({ status: resolved() }))),
      pa(rev({ status: resolved() })),
    ],
    wantStatusUpdates: [withStatus(rev(), {
      ...resolved(),
      conditions: [
        cond("Active", "Unknown", "Deploying", undefined, "Info"),
        cond("ContainerHealthy", "Unknown"),
        cond("Ready", "Unknown", "Deploying"),
        cond("ResourcesAvailable", "Unknown", "Deploying"),
      ],
    })],
  },
  {
    name: "an outdated Deployment spec is updated, keeping foreign annotations and the replicas",
    key: "default/hello-00001",
    config: CONFIG,
    objects: [
      rev({ status: resolved() }),
      withReplicas(withAnnotation(deployment(rev({ image: "old:v0", status: resolved() }))), 3),
      pa(rev({ status: resolved() })),
    ],
    wantUpdates: [withReplicas(withAnnotation(deployment(rev({ status: resolved() }))), 3)],
    wantStatusUpdates: [withStatus(rev(), {
      ...resolved(),
      conditions: [
        cond("Active", "Unknown", "Deploying", undefined, "Info"),
        cond("ContainerHealthy", "Unknown"),
        cond("Ready", "Unknown", "Deploying"),
        cond("ResourcesAvailable", "Unknown", "Deploying"),
      ],
    })],
  },
  {
    name: "a Deployment we do not own",
    key: "default/hello-00001",
    config: CONFIG,
    objects: [
      rev({ status: resolved() }),
      deployment(rev({ status: resolved() }), undefined, false),
    ],
    wantErr: true,
    wantEvents: [
      'Warning InternalError revision: "hello-00001" does not own Deployment: "hello-00001-deployment"',
    ],
    wantStatusUpdates: [withStatus(rev(), {
      ...resolved(),
      conditions: [
        cond("ContainerHealthy", "Unknown"),
        cond(
          "Ready",
          "False",
          "NotOwned",
          'There is an existing Deployment "hello-00001-deployment" that we do not own.',
        ),
        cond(
          "ResourcesAvailable",
          "False",
          "NotOwned",
          'There is an existing Deployment "hello-00001-deployment" that we do not own.',
        ),
      ],
    })],
  },
  {
    name: "a build in progress holds the Revision",
    key: "default/hello-00001",
    config: CONFIG,
    objects: [
      rev({
        annotations: {
          [BUILD_REF_ANNOTATION]:
            '{"apiVersion":"tekton.dev/v1","kind":"TaskRun","name":"build-1"}',
        },
      }),
      {
        apiVersion: "tekton.dev/v1",
        kind: "TaskRun",
        metadata: { name: "build-1", namespace: "default" },
        status: { conditions: [{ type: "Succeeded", status: "Unknown", reason: "Running" }] },
      },
    ],
    wantRequeueAfter: 5000,
    wantStatusUpdates: [
      withStatus(
        rev({
          annotations: {
            [BUILD_REF_ANNOTATION]:
              '{"apiVersion":"tekton.dev/v1","kind":"TaskRun","name":"build-1"}',
          },
        }),
        {
          conditions: [
            cond(
              "BuildSucceeded",
              "Unknown",
              "Building",
              'Waiting for build TaskRun "build-1" to complete.',
              "Info",
            ),
            cond("ContainerHealthy", "Unknown"),
            cond(
              "Ready",
              "Unknown",
              "Building",
              'Waiting for build TaskRun "build-1" to complete.',
            ),
            cond(
              "ResourcesAvailable",
              "Unknown",
              "Building",
              'Waiting for build TaskRun "build-1" to complete.',
            ),
          ],
        },
      ),
    ],
  },
  {
    name: "a failed build fails the Revision",
    key: "default/hello-00001",
    config: CONFIG,
    objects: [
      rev({
        annotations: {
          [BUILD_REF_ANNOTATION]:
            '{"apiVersion":"tekton.dev/v1","kind":"TaskRun","name":"build-1"}',
        },
      }),
      {
        apiVersion: "tekton.dev/v1",
        kind: "TaskRun",
        metadata: { name: "build-1", namespace: "default" },
        status: {
          conditions: [{
            type: "Succeeded",
            status: "False",
            reason: "Failed",
            message: 'step "build" exited with code 2',
          }],
        },
      },
    ],
    wantEvents: [
      'Warning BuildFailed Build TaskRun "build-1" failed: step "build" exited with code 2',
    ],
    wantStatusUpdates: [
      withStatus(
        rev({
          annotations: {
            [BUILD_REF_ANNOTATION]:
              '{"apiVersion":"tekton.dev/v1","kind":"TaskRun","name":"build-1"}',
          },
        }),
        {
          conditions: [
            cond("BuildSucceeded", "False", "Failed", 'step "build" exited with code 2', "Info"),
            cond("ContainerHealthy", "Unknown"),
            cond(
              "Ready",
              "False",
              "BuildFailed",
              'Build TaskRun "build-1" failed: step "build" exited with code 2',
            ),
            cond(
              "ResourcesAvailable",
              "False",
              "BuildFailed",
              'Build TaskRun "build-1" failed: step "build" exited with code 2',
            ),
          ],
        },
      ),
    ],
  },
  {
    name: "var-log collection adds the fluentd config map and sidecar; log URL from the template",
    key: "default/hello-00001",
    config: {
      ...CONFIG,
      "config-observability": OBSERVABILITY,
    },
    objects: [rev({ status: resolved() })],
    wantCreates: [
      withFluentdSidecar(
        makeDeployment(rev({ status: resolved() }), {
          ...INPUTS,
          observabilityJson: JSON.stringify(OBSERVABILITY),
          profiling: true,
        }),
        rev(),
        {
          image: "fluentd:v1",
          outputConfig: "",
        },
      ),
      makeFluentdConfigMap(rev(), {
        image: "fluentd:v1",
        outputConfig: "<match **>\n  @type stdout\n</match>\n",
      }),
      pa(rev({ status: resolved() })),
    ],
    wantStatusUpdates: [withStatus(rev(), {
      ...resolved(),
      logUrl: "http://logs/?rev=rev-uid",
      conditions: [
        cond("Active", "Unknown", "Deploying", undefined, "Info"),
        cond("ContainerHealthy", "Unknown", "Deploying"),
        cond("Ready", "Unknown", "Deploying"),
        cond("ResourcesAvailable", "Unknown", "Deploying"),
      ],
    })],
  },
]);

tableTest(online, [
  {
    name: "digest resolution: the Deployment runs the resolved digest",
    key: "default/hello-00001",
    config: CONFIG,
    objects: [rev()],
    wantCreates: [
      deployment(rev({ status: resolved(`reg.example.com/app@${DIGEST}`) })),
      pa(rev({ status: resolved(`reg.example.com/app@${DIGEST}`) })),
    ],
    wantStatusUpdates: [withStatus(rev(), {
      ...resolved(`reg.example.com/app@${DIGEST}`),
      conditions: [
        cond("Active", "Unknown", "Deploying", undefined, "Info"),
        cond("ContainerHealthy", "Unknown", "Deploying"),
        cond("Ready", "Unknown", "Deploying"),
        cond("ResourcesAvailable", "Unknown", "Deploying"),
      ],
    })],
  },
  {
    name: "an image that does not exist: ContainerMissing, Unable to fetch image",
    key: "default/hello-00001",
    config: CONFIG,
    objects: [rev({ image: "reg.example.com/app:nope" })],
    wantErr: true,
    wantEvents: [
      'Warning InternalError Unable to fetch image "reg.example.com/app:nope": failed to resolve image to digest: HEAD https://reg.example.com/v2/app/manifests/nope: unexpected status code 404 Not Found (MANIFEST_UNKNOWN: manifest unknown)',
    ],
    wantStatusUpdates: [withStatus(rev({ image: "reg.example.com/app:nope" }), {
      conditions: [
        cond(
          "ContainerHealthy",
          "False",
          "ContainerMissing",
          'Unable to fetch image "reg.example.com/app:nope": failed to resolve image to digest: HEAD https://reg.example.com/v2/app/manifests/nope: unexpected status code 404 Not Found (MANIFEST_UNKNOWN: manifest unknown)',
        ),
        cond(
          "Ready",
          "False",
          "ContainerMissing",
          'Unable to fetch image "reg.example.com/app:nope": failed to resolve image to digest: HEAD https://reg.example.com/v2/app/manifests/nope: unexpected status code 404 Not Found (MANIFEST_UNKNOWN: manifest unknown)',
        ),
        cond("ResourcesAvailable", "Unknown"),
      ],
    })],
  },
  {
    name: "registries-skipping-tag-resolving: no request, the tag is used",
    key: "default/hello-00001",
    config: CONFIG,
    objects: [rev({ image: "ko.local/app:v1" })],
    wantCreates: [
      deployment(rev({ image: "ko.local/app:v1", status: resolved("") })),
      pa(rev({ image: "ko.local/app:v1", status: resolved("") })),
    ],
    wantStatusUpdates: [withStatus(rev({ image: "ko.local/app:v1" }), {
      ...resolved(""),
      conditions: [
        cond("Active", "Unknown", "Deploying", undefined, "Info"),
        cond("ContainerHealthy", "Unknown", "Deploying"),
        cond("Ready", "Unknown", "Deploying"),
        cond("ResourcesAvailable", "Unknown", "Deploying"),
      ],
    })],
  },
]);

Deno.test("exitMessage never says `Container failed with: .`", async (t) => {
  const cases: [string, Parameters<typeof exitMessage>[0], string][] = [
    [
      "with a message",
      { exitCode: 1, message: "panic: boom\n" },
      "Container failed with: panic: boom",
    ],
    ["code 0", { exitCode: 0 }, "Container failed with: container exited with no error"],
    [
      "code and reason",
      { exitCode: 137, reason: "OOMKilled" },
      "Container failed with: container exited with code 137 (OOMKilled)",
    ],
    ["code only", { exitCode: 2 }, "Container failed with: container exited with code 2"],
  ];
  for (const [name, term, want] of cases) {
    await t.step(name, () => assert.equal(exitMessage(term), want));
  }
});
