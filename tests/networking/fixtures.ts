/**
 * Ingress fixtures shaped as the Route controller builds them (KNATIVE §5.7).
 * @module
 */
import type { Ingress, IngressSplit } from "../../networking/mod.ts";

/** A split as the Route controller writes it. */
export function split(rev: string, percent: number, ns = "default"): IngressSplit {
  return {
    serviceNamespace: ns,
    serviceName: rev,
    servicePort: 80,
    percent,
    appendHeaders: { "Knative-Serving-Namespace": ns, "Knative-Serving-Revision": rev },
  };
}

/**
 * Route `hello` in `default`: 90% hello-00001, 10% hello-00002, tag
 * `candidate` → hello-00002 whose placeholder Service is cluster-local.
 * External domain `example.com`.
 */
export function routeIngress(): Ingress {
  return {
    apiVersion: "networking.internal.knative.dev/v1alpha1",
    kind: "Ingress",
    metadata: {
      name: "hello",
      namespace: "default",
      uid: "ing-uid",
      generation: 1,
      labels: {
        "serving.knative.dev/route": "hello",
        "serving.knative.dev/routeNamespace": "default",
        "serving.knative.dev/service": "hello",
      },
      annotations: {
        "networking.knative.dev/ingress.class": "istio.ingress.networking.knative.dev",
        "networking.internal.knative.dev/rollout": "{}",
        "networking.internal.knative.dev/tag-to-host":
          '{"candidate":["candidate-hello.default.svc.cluster.local"]}',
      },
    },
    spec: {
      rules: [
        {
          hosts: ["hello.default", "hello.default.svc", "hello.default.svc.cluster.local"],
          visibility: "ClusterLocal",
          http: { paths: [{ splits: [split("hello-00001", 90), split("hello-00002", 10)] }] },
        },
        {
          hosts: ["hello.default.example.com"],
          visibility: "ExternalIP",
          http: { paths: [{ splits: [split("hello-00001", 90), split("hello-00002", 10)] }] },
        },
        {
          hosts: [
            "candidate-hello.default",
            "candidate-hello.default.svc",
            "candidate-hello.default.svc.cluster.local",
          ],
          visibility: "ClusterLocal",
          http: { paths: [{ splits: [split("hello-00002", 100)] }] },
        },
      ],
      httpOption: "Enabled",
    },
  };
}

/** Probe copies of a path list as `InsertProbe` makes them (hash left to the caller). */
export const HASH_HEADER = "K-Network-Hash";
