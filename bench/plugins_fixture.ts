/**
 * A ~2 KB Knative Ingress for the plugin benchmarks.
 * @module
 */
import type { KubeObject } from "../runtime/mod.ts";

/** Builds an Ingress with `routes` weighted paths (8 ≈ 2 KB of JSON). */
export function benchIngress(routes = 8): KubeObject {
  const paths = Array.from({ length: routes }, (_, i) => ({
    path: `/api/v${i}`,
    appendHeaders: { "Knative-Serving-Namespace": "default" },
    splits: [
      { serviceNamespace: "default", serviceName: `hello-0000${i}`, servicePort: 80, percent: 90 },
      { serviceNamespace: "default", serviceName: `hello-1000${i}`, servicePort: 80, percent: 10 },
    ],
  }));
  return {
    apiVersion: "networking.internal.knative.dev/v1alpha1",
    kind: "Ingress",
    metadata: {
      name: "hello",
      namespace: "default",
      labels: {
        "serving.knative.dev/route": "hello",
        "serving.knative.dev/routeNamespace": "default",
      },
    },
    spec: {
      httpOption: "Enabled",
      rules: [{ hosts: ["hello.default.example.com"], visibility: "ExternalIP", http: { paths } }],
    },
  };
}
