/**
 * OpenAPI schemas of Ingress and ServerlessService.
 * @module
 */
import {
  arr,
  bool,
  duckStatus,
  int,
  intOrString,
  type JSONSchemaProps,
  mapOf,
  obj,
  str,
  strMap,
} from "../../schema.ts";
import { topLevelSchema } from "../../serving/v1/schema.ts";

const lb = obj({
  ingress: arr(obj({ ip: str(), domain: str(), domainInternal: str(), meshOnly: bool() })),
});

/** Ingress spec schema. */
export const ingressSpecSchema: JSONSchemaProps = obj({
  tls: arr(obj({ hosts: arr(str()), secretName: str(), secretNamespace: str() })),
  rules: arr(obj({
    hosts: arr(str()),
    visibility: str(
      "Visibility signifies whether this rule should `ClusterLocal` or `ExternalIP`.",
    ),
    http: obj(
      {
        paths: arr(obj(
          {
            path: str(),
            rewriteHost: str(),
            headers: mapOf(obj({ exact: str() })),
            appendHeaders: strMap(),
            splits: arr(obj(
              {
                serviceNamespace: str(),
                serviceName: str(),
                servicePort: intOrString(),
                percent: int(),
                appendHeaders: strMap(),
              },
              undefined,
              ["serviceName", "serviceNamespace", "servicePort"],
            )),
          },
          undefined,
          ["splits"],
        )),
      },
      undefined,
      ["paths"],
    ),
  })),
  httpOption: str(
    "HTTPOption is the option of HTTP. It has the following two values: `HTTPOptionEnabled`, `HTTPOptionRedirected`",
  ),
}, "Spec is the desired state of the Ingress.");

/** ServerlessService spec schema. */
export const sksSpecSchema: JSONSchemaProps = obj(
  {
    mode: str("Mode describes the mode of operation of the ServerlessService."),
    objectRef: obj({ apiVersion: str(), kind: str(), name: str() }),
    protocolType: str(),
    numActivators: int(undefined, "int32"),
  },
  "ServerlessServiceSpec describes the ServerlessService.",
  ["objectRef"],
);

/** Top-level schemas. */
export const networkingSchemas: Record<"Ingress" | "ServerlessService", JSONSchemaProps> = {
  Ingress: topLevelSchema(
    ingressSpecSchema,
    duckStatus(
      { publicLoadBalancer: lb, privateLoadBalancer: lb },
      "Status is the current state of the Ingress.",
    ),
    "Ingress is a collection of rules that allow inbound connections to reach the endpoints defined by a backend.",
  ),
  ServerlessService: topLevelSchema(
    sksSpecSchema,
    duckStatus(
      { serviceName: str(), privateServiceName: str() },
      "ServerlessServiceStatus describes the current state of the ServerlessService.",
    ),
    "ServerlessService is a proxy for the K8s service objects containing the endpoints for the revision.",
  ),
};
