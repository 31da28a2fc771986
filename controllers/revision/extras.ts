/**
 * Revision extras from the seed era: build gating through a `buildRef`
 * annotation, the log URL template, and the fluentd sidecar + config map used
 * when config-observability turns on var-log collection.
 * @module
 */
import type { Revision } from "../../apis/mod.ts";
import type { KubeObject } from "../../runtime/mod.ts";
import { childName, controllerRef } from "../names.ts";
import { configurationOwnerName, makeDeploymentAnnotations, makeLabels } from "./resources.ts";
import { deepCopy } from "../../runtime/mod.ts";

/**
 * Annotation naming the build a Revision waits for: JSON
 * `{"apiVersion":"tekton.dev/v1","kind":"TaskRun","name":"build-1"}` (same namespace).
 * Any object with a `Succeeded` condition works.
 */
export const BUILD_REF_ANNOTATION = "serving.denative.dev/build-ref";

/** A reference to a build object. */
export interface BuildRef {
  /** apiVersion of the build. */
  apiVersion: string;
  /** Kind of the build. */
  kind: string;
  /** Name of the build (in the Revision's namespace). */
  name: string;
}

/** Reads the build reference of a Revision; throws with an actionable message when malformed. */
export function buildRefOf(rev: Revision): BuildRef | undefined {
  const raw = rev.metadata.annotations?.[BUILD_REF_ANNOTATION];
  if (raw === undefined || raw.trim() === "") return undefined;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    v = undefined;
  }
  const r = v as Partial<BuildRef> | undefined;
  if (
    !r || typeof r.apiVersion !== "string" || typeof r.kind !== "string" ||
    typeof r.name !== "string" || !r.apiVersion || !r.kind || !r.name
  ) {
    throw new Error(
      `Annotation ${BUILD_REF_ANNOTATION} must be JSON {"apiVersion","kind","name"}, got ${
        JSON.stringify(raw)
      }`,
    );
  }
  return { apiVersion: r.apiVersion, kind: r.kind, name: r.name };
}

/** config-observability as this controller reads it: raw data or parsed camelCase fields. */
export type ObservabilityInput = Record<string, unknown>;

function pick(cfg: ObservabilityInput, raw: string, camel: string): unknown {
  return cfg[raw] ?? cfg[camel];
}

/** `logging.revision-url-template` with `${REVISION_UID}` replaced; "" when unset. */
export function logUrl(cfg: ObservabilityInput, uid: string): string {
  const t = pick(cfg, "logging.revision-url-template", "loggingURLTemplate");
  return typeof t === "string" && t !== "" ? t.replaceAll("${REVISION_UID}", uid) : "";
}

/** Settings of var-log collection. */
export interface FluentdSettings {
  /** `logging.fluentd-sidecar-image`. */
  image: string;
  /** `logging.fluentd-sidecar-output-config`. */
  outputConfig: string;
}

/** Var-log collection settings when `logging.enable-var-log-collection` is true, else undefined. */
export function fluentdSettings(cfg: ObservabilityInput): FluentdSettings | undefined {
  const on = pick(cfg, "logging.enable-var-log-collection", "enableVarLogCollection");
  if (!(on === true || (typeof on === "string" && on.toLowerCase() === "true"))) return undefined;
  const image = pick(cfg, "logging.fluentd-sidecar-image", "fluentdSidecarImage");
  const out = pick(cfg, "logging.fluentd-sidecar-output-config", "fluentdSidecarOutputConfig");
  return {
    image: typeof image === "string" ? image : "",
    outputConfig: typeof out === "string" ? out : "",
  };
}

/** Name of the fluentd sidecar. */
export const FLUENTD_CONTAINER_NAME = "fluentd-proxy";
/** Name of the shared /var/log volume. */
export const VARLOG_VOLUME = "varlog";
/** Name of the volume carrying the fluentd config map. */
export const FLUENTD_CONFIG_VOLUME = "configmap";

/** Name of the fluentd config map: `<rev>-fluentd`. */
export function fluentdConfigMapName(rev: Revision): string {
  return childName(rev.metadata.name ?? "", "-fluentd");
}

/** The fluentd source that tails the user container's /var/log and tags each record. */
export const FLUENTD_SOURCE_CONFIG = `<source>
  @type tail
  path /var/log/revisions/**/*.*
  pos_file /var/log/varlog.log.pos
  tag raw.*
  format none
  message_key log
  read_from_head true
</source>
<filter raw.var.log.**>
  @type record_transformer
  enable_ruby true
  <record>
    kubernetes \${ {"container_name": "#{ENV['SERVING_CONTAINER_NAME']}", "namespace_name": "#{ENV['SERVING_NAMESPACE']}", "pod_name": "#{ENV['SERVING_POD_NAME']}", "stream": "varlog", "tag": tag_parts[3]} }
  </record>
</filter>
`;

/** Builds the fluentd config map (`varlog.conf` = source + configured output). */
export function makeFluentdConfigMap(rev: Revision, s: FluentdSettings): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: fluentdConfigMapName(rev),
      namespace: rev.metadata.namespace,
      labels: makeLabels(rev),
      annotations: makeDeploymentAnnotations(rev),
      ownerReferences: [controllerRef(rev)],
    },
    data: { "varlog.conf": FLUENTD_SOURCE_CONFIG + s.outputConfig },
  };
}

/**
 * Adds the var-log volume to the user containers and the fluentd sidecar that
 * ships it, to a Deployment built by `makeDeployment`.
 */
export function withFluentdSidecar(d: KubeObject, rev: Revision, s: FluentdSettings): KubeObject {
  const out = deepCopy(d);
  const pod = (out.spec as { template: { spec: Record<string, unknown> } }).template.spec;
  const containers = pod.containers as { name?: string; volumeMounts?: unknown[] }[];
  const userName = rev.spec.containers?.[0]?.name ?? "";
  for (const c of containers) {
    if (c.name === "queue-proxy") continue;
    c.volumeMounts = [...(c.volumeMounts ?? []), { name: VARLOG_VOLUME, mountPath: "/var/log" }];
  }
  containers.push({
    name: FLUENTD_CONTAINER_NAME,
    image: s.image,
    resources: { requests: { cpu: "25m", memory: "50Mi" } },
    env: [
      { name: "FLUENTD_ARGS", value: "--no-supervisor -q" },
      { name: "SERVING_CONTAINER_NAME", value: userName },
      { name: "SERVING_CONFIGURATION", value: configurationOwnerName(rev) },
      { name: "SERVING_REVISION", value: rev.metadata.name ?? "" },
      { name: "SERVING_NAMESPACE", value: rev.metadata.namespace ?? "" },
      { name: "SERVING_POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
    ],
    volumeMounts: [
      { name: VARLOG_VOLUME, mountPath: "/var/log" },
      { name: FLUENTD_CONFIG_VOLUME, mountPath: "/etc/fluent/config.d" },
    ],
  } as { name: string });
  pod.volumes = [
    ...((pod.volumes as unknown[] | undefined) ?? []),
    { name: VARLOG_VOLUME, emptyDir: {} },
    { name: FLUENTD_CONFIG_VOLUME, configMap: { name: fluentdConfigMapName(rev) } },
  ];
  return out;
}

/**
 * Whether config-observability turns profiling on: the parsed
 * `runtime.profiling` (`runtime-profiling: enabled`), else the seed-era
 * `profiling.enable` key of an unparsed map.
 */
export function profilingEnabled(cfg: ObservabilityInput): boolean {
  const runtime = cfg.runtime as { profiling?: unknown } | undefined;
  if (runtime && typeof runtime === "object" && "profiling" in runtime) {
    return runtime.profiling === "enabled";
  }
  const on = pick(cfg, "profiling.enable", "enableProfiling");
  return on === true || (typeof on === "string" && on.toLowerCase() === "true");
}
