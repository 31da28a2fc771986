import assert from "node:assert/strict";
import type { ServerlessService } from "../../../apis/mod.ts";
import {
  makePrivateService,
  makePublicEndpoints,
  makePublicService,
  privateServiceName,
  readyAddressCount,
} from "../../../controllers/serverlessservice/resources.ts";

function sks(protocolType = "http1"): ServerlessService {
  return {
    apiVersion: "networking.internal.knative.dev/v1alpha1",
    kind: "ServerlessService",
    metadata: {
      name: "rev",
      namespace: "ns",
      uid: "u",
      labels: { "serving.knative.dev/revision": "rev" },
      annotations: { x: "y" },
    },
    spec: { mode: "Serve", objectRef: { name: "rev-deployment" }, protocolType },
  };
}

const OWNER = [{
  apiVersion: "networking.internal.knative.dev/v1alpha1",
  kind: "ServerlessService",
  name: "rev",
  uid: "u",
  controller: true,
  blockOwnerDeletion: true,
}];

Deno.test("makePrivateService (§13.6)", async (t) => {
  await t.step("http1", () => {
    assert.deepEqual(makePrivateService(sks(), { k: "v" }), {
      apiVersion: "v1",
      kind: "Service",
      metadata: {
        name: "rev-private",
        namespace: "ns",
        labels: {
          "serving.knative.dev/revision": "rev",
          "networking.internal.knative.dev/serverlessservice": "rev",
          "networking.internal.knative.dev/serviceType": "Private",
        },
        annotations: { x: "y" },
        ownerReferences: OWNER,
      },
      spec: {
        ports: [
          { name: "http", protocol: "TCP", port: 80, targetPort: 8012 },
          { name: "https", protocol: "TCP", port: 443, targetPort: 8112 },
          { name: "http-autometric", protocol: "TCP", port: 9090, targetPort: "http-autometric" },
          { name: "http-usermetric", protocol: "TCP", port: 9091, targetPort: "http-usermetric" },
          { name: "http-istio", protocol: "TCP", port: 8012, targetPort: 8012 },
        ],
        selector: { k: "v" },
      },
    });
  });
  await t.step("h2c", () => {
    const ports = (makePrivateService(sks("h2c"), {}).spec as { ports: unknown[] }).ports;
    assert.deepEqual(ports[0], {
      name: "http2",
      protocol: "TCP",
      appProtocol: "kubernetes.io/h2c",
      port: 80,
      targetPort: 8013,
    });
    assert.deepEqual(ports[4], {
      name: "http2-istio",
      protocol: "TCP",
      port: 8013,
      targetPort: 8013,
    });
  });
  await t.step("long names are hashed", () => {
    const s = sks();
    s.metadata.name = "x".repeat(60);
    assert.equal(privateServiceName(s).length, 63);
    assert.ok(privateServiceName(s).endsWith("-private"));
  });
});

Deno.test("makePublicService (§13.6)", async (t) => {
  await t.step("http1: no selector, port 80", () => {
    const s = makePublicService(sks());
    assert.equal(s.metadata.name, "rev");
    assert.equal(s.metadata.labels?.["networking.internal.knative.dev/serviceType"], "Public");
    assert.deepEqual(s.spec, {
      ports: [
        { name: "http", protocol: "TCP", port: 80, targetPort: 8012 },
        { name: "https", protocol: "TCP", port: 443, targetPort: 8112 },
      ],
    });
  });
  await t.step("h2c: port 81", () => {
    const ports = (makePublicService(sks("h2c")).spec as { ports: { port: number }[] }).ports;
    assert.equal(ports[0].port, 81);
  });
});

Deno.test("makePublicEndpoints keeps only the serving and TLS ports", () => {
  const e = makePublicEndpoints(sks(), [{
    addresses: [{ ip: "1.1.1.1" }],
    ports: [{ name: "http", port: 8012 }, { name: "https", port: 8112 }, { name: "m", port: 9090 }],
  }]);
  assert.deepEqual(e.subsets, [{
    addresses: [{ ip: "1.1.1.1" }],
    ports: [{ name: "http", port: 8012 }, { name: "https", port: 8112 }],
  }]);
  assert.deepEqual(e.metadata.ownerReferences, OWNER);
  assert.equal(readyAddressCount(e.subsets as []), 1);
});
