import type { Condition, KubeObject } from "../../../runtime/mod.ts";
import type { PodAutoscaler, ServerlessService } from "../../../apis/mod.ts";
import { parseAutoscalerConfig } from "../../../apis/mod.ts";
import {
  deploymentToPA,
  makeMetric,
  makeSKS,
  podAutoscalerPlugin,
} from "../../../controllers/autoscaling/mod.ts";
import { tableTest } from "../../table.ts";

const AS = parseAutoscalerConfig({});
const CONFIG = { "config-autoscaler": AS };

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

function pa(
  annotations: Record<string, string> = {},
  status?: PodAutoscaler["status"],
): PodAutoscaler {
  return {
    apiVersion: "autoscaling.internal.knative.dev/v1alpha1",
    kind: "PodAutoscaler",
    metadata: {
      name: "hello-00001",
      namespace: "default",
      uid: "pa-uid",
      generation: 1,
      labels: { "serving.knative.dev/revision": "hello-00001" },
      annotations: {
        "autoscaling.knative.dev/class": "kpa.autoscaling.knative.dev",
        "autoscaling.knative.dev/metric": "concurrency",
        ...annotations,
      },
    },
    spec: {
      containerConcurrency: 0,
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "hello-00001-deployment" },
      protocolType: "http1",
      reachability: "Reachable",
    },
    ...(status ? { status } : {}),
  };
}

function sks(p: PodAutoscaler, ready = true, owned = true): ServerlessService {
  const s = makeSKS(p, "Serve", 2);
  if (!owned) s.metadata.ownerReferences = [];
  s.status = {
    observedGeneration: 1,
    serviceName: "hello-00001",
    privateServiceName: "hello-00001-private",
    conditions: [
      ready
        ? cond("Ready", "True")
        : cond("Ready", "Unknown", "NoHealthyBackends", "K8s Service is not ready"),
    ],
  };
  return s;
}

function deployment(
  replicas: number,
  ready: number,
  conditions: Record<string, string>[] = [],
): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "hello-00001-deployment", namespace: "default" },
    spec: { replicas },
    status: { replicas, readyReplicas: ready, conditions },
  };
}

const withStatus = (p: PodAutoscaler, status: PodAutoscaler["status"]): KubeObject => ({
  ...p,
  status: { observedGeneration: 1, ...status },
});
const metric = (p: PodAutoscaler) => makeMetric(p, AS, "hello-00001-private");
const BUFFERED = "Requests to the target are being buffered as resources are provisioned.";

tableTest(podAutoscalerPlugin, [
  {
    name: "creates the ServerlessService in Serve mode and waits for its private service",
    key: "default/hello-00001",
    config: CONFIG,
    objects: [pa()],
    wantCreates: [makeSKS(pa(), "Serve", 2)],
    wantStatusUpdates: [withStatus(pa(), {
      conditions: [
        cond("Active", "Unknown"),
        cond("Ready", "Unknown", "NotReady", "No Private Service Name"),
        cond("SKSReady", "Unknown", "NotReady", "No Private Service Name"),
        cond("ScaleTargetInitialized", "Unknown"),
      ],
    })],
  },
  {
    name: "creates the Metric; pods not ready yet: Queued",
    key: "default/hello-00001",
    config: CONFIG,
    objects: [pa(), sks(pa()), deployment(1, 0)],
    wantCreates: [metric(pa())],
    wantStatusUpdates: [withStatus(pa(), {
      metricsServiceName: "hello-00001-private",
      serviceName: "hello-00001",
      actualScale: 0,
      desiredScale: 1,
      conditions: [
        cond("Active", "Unknown", "Queued", BUFFERED),
        cond("Ready", "Unknown", "Queued", BUFFERED),
        cond("SKSReady", "True"),
        cond("ScaleTargetInitialized", "Unknown"),
      ],
    })],
  },
  {
    name: "a ready pod initialises the scale target and makes the PA Ready",
    key: "default/hello-00001",
    config: CONFIG,
    objects: [pa(), sks(pa()), metric(pa()), deployment(1, 1)],
    wantStatusUpdates: [withStatus(pa(), {
      metricsServiceName: "hello-00001-private",
      serviceName: "hello-00001",
      actualScale: 1,
      desiredScale: 1,
      conditions: [
        cond("Active", "True"),
        cond("Ready", "True"),
        cond("SKSReady", "True"),
        cond("ScaleTargetInitialized", "True"),
      ],
    })],
  },
  {
    name: "min-scale scales the Deployment up",
    key: "default/hello-00001",
    config: CONFIG,
    objects: [
      pa({ "autoscaling.knative.dev/min-scale": "3" }),
      sks(pa({ "autoscaling.knative.dev/min-scale": "3" })),
      metric(pa({ "autoscaling.knative.dev/min-scale": "3" })),
      deployment(1, 1),
    ],
    wantPatches: [{
      name: "hello-00001-deployment",
      kind: "Deployment",
      patchType: "merge",
      patch: { spec: { replicas: 3 } },
    }],
    wantStatusUpdates: [withStatus(pa({ "autoscaling.knative.dev/min-scale": "3" }), {
      metricsServiceName: "hello-00001-private",
      serviceName: "hello-00001",
      actualScale: 1,
      desiredScale: 3,
      conditions: [
        cond("Active", "Unknown", "Queued", BUFFERED),
        cond("Ready", "Unknown", "Queued", BUFFERED),
        cond("SKSReady", "True"),
        cond("ScaleTargetInitialized", "Unknown"),
      ],
    })],
  },
  {
    name: "initial-scale is capped by max-scale",
    key: "default/hello-00001",
    config: CONFIG,
    objects: [
      pa({
        "autoscaling.knative.dev/initial-scale": "5",
        "autoscaling.knative.dev/max-scale": "2",
      }),
      sks(
        pa({
          "autoscaling.knative.dev/initial-scale": "5",
          "autoscaling.knative.dev/max-scale": "2",
        }),
      ),
      metric(
        pa({
          "autoscaling.knative.dev/initial-scale": "5",
          "autoscaling.knative.dev/max-scale": "2",
        }),
      ),
      deployment(5, 0),
    ],
    wantPatches: [{ name: "hello-00001-deployment", patch: { spec: { replicas: 2 } } }],
    wantStatusUpdates: [
      withStatus(
        pa({
          "autoscaling.knative.dev/initial-scale": "5",
          "autoscaling.knative.dev/max-scale": "2",
        }),
        {
          metricsServiceName: "hello-00001-private",
          serviceName: "hello-00001",
          actualScale: 0,
          desiredScale: 2,
          conditions: [
            cond("Active", "Unknown", "Queued", BUFFERED),
            cond("Ready", "Unknown", "Queued", BUFFERED),
            cond("SKSReady", "True"),
            cond("ScaleTargetInitialized", "Unknown"),
          ],
        },
      ),
    ],
  },
  {
    name: "a Deployment that never becomes available: Active False with its reason and message",
    key: "default/hello-00001",
    config: CONFIG,
    objects: [
      pa(),
      sks(pa(), false),
      metric(pa()),
      deployment(1, 0, [{
        type: "Progressing",
        status: "False",
        reason: "ProgressDeadlineExceeded",
        message: 'ReplicaSet "x" has timed out progressing.',
      }]),
    ],
    wantStatusUpdates: [withStatus(pa(), {
      metricsServiceName: "hello-00001-private",
      serviceName: "hello-00001",
      actualScale: 0,
      desiredScale: 1,
      conditions: [
        cond(
          "Active",
          "False",
          "ProgressDeadlineExceeded",
          'ReplicaSet "x" has timed out progressing.',
        ),
        cond(
          "Ready",
          "False",
          "ProgressDeadlineExceeded",
          'ReplicaSet "x" has timed out progressing.',
        ),
        cond("SKSReady", "Unknown", "NotReady", "K8s Service is not ready"),
        cond("ScaleTargetInitialized", "Unknown"),
      ],
    })],
  },
  {
    name: "a ServerlessService we do not own",
    key: "default/hello-00001",
    config: CONFIG,
    objects: [pa(), sks(pa(), true, false)],
    wantErr: true,
    wantEvents: ['Warning InternalError PA does not own ServerlessService: "hello-00001"'],
    wantStatusUpdates: [withStatus(pa(), {
      conditions: [
        cond(
          "Active",
          "False",
          "NotOwned",
          'There is an existing ServerlessService "hello-00001" that we do not own.',
        ),
        cond(
          "Ready",
          "False",
          "NotOwned",
          'There is an existing ServerlessService "hello-00001" that we do not own.',
        ),
        cond("SKSReady", "Unknown"),
        cond("ScaleTargetInitialized", "Unknown"),
      ],
    })],
  },
  {
    name: "the Deployment is not there yet: no error, the Deployment watch brings it back",
    key: "default/hello-00001",
    config: CONFIG,
    objects: [pa(), sks(pa()), metric(pa())],
    wantStatusUpdates: [withStatus(pa(), {
      metricsServiceName: "hello-00001-private",
      serviceName: "hello-00001",
      conditions: [
        cond("Active", "Unknown"),
        cond("Ready", "Unknown"),
        cond("SKSReady", "True"),
        cond("ScaleTargetInitialized", "Unknown"),
      ],
    })],
  },
]);

Deno.test("deploymentToPA maps a Revision's Deployment to its PodAutoscaler", () => {
  const d = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: "r-deployment",
      namespace: "ns",
      ownerReferences: [{
        apiVersion: "serving.knative.dev/v1",
        kind: "Revision",
        name: "r",
        uid: "u",
        controller: true,
      }],
    },
  };
  if (JSON.stringify(deploymentToPA(d)) !== '["ns/r"]') {
    throw new Error(JSON.stringify(deploymentToPA(d)));
  }
  if (deploymentToPA({ ...d, metadata: { name: "x" } }).length !== 0) {
    throw new Error("mapped an unowned Deployment");
  }
});
