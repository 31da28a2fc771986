import type { Condition, KubeObject } from "../../../runtime/mod.ts";
import type { ServerlessService } from "../../../apis/mod.ts";
import assert from "node:assert/strict";
import {
  deploymentToSKS,
  endpointsToSKS,
  makePrivateService,
  makePublicEndpoints,
  makePublicService,
  serverlessServicePlugin,
} from "../../../controllers/serverlessservice/mod.ts";
import { tableTest } from "../../table.ts";

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

function sks(mode: "Serve" | "Proxy" = "Serve"): ServerlessService {
  return {
    apiVersion: "networking.internal.knative.dev/v1alpha1",
    kind: "ServerlessService",
    metadata: {
      name: "hello-00001",
      namespace: "default",
      uid: "sks-uid",
      generation: 1,
      labels: { "serving.knative.dev/revision": "hello-00001" },
    },
    spec: {
      mode,
      objectRef: { apiVersion: "apps/v1", kind: "Deployment", name: "hello-00001-deployment" },
      protocolType: "http1",
      numActivators: 2,
    },
  };
}

const SELECTOR = { "serving.knative.dev/revisionUID": "rev-uid" };
const deployment: KubeObject = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "hello-00001-deployment", namespace: "default" },
  spec: { selector: { matchLabels: SELECTOR } },
};

const SUBSETS = [{
  addresses: [{ ip: "10.0.0.5" }],
  ports: [
    { name: "http", port: 8012, protocol: "TCP" },
    { name: "https", port: 8112, protocol: "TCP" },
    { name: "http-autometric", port: 9090, protocol: "TCP" },
  ],
}];

const privateEndpoints = (subsets: unknown[]): KubeObject => ({
  apiVersion: "v1",
  kind: "Endpoints",
  metadata: {
    name: "hello-00001-private",
    namespace: "default",
    labels: { "networking.internal.knative.dev/serverlessservice": "hello-00001" },
  },
  subsets,
});
const activatorEndpoints: KubeObject = {
  apiVersion: "v1",
  kind: "Endpoints",
  metadata: { name: "activator-service", namespace: "knative-serving" },
  subsets: [{
    addresses: [{ ip: "10.0.9.9" }],
    ports: [{ name: "http", port: 8012, protocol: "TCP" }],
  }],
};

const withStatus = (s: ServerlessService, status: ServerlessService["status"]): KubeObject => ({
  ...s,
  status: { observedGeneration: 1, ...status },
});
const NAMES = { serviceName: "hello-00001", privateServiceName: "hello-00001-private" };

tableTest(serverlessServicePlugin, [
  {
    name: "creates the private and public Services and the public Endpoints",
    key: "default/hello-00001",
    objects: [sks(), deployment],
    wantCreates: [
      makePrivateService(sks(), SELECTOR),
      makePublicService(sks()),
      makePublicEndpoints(sks(), []),
    ],
    wantStatusUpdates: [withStatus(sks(), {
      ...NAMES,
      conditions: [
        cond(
          "ActivatorEndpointsPopulated",
          "True",
          "ActivatorEndpointsPopulated",
          "Revision is backed by Activator",
          "Info",
        ),
        cond("EndpointsPopulated", "Unknown", "NoHealthyBackends", "K8s Service is not ready"),
        cond("Ready", "Unknown", "NoHealthyBackends", "K8s Service is not ready"),
      ],
    })],
  },
  {
    name: "Serve mode mirrors the private endpoints (serving ports only) and becomes Ready",
    key: "default/hello-00001",
    objects: [
      sks(),
      deployment,
      makePrivateService(sks(), SELECTOR),
      makePublicService(sks()),
      makePublicEndpoints(sks(), []),
      privateEndpoints(SUBSETS),
    ],
    wantUpdates: [makePublicEndpoints(sks(), SUBSETS)],
    wantStatusUpdates: [withStatus(sks(), {
      ...NAMES,
      conditions: [
        cond(
          "ActivatorEndpointsPopulated",
          "False",
          "ActivatorEndpointsPopulated",
          "Revision is backed by Activator",
          "Info",
        ),
        cond("EndpointsPopulated", "True"),
        cond("Ready", "True"),
      ],
    })],
    check: (client) => {
      const ep = client.peek({
        apiVersion: "v1",
        kind: "Endpoints",
        namespace: "default",
        name: "hello-00001",
      });
      const ports = (ep?.subsets as { ports: { port: number }[] }[])[0].ports.map((p) => p.port);
      if (JSON.stringify(ports) !== "[8012,8112]") throw new Error(`ports ${ports}`);
    },
  },
  {
    name: "no ready pods but an activator: the public Endpoints point at the activator",
    key: "default/hello-00001",
    objects: [
      sks(),
      deployment,
      makePrivateService(sks(), SELECTOR),
      makePublicService(sks()),
      privateEndpoints([]),
      activatorEndpoints,
    ],
    wantCreates: [makePublicEndpoints(sks(), activatorEndpoints.subsets as [])],
    wantStatusUpdates: [withStatus(sks(), {
      ...NAMES,
      conditions: [
        cond(
          "ActivatorEndpointsPopulated",
          "True",
          "ActivatorEndpointsPopulated",
          "Revision is backed by Activator",
          "Info",
        ),
        cond("EndpointsPopulated", "Unknown", "NoHealthyBackends", "K8s Service is not ready"),
        cond("Ready", "Unknown", "NoHealthyBackends", "K8s Service is not ready"),
      ],
    })],
  },
  {
    name: "a public Service we do not own",
    key: "default/hello-00001",
    objects: [sks(), deployment, makePrivateService(sks(), SELECTOR), {
      ...makePublicService(sks()),
      metadata: { ...makePublicService(sks()).metadata, ownerReferences: [] },
    }],
    wantErr: true,
    wantEvents: ['Warning InternalError SKS "hello-00001" does not own Service: "hello-00001"'],
    wantStatusUpdates: [withStatus(sks(), {
      conditions: [
        cond(
          "EndpointsPopulated",
          "False",
          "NotOwned",
          'There is an existing Service "hello-00001" that we do not own.',
        ),
        cond(
          "Ready",
          "False",
          "NotOwned",
          'There is an existing Service "hello-00001" that we do not own.',
        ),
      ],
    })],
  },
  {
    name: "the scale target is not there yet: no error, waits",
    key: "default/hello-00001",
    objects: [sks()],
    wantStatusUpdates: [withStatus(sks(), {
      conditions: [
        cond("EndpointsPopulated", "Unknown", "NoHealthyBackends", "K8s Service is not ready"),
        cond("Ready", "Unknown", "NoHealthyBackends", "K8s Service is not ready"),
      ],
    })],
  },
]);

Deno.test("SKS watch mappers", async (t) => {
  await t.step("endpoints by label, then by -private suffix", () => {
    assert.deepEqual(endpointsToSKS(privateEndpoints([])), ["default/hello-00001"]);
    assert.deepEqual(
      endpointsToSKS({
        apiVersion: "v1",
        kind: "Endpoints",
        metadata: { name: "r-private", namespace: "n" },
      }),
      ["n/r"],
    );
    assert.deepEqual(
      endpointsToSKS({
        apiVersion: "v1",
        kind: "Endpoints",
        metadata: { name: "other", namespace: "n" },
      }),
      [],
    );
  });
  await t.step("deployment to the SKS of its revision", () => {
    assert.deepEqual(
      deploymentToSKS({
        ...deployment,
        metadata: {
          ...deployment.metadata,
          ownerReferences: [{
            apiVersion: "serving.knative.dev/v1",
            kind: "Revision",
            name: "hello-00001",
            uid: "u",
            controller: true,
          }],
        },
      }),
      ["default/hello-00001"],
    );
  });
});
