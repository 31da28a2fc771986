/**
 * The Pod the runtime benchmarks fill stores and watches with.
 * @module
 */
import type { KubeObject } from "../runtime/mod.ts";

/** Pod number `i`: spread over 10 namespaces, 100 apps and 500 ReplicaSets. */
export function benchPod(i: number, uid = `uid-${i}`): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      namespace: `ns${i % 10}`,
      name: `pod-${i}`,
      uid,
      resourceVersion: String(i + 1),
      labels: { app: `app-${i % 100}`, tier: "web" },
      ownerReferences: [{
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        name: `rs-${i % 500}`,
        uid: `rs-${i % 500}`,
        controller: true,
      }],
    },
    spec: {
      containers: [{
        name: "c",
        image: "registry.example/app:1",
        ports: [{ containerPort: 8080 }],
      }],
    },
    status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] },
  };
}
