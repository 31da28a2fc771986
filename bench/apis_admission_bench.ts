/** Benchmarks of the Service admission path: defaulting, validation, conversion. */
import {
  defaultApiContext,
  type Service,
  serviceToV1,
  serviceToV1alpha1,
  setServiceDefaults,
  type V1alpha1Service,
  validateService,
} from "../apis/mod.ts";

const ctx = defaultApiContext({ userInfo: { username: "bench" } });
const svc: Service = {
  apiVersion: "serving.knative.dev/v1",
  kind: "Service",
  metadata: { name: "hello", namespace: "default" },
  spec: {
    template: {
      metadata: { annotations: { "autoscaling.knative.dev/min-scale": "1" } },
      spec: {
        containers: [{
          image: "ghcr.io/knative/helloworld-go:latest",
          env: [{ name: "A", value: "1" }],
        }],
      },
    },
  },
};
const defaulted = setServiceDefaults(ctx, svc);
const v1a: V1alpha1Service = {
  apiVersion: "serving.knative.dev/v1alpha1",
  kind: "Service",
  metadata: { name: "hello", namespace: "default" },
  spec: {
    runLatest: { configuration: { revisionTemplate: { spec: { container: { image: "img" } } } } },
  },
};

Deno.bench("setServiceDefaults", () => {
  setServiceDefaults(ctx, svc);
});
Deno.bench("validateService (defaulted)", () => {
  validateService(ctx, defaulted);
});
Deno.bench("v1alpha1 → v1 → v1alpha1", () => {
  serviceToV1alpha1(serviceToV1(v1a));
});
