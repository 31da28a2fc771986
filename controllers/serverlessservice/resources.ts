/**
 * Pure builders of a ServerlessService's children: the private and public k8s
 * Services and the public Endpoints (KNATIVE.md §13.6,
 * `serverlessservice/resources/services.go`).
 * @module
 */
import type { ServerlessService } from "../../apis/mod.ts";
import {
  APP_PROTOCOL_H2C,
  AUTOSCALING_QUEUE_METRICS_PORT,
  AUTOSCALING_QUEUE_METRICS_PORT_NAME,
  BACKEND_HTTP2_PORT,
  BACKEND_HTTP_PORT,
  BACKEND_HTTPS_PORT,
  SERVICE_HTTP2_PORT,
  SERVICE_HTTP_PORT,
  SERVICE_HTTPS_PORT,
  SERVICE_PORT_NAME_H2C,
  SERVICE_PORT_NAME_HTTP1,
  SERVICE_PORT_NAME_HTTPS,
  SERVICE_TYPE_LABEL,
  ServiceType,
  SKS_LABEL,
  USER_QUEUE_METRICS_PORT,
  USER_QUEUE_METRICS_PORT_NAME,
} from "../../apis/mod.ts";
import type { KubeObject, ObjectMeta } from "../../runtime/mod.ts";
import { childName, controllerRef, union } from "../names.ts";
import { deepCopy } from "../../runtime/mod.ts";

/** A k8s ServicePort. */
export interface ServicePort {
  /** Port name. */
  name: string;
  /** Protocol. */
  protocol: "TCP";
  /** App protocol (h2c). */
  appProtocol?: string;
  /** Service port. */
  port: number;
  /** Target port (number or named). */
  targetPort: number | string;
}

/** Name of the private Service: `<sks>-private`. */
export function privateServiceName(sks: ServerlessService): string {
  return childName(sks.metadata.name ?? "", "-private");
}

/** Name of the public Service and Endpoints: the SKS name. */
export function publicServiceName(sks: ServerlessService): string {
  return sks.metadata.name ?? "";
}

function isH2C(sks: ServerlessService): boolean {
  return sks.spec.protocolType === "h2c";
}

function childLabels(sks: ServerlessService, type: string): Record<string, string> {
  return union(sks.metadata.labels, {
    [SKS_LABEL]: sks.metadata.name ?? "",
    [SERVICE_TYPE_LABEL]: type,
  });
}

function servingPort(sks: ServerlessService, port: number): ServicePort {
  const h2c = isH2C(sks);
  const p: ServicePort = {
    name: h2c ? SERVICE_PORT_NAME_H2C : SERVICE_PORT_NAME_HTTP1,
    protocol: "TCP",
    port,
    targetPort: h2c ? BACKEND_HTTP2_PORT : BACKEND_HTTP_PORT,
  };
  if (h2c) p.appProtocol = APP_PROTOCOL_H2C;
  return p;
}

const httpsPort = (): ServicePort => ({
  name: SERVICE_PORT_NAME_HTTPS,
  protocol: "TCP",
  port: SERVICE_HTTPS_PORT,
  targetPort: BACKEND_HTTPS_PORT,
});

/** Metadata of an object the SKS owns: the SKS's labels (plus its own) and annotations. */
function childMeta(sks: ServerlessService, name: string, type: string): ObjectMeta {
  return {
    name,
    namespace: sks.metadata.namespace,
    labels: childLabels(sks, type),
    annotations: { ...(sks.metadata.annotations ?? {}) },
    ownerReferences: [controllerRef(sks)],
  };
}

/** Builds the private Service selecting the revision's pods (`MakePrivateService`). */
export function makePrivateService(
  sks: ServerlessService,
  selector: Record<string, string>,
): KubeObject {
  const h2c = isH2C(sks);
  const backend = h2c ? BACKEND_HTTP2_PORT : BACKEND_HTTP_PORT;
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: childMeta(sks, privateServiceName(sks), ServiceType.Private),
    spec: {
      ports: [
        servingPort(sks, SERVICE_HTTP_PORT),
        httpsPort(),
        {
          name: AUTOSCALING_QUEUE_METRICS_PORT_NAME,
          protocol: "TCP",
          port: AUTOSCALING_QUEUE_METRICS_PORT,
          targetPort: AUTOSCALING_QUEUE_METRICS_PORT_NAME,
        },
        {
          name: USER_QUEUE_METRICS_PORT_NAME,
          protocol: "TCP",
          port: USER_QUEUE_METRICS_PORT,
          targetPort: USER_QUEUE_METRICS_PORT_NAME,
        },
        {
          name: `${h2c ? SERVICE_PORT_NAME_H2C : SERVICE_PORT_NAME_HTTP1}-istio`,
          protocol: "TCP",
          port: backend,
          targetPort: backend,
        },
      ],
      selector: { ...selector },
    },
  };
}

/** Builds the selector-less public Service (`MakePublicService`). */
export function makePublicService(sks: ServerlessService): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: childMeta(sks, publicServiceName(sks), ServiceType.Public),
    spec: {
      ports: [
        servingPort(sks, isH2C(sks) ? SERVICE_HTTP2_PORT : SERVICE_HTTP_PORT),
        httpsPort(),
      ],
    },
  };
}

/** An EndpointSubset (core/v1). */
export interface EndpointSubset {
  /** Ready addresses. */
  addresses?: { ip: string; [k: string]: unknown }[];
  /** Not-ready addresses. */
  notReadyAddresses?: { ip: string; [k: string]: unknown }[];
  /** Ports. */
  ports?: { name?: string; port: number; protocol?: string; appProtocol?: string }[];
}

/** Number of ready addresses in endpoint subsets. */
export function readyAddressCount(subsets: EndpointSubset[] | undefined): number {
  return (subsets ?? []).reduce((n, s) => n + (s.addresses?.length ?? 0), 0);
}

/**
 * Builds the public Endpoints (`MakePublicEndpoints`) mirroring `subsets` (the
 * private Service's endpoints in Serve mode), ports filtered to the serving
 * target port and 8112.
 */
export function makePublicEndpoints(sks: ServerlessService, subsets: EndpointSubset[]): KubeObject {
  const target = isH2C(sks) ? BACKEND_HTTP2_PORT : BACKEND_HTTP_PORT;
  const filtered = subsets.map((s) => {
    const out: EndpointSubset = deepCopy(s);
    out.ports = (s.ports ?? []).filter((p) => p.port === target || p.port === BACKEND_HTTPS_PORT);
    return out;
  });
  return {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: childMeta(sks, publicServiceName(sks), ServiceType.Public),
    subsets: filtered,
  };
}
