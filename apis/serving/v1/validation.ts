/**
 * Webhook validation of the serving v1 types (`*_validation.go`,
 * `k8s_validation.go`, `metadata_validation.go`), with Knative's wording.
 * @module
 */
import type { ObjectMeta } from "../../../runtime/mod.ts";
import type { ApiContext } from "../../context.ts";
import { featureOn } from "../../config/features.ts";
import {
  also,
  CURRENT_FIELD,
  errDisallowedFields,
  errGeneric,
  errInvalidKeyName,
  errInvalidValue,
  errMissingField,
  errMissingOneOf,
  errMultipleOneOf,
  errOutOfBoundsValue,
  FieldError,
  via,
} from "../../field_error.ts";
import {
  goStringSlice,
  isDNS1035Label,
  isDNS1123Subdomain,
  isQualifiedName,
  nameIsDNS1035Label,
} from "../../k8s_names.ts";
import {
  validateAutoscalingAnnotations,
  validateHasNoAutoscalingAnnotation,
} from "../../autoscaling/annotation_validation.ts";
import {
  CONFIGURATION_LABEL,
  CREATOR_ANNOTATION,
  SERVICE_LABEL,
  UPDATER_ANNOTATION,
  V1ALPHA1_MODE_ANNOTATION,
  VISIBILITY_CLUSTER_LOCAL,
  VISIBILITY_LABEL,
} from "../register.ts";
import { semanticEqual } from "./defaults.ts";
import type {
  Configuration,
  Container,
  ContainerPort,
  Probe,
  Revision,
  RevisionSpec,
  RevisionTemplateSpec,
  Route,
  Service,
  TrafficTarget,
  Volume,
} from "./types.ts";

const MAX_INT32 = 2147483647;
const RESERVED_PORTS = new Set([8012, 8013, 8022, 8112, 9090, 9091]);
const RESERVED_ENV = new Set(["PORT", "K_SERVICE", "K_CONFIGURATION", "K_REVISION"]);
const RESERVED_PATHS = new Set(["/", "/dev", "/dev/log", "/tmp", "/var", "/var/log"]);

/** ValidateObjectMetadata (knative.dev/pkg + serving): names and annotations. */
export function validateObjectMetadata(
  ctx: ApiContext,
  meta: ObjectMeta,
  allowAutoscalingAnnotations: boolean,
): FieldError | undefined {
  let errs: FieldError | undefined;
  const name = meta.name ?? "";
  const gen = meta.generateName ?? "";
  if (gen !== "") {
    const msgs = nameIsDNS1035Label(gen, true);
    if (msgs.length) {
      errs = new FieldError(`not a DNS 1035 label prefix: ${goStringSlice(msgs)}`, [
        "generateName",
      ]);
    }
  }
  if (!errs && name !== "") {
    const msgs = nameIsDNS1035Label(name, false);
    if (msgs.length) {
      errs = new FieldError(`not a DNS 1035 label: ${goStringSlice(msgs)}`, ["name"]);
    }
  }
  if (!errs && name === "" && gen === "") {
    errs = new FieldError("name or generateName is required", ["name"]);
  }
  errs = also(
    errs,
    via(
      allowAutoscalingAnnotations
        ? validateAutoscalingAnnotations(ctx.autoscaler, meta.annotations)
        : validateHasNoAutoscalingAnnotation(meta.annotations),
      "annotations",
    ),
  );
  return errs;
}

/** When `label` is set, an owner reference of `kind` must name its value. */
function verifyLabelOwnerRef(
  metadata: ObjectMeta,
  label: string,
  kind: string,
): FieldError | undefined {
  const val = metadata.labels?.[label];
  if (val === undefined) return undefined;
  if ((metadata.ownerReferences ?? []).some((r) => r.kind === kind && r.name === val)) {
    return undefined;
  }
  return errMissingField(label);
}

function validateVisibilityLabel(labels: Record<string, string> | undefined) {
  const v = labels?.[VISIBILITY_LABEL];
  if (v !== undefined && v !== VISIBILITY_CLUSTER_LOCAL) {
    return errInvalidValue(v, VISIBILITY_LABEL);
  }
  return undefined;
}

/** An object whose creator and updater annotations are checked on update. */
interface Annotated {
  metadata: ObjectMeta;
  spec?: unknown;
}

/** The creator annotation never changes; the updater only with the spec. */
function validateCreatorAndModifier(old: Annotated, cur: Annotated): FieldError | undefined {
  let errs: FieldError | undefined;
  const o = old.metadata.annotations ?? {};
  const n = cur.metadata.annotations ?? {};
  if (o[CREATOR_ANNOTATION] !== n[CREATOR_ANNOTATION]) {
    errs = also(
      errs,
      errInvalidValue(
        n[CREATOR_ANNOTATION] ?? "",
        CREATOR_ANNOTATION,
        "annotation value is immutable",
      ),
    );
  }
  if (semanticEqual(old.spec, cur.spec) && o[UPDATER_ANNOTATION] !== n[UPDATER_ANNOTATION]) {
    errs = also(
      errs,
      errInvalidValue(
        n[UPDATER_ANNOTATION] ?? "",
        UPDATER_ANNOTATION,
        "annotation value is immutable",
      ),
    );
  }
  return via(errs, "metadata.annotations");
}

/** A Service's or Configuration's update: creator/updater annotations and the template name. */
function validateTemplateUpdate(
  old: Service | Configuration,
  cur: Service | Configuration,
): FieldError | undefined {
  return also(
    validateCreatorAndModifier(old, cur),
    via(verifyNameChange(cur.spec?.template, old.spec?.template), "spec.template"),
  );
}

// ---------------------------------------------------------------- PodSpec

const POD_FEATURE_FIELDS: Record<string, string> = {
  affinity: "kubernetes.podspec-affinity",
  topologySpreadConstraints: "kubernetes.podspec-topologyspreadconstraints",
  hostAliases: "kubernetes.podspec-hostaliases",
  nodeSelector: "kubernetes.podspec-nodeselector",
  tolerations: "kubernetes.podspec-tolerations",
  runtimeClassName: "kubernetes.podspec-runtimeclassname",
  priorityClassName: "kubernetes.podspec-priorityclassname",
  schedulerName: "kubernetes.podspec-schedulername",
  initContainers: "kubernetes.podspec-init-containers",
  shareProcessNamespace: "kubernetes.podspec-shareprocessnamespace",
  hostIPC: "kubernetes.podspec-hostipc",
  hostPID: "kubernetes.podspec-hostpid",
  hostNetwork: "kubernetes.podspec-hostnetwork",
  dnsPolicy: "kubernetes.podspec-dnspolicy",
  dnsConfig: "kubernetes.podspec-dnsconfig",
};
const POD_ALLOWED = new Set([
  "containers",
  "volumes",
  "serviceAccountName",
  "imagePullSecrets",
  "enableServiceLinks",
  "automountServiceAccountToken",
  "securityContext",
  "containerConcurrency",
  "timeoutSeconds",
  "responseStartTimeoutSeconds",
  "idleTimeoutSeconds",
]);
const CONTAINER_ALLOWED = new Set([
  "name",
  "args",
  "command",
  "env",
  "workingDir",
  "envFrom",
  "image",
  "imagePullPolicy",
  "livenessProbe",
  "ports",
  "readinessProbe",
  "startupProbe",
  "resources",
  "securityContext",
  "terminationMessagePath",
  "terminationMessagePolicy",
  "volumeMounts",
]);

function isSet(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === "" || v === 0) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v).length > 0;
  return true;
}

function disallowedPodFields(ctx: ApiContext, ps: RevisionSpec): FieldError | undefined {
  const bad: string[] = [];
  for (const [k, v] of Object.entries(ps)) {
    if (!isSet(v) || POD_ALLOWED.has(k)) continue;
    const f = POD_FEATURE_FIELDS[k];
    if (f && featureOn(ctx.features, f)) continue;
    bad.push(k);
  }
  return bad.length ? errDisallowedFields(...bad.sort()) : undefined;
}

function validateVolumes(
  ctx: ApiContext,
  vols: Volume[] | undefined,
  mounted: Set<string>,
): [Map<string, Volume>, FieldError | undefined] {
  const out = new Map<string, Volume>();
  let errs: FieldError | undefined;
  (vols ?? []).forEach((v, i) => {
    let e: FieldError | undefined;
    if (out.has(v.name)) e = errInvalidValue(v.name, "name");
    const sources = Object.keys(v).filter((k) =>
      k !== "name" && v[k] !== undefined && v[k] !== null
    );
    if (sources.length === 0) {
      e = also(
        e,
        errMissingOneOf("secret", "configMap", "projected", "emptyDir", "persistentVolumeClaim"),
      );
    } else if (sources.length > 1) e = also(e, errMultipleOneOf(...sources));
    if (v.emptyDir && !featureOn(ctx.features, "kubernetes.podspec-volumes-emptydir")) {
      e = also(e, errDisallowedFields("emptyDir"));
    }
    if (
      v.persistentVolumeClaim &&
      !featureOn(ctx.features, "kubernetes.podspec-persistent-volume-claim")
    ) {
      e = also(e, errDisallowedFields("persistentVolumeClaim"));
    }
    if (v.hostPath && !featureOn(ctx.features, "kubernetes.podspec-volumes-hostpath")) {
      e = also(e, errDisallowedFields("hostPath"));
    }
    if (!mounted.has(v.name)) {
      e = also(
        e,
        new FieldError(`volume with name ${JSON.stringify(v.name)} not mounted`, ["name"]),
      );
    }
    errs = also(errs, e?.viaIndex(i));
    out.set(v.name, v);
  });
  return [out, errs];
}

function validateContainersPorts(containers: Container[]): [ContainerPort, FieldError | undefined] {
  let count = 0;
  let port: ContainerPort = { containerPort: 0 };
  for (const c of containers) {
    if (c.ports?.length) {
      count += c.ports.length;
      port = { ...c.ports[0] };
    }
  }
  if (!port.name) port.name = "http";
  if (!port.containerPort) port.containerPort = 8080;
  if (count === 0 && containers.length > 1) return [port, errMissingField("ports")];
  if (count > 1) {
    return [
      port,
      new FieldError(
        "more than one container port is set",
        ["ports"],
        "Only a single port is allowed across all containers",
      ),
    ];
  }
  return [port, undefined];
}

function portValidation(ports: ContainerPort[] | undefined): FieldError | undefined {
  if (!ports) return undefined;
  if (ports.length > 1) {
    return new FieldError(
      "More than one container port is set",
      [CURRENT_FIELD],
      "Only a single port is allowed",
    );
  }
  let errs: FieldError | undefined;
  for (const p of ports) {
    if (p.protocol && p.protocol !== "TCP") {
      errs = also(errs, errInvalidValue(p.protocol, "protocol"));
    }
    if (p.hostIP) errs = also(errs, errDisallowedFields("hostIP"));
    if (p.hostPort) errs = also(errs, errDisallowedFields("hostPort"));
    if (p.containerPort !== 0 && (p.containerPort < 0 || p.containerPort > 65535)) {
      errs = also(errs, errOutOfBoundsValue(p.containerPort, 0, 65535, "containerPort"));
    }
    if (RESERVED_PORTS.has(p.containerPort)) {
      errs = also(errs, errInvalidValue(p.containerPort, "containerPort"));
    }
    if (p.name && p.name !== "http1" && p.name !== "h2c") {
      errs = also(
        errs,
        new FieldError(
          `Port name ${p.name} is not allowed`,
          [CURRENT_FIELD],
          "Name must be empty, or one of: 'h2c', 'http1'",
        ),
      );
    }
  }
  return errs;
}

function portString(p: number | string | undefined): string {
  return p === undefined ? "0" : String(p);
}

function validateProbe(p: Probe | undefined, port: ContainerPort): FieldError | undefined {
  if (!p) return undefined;
  let errs: FieldError | undefined;
  const handlers: string[] = [];
  const checkPort = (kind: string, pp: number | string | undefined) => {
    if (typeof pp === "string" && pp !== "" && pp !== port.name) {
      errs = also(
        errs,
        errInvalidValue(pp, `${kind}.port`, "Probe port must match container port"),
      );
    }
    if (typeof pp === "number" && pp !== 0 && pp !== port.containerPort) {
      errs = also(
        errs,
        errInvalidValue(portString(pp), `${kind}.port`, "May only probe containerPort"),
      );
    }
  };
  if (p.httpGet) {
    handlers.push("httpGet");
    checkPort("httpGet", p.httpGet.port);
  }
  if (p.tcpSocket) {
    handlers.push("tcpSocket");
    checkPort("tcpSocket", p.tcpSocket.port);
  }
  if (p.exec) handlers.push("exec");
  if (p.grpc) {
    handlers.push("grpc");
    checkPort("grpc", p.grpc.port);
  }
  if (handlers.length === 0) {
    errs = also(errs, errMissingOneOf("httpGet", "tcpSocket", "exec", "grpc"));
  } else if (handlers.length > 1) errs = also(errs, errMultipleOneOf(...handlers));
  return errs;
}

function validateReadinessProbe(p: Probe | undefined, port: ContainerPort): FieldError | undefined {
  if (!p) return undefined;
  let errs = validateProbe(p, port);
  const period = p.periodSeconds ?? 0;
  if (period < 0) errs = also(errs, errOutOfBoundsValue(period, 0, MAX_INT32, "periodSeconds"));
  if ((p.initialDelaySeconds ?? 0) < 0) {
    errs = also(
      errs,
      errOutOfBoundsValue(p.initialDelaySeconds, 0, MAX_INT32, "initialDelaySeconds"),
    );
  }
  if ((p.successThreshold ?? 0) < 1) {
    errs = also(
      errs,
      errOutOfBoundsValue(p.successThreshold ?? 0, 1, MAX_INT32, "successThreshold"),
    );
  }
  if (period === 0) {
    if (p.failureThreshold) {
      errs = also(
        errs,
        errGeneric("failureThreshold is disallowed when periodSeconds is zero", "failureThreshold"),
      );
    }
    if (p.timeoutSeconds) {
      errs = also(
        errs,
        errGeneric("timeoutSeconds is disallowed when periodSeconds is zero", "timeoutSeconds"),
      );
    }
  } else {
    if ((p.timeoutSeconds ?? 0) < 1) {
      errs = also(errs, errOutOfBoundsValue(p.timeoutSeconds ?? 0, 1, MAX_INT32, "timeoutSeconds"));
    }
    if ((p.failureThreshold ?? 0) < 1) {
      errs = also(
        errs,
        errOutOfBoundsValue(p.failureThreshold ?? 0, 1, MAX_INT32, "failureThreshold"),
      );
    }
  }
  return errs;
}

function validateEnv(ctx: ApiContext, env: Container["env"]): FieldError | undefined {
  let errs: FieldError | undefined;
  (env ?? []).forEach((e, i) => {
    let x: FieldError | undefined;
    if (!e.name) x = errMissingField("name");
    else if (RESERVED_ENV.has(e.name)) {
      x = new FieldError(`${JSON.stringify(e.name)} is a reserved environment variable`, ["name"]);
    }
    const vf = e.valueFrom as Record<string, unknown> | undefined;
    if (vf?.fieldRef && !featureOn(ctx.features, "kubernetes.podspec-fieldref")) {
      x = also(x, errDisallowedFields("valueFrom.fieldRef"));
    }
    if (vf?.resourceFieldRef && !featureOn(ctx.features, "kubernetes.podspec-fieldref")) {
      x = also(x, errDisallowedFields("valueFrom.resourceFieldRef"));
    }
    errs = also(errs, x?.viaIndex(i));
  });
  return errs;
}

function validateVolumeMounts(
  mounts: Container["volumeMounts"],
  volumes: Map<string, Volume>,
): FieldError | undefined {
  let errs: FieldError | undefined;
  const seen = new Set<string>();
  (mounts ?? []).forEach((vm, i) => {
    let x: FieldError | undefined;
    const clean = vm.mountPath.replace(/\/+$/, "") || "/";
    if (RESERVED_PATHS.has(clean)) {
      x = new FieldError(`mountPath ${JSON.stringify(clean)} is a reserved path`, ["mountPath"]);
    }
    if (!vm.mountPath.startsWith("/")) x = also(x, errInvalidValue(vm.mountPath, "mountPath"));
    if (seen.has(clean)) {
      x = also(x, errInvalidValue(`${JSON.stringify(clean)} must be unique`, "mountPath"));
    }
    seen.add(clean);
    const v = volumes.get(vm.name);
    if (!v) x = also(x, errInvalidValue(vm.name, "name", "volumeMount has no matching volume"));
    else if (!v.emptyDir && !v.persistentVolumeClaim && !vm.readOnly) {
      x = also(x, errMissingField("readOnly"));
    }
    errs = also(errs, x?.viaIndex(i));
  });
  return errs;
}

const IMAGE_RE =
  /^(?:[a-zA-Z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

function validateContainerCommon(
  ctx: ApiContext,
  c: Container,
  volumes: Map<string, Volume>,
): FieldError | undefined {
  if (Object.keys(c).length === 0) return errMissingField(CURRENT_FIELD);
  const bad = Object.entries(c).filter(([k, v]) => isSet(v) && !CONTAINER_ALLOWED.has(k)).map((
    [k],
  ) => k);
  let errs: FieldError | undefined = bad.length ? errDisallowedFields(...bad.sort()) : undefined;
  errs = also(errs, via(validateEnv(ctx, c.env), "env"));
  if (!c.image) errs = also(errs, errMissingField("image"));
  else if (!IMAGE_RE.test(c.image)) {
    errs = also(
      errs,
      new FieldError(
        "Failed to parse image reference",
        ["image"],
        `image: ${JSON.stringify(c.image)}, error: could not parse reference: ${c.image}`,
      ),
    );
  }
  const tmp = c.terminationMessagePolicy;
  if (tmp && tmp !== "File" && tmp !== "FallbackToLogsOnError") {
    errs = also(errs, errInvalidValue(tmp, "terminationMessagePolicy"));
  }
  errs = also(errs, via(validateVolumeMounts(c.volumeMounts, volumes), "volumeMounts"));
  return errs;
}

function validateUserContainer(
  ctx: ApiContext,
  c: Container,
  volumes: Map<string, Volume>,
  port: ContainerPort,
): FieldError | undefined {
  return also(
    via(portValidation(c.ports), "ports"),
    via(validateProbe(c.livenessProbe, port), "livenessProbe"),
    via(validateReadinessProbe(c.readinessProbe, port), "readinessProbe"),
    validateContainerCommon(ctx, c, volumes),
  );
}

function validateSidecar(
  ctx: ApiContext,
  c: Container,
  volumes: Map<string, Volume>,
): FieldError | undefined {
  let errs = validateContainerCommon(ctx, c, volumes);
  if (!featureOn(ctx.features, "multi-container-probing")) {
    if (c.livenessProbe) errs = also(errs, errDisallowedFields("livenessProbe"));
    if (c.readinessProbe) errs = also(errs, errDisallowedFields("readinessProbe"));
  }
  return errs;
}

/** ValidatePodSpec (Knative's allowed subset, feature-gated fields). */
export function validatePodSpec(ctx: ApiContext, ps: RevisionSpec): FieldError | undefined {
  let errs = disallowedPodFields(ctx, ps);
  const containers = ps.containers ?? [];
  const inits = ps.initContainers ?? [];
  const mounted = new Set(
    [...containers, ...inits].flatMap((c) => (c.volumeMounts ?? []).map((m) => m.name)),
  );
  const [volumes, verr] = validateVolumes(ctx, ps.volumes, mounted);
  errs = also(errs, via(verr, "volumes"));
  inits.forEach((c, i) => {
    errs = also(errs, validateContainerCommon(ctx, c, volumes)?.viaFieldIndex("initContainers", i));
  });
  const [port, perr] = validateContainersPorts(containers);
  switch (containers.length) {
    case 0:
      errs = also(errs, errMissingField("containers"));
      break;
    case 1:
      errs = also(
        errs,
        validateUserContainer(ctx, containers[0], volumes, port)?.viaFieldIndex("containers", 0),
      );
      break;
    default:
      if (ctx.features["multi-container"] !== "Enabled") {
        errs = also(
          errs,
          new FieldError(`multi-container is off, but found ${containers.length} containers`),
        );
        break;
      }
      errs = also(errs, via(perr, "containers"));
      containers.forEach((c, i) => {
        const e = c.ports?.length
          ? validateUserContainer(ctx, c, volumes, port)
          : validateSidecar(ctx, c, volumes);
        errs = also(errs, e?.viaFieldIndex("containers", i));
      });
  }
  if (ps.serviceAccountName) {
    for (const m of isDNS1123Subdomain(ps.serviceAccountName)) {
      errs = also(errs, errInvalidValue(ps.serviceAccountName, "serviceAccountName", m));
    }
  }
  return errs;
}

/** RevisionSpec.Validate. */
export function validateRevisionSpec(ctx: ApiContext, rs: RevisionSpec): FieldError | undefined {
  let errs = validatePodSpec(ctx, rs);
  const max = ctx.defaults.maxRevisionTimeoutSeconds;
  const t = rs.timeoutSeconds;
  if (t !== undefined && t !== 0 && (t > max || t < 0)) {
    errs = also(errs, errOutOfBoundsValue(t, 0, max, "timeoutSeconds"));
  }
  const timeout = t || ctx.defaults.revisionTimeoutSeconds;
  for (
    const [k, v] of [
      ["responseStartTimeoutSeconds", rs.responseStartTimeoutSeconds],
      ["idleTimeoutSeconds", rs.idleTimeoutSeconds],
    ] as const
  ) {
    if (v !== undefined && v !== 0 && (v < 0 || v > timeout)) {
      errs = also(errs, errOutOfBoundsValue(v, 0, timeout, k));
    }
  }
  if (rs.containerConcurrency !== undefined) {
    const min = ctx.defaults.allowContainerConcurrencyZero ? 0 : 1;
    const cc = rs.containerConcurrency;
    if (cc < min || cc > ctx.defaults.containerConcurrencyMaxLimit) {
      errs = also(
        errs,
        errOutOfBoundsValue(
          cc,
          min,
          ctx.defaults.containerConcurrencyMaxLimit,
          "containerConcurrency",
        ),
      );
    }
  }
  return errs;
}

/** validateRevisionName: BYO template names must be DNS-1035 and prefixed by the parent name. */
export function validateRevisionName(
  name: string | undefined,
  generateName: string | undefined,
  parent: ObjectMeta | undefined,
): FieldError | undefined {
  if (generateName) {
    const msgs = nameIsDNS1035Label(generateName, true);
    if (msgs.length) {
      return errInvalidValue(
        `not a DNS 1035 label prefix: ${goStringSlice(msgs)}`,
        "metadata.generateName",
      );
    }
  }
  if (name) {
    const msgs = nameIsDNS1035Label(name, false);
    if (msgs.length) {
      return errInvalidValue(`not a DNS 1035 label: ${goStringSlice(msgs)}`, "metadata.name");
    }
    const pname = parent?.name ?? "";
    if (pname === "" && parent?.generateName) return errDisallowedFields("metadata.name");
    const prefix = `${pname}-`;
    if (!name.startsWith(prefix)) {
      return errInvalidValue(
        `${JSON.stringify(name)} must have prefix ${JSON.stringify(prefix)}`,
        "metadata.name",
      );
    }
  }
  return undefined;
}

/** RevisionTemplateSpec.Validate (paths relative to the template). */
export function validateRevisionTemplate(
  ctx: ApiContext,
  t: RevisionTemplateSpec,
  parent: ObjectMeta | undefined,
): FieldError | undefined {
  return also(
    via(validateRevisionSpec(ctx, t.spec ?? {}), "spec"),
    via(
      validateAutoscalingAnnotations(ctx.autoscaler, t.metadata?.annotations),
      "metadata.annotations",
    ),
    validateRevisionName(t.metadata?.name, t.metadata?.generateName, parent),
  );
}

/** VerifyNameChange: a changed template must change its BYO name. */
export function verifyNameChange(
  cur: RevisionTemplateSpec | undefined,
  old: RevisionTemplateSpec | undefined,
): FieldError | undefined {
  const name = cur?.metadata?.name;
  if (!name || name !== old?.metadata?.name) return undefined;
  if (semanticEqual(cur, old)) return undefined;
  return new FieldError(
    "Saw the following changes without a name change (-old +new)",
    ["metadata.name"],
    shortDiff(old, cur),
  );
}

/** A compact `-old +new` JSON diff of two values. */
export function shortDiff(a: unknown, b: unknown, path = ""): string {
  if (semanticEqual(a, b)) return "";
  const isObj = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    return [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort()
      .map((k) => shortDiff(ao[k], bo[k], path ? `${path}.${k}` : k))
      .filter((s) => s !== "").join("\n");
  }
  return `{${path}}:\n\t-: ${JSON.stringify(a)}\n\t+: ${JSON.stringify(b)}`;
}

// ---------------------------------------------------------------- Route traffic

/** TrafficTarget.Validate. */
export function validateTrafficTarget(
  tt: TrafficTarget,
  opts: { inSpec: boolean; defaultConfigName: boolean },
): FieldError | undefined {
  let errs: FieldError | undefined;
  const rev = tt.revisionName ?? "";
  const cfg = tt.configurationName ?? "";
  if (opts.inSpec && tt.latestRevision !== undefined) {
    const pinned = rev !== "";
    if (pinned === tt.latestRevision) {
      errs = errGeneric(
        `may not set revisionName ${
          JSON.stringify(rev)
        } when latestRevision is ${tt.latestRevision}`,
        "latestRevision",
      );
    }
  }
  if (opts.defaultConfigName && cfg !== "") {
    errs = also(errs, errDisallowedFields("configurationName"));
  } else if (rev !== "" && cfg !== "") {
    errs = also(errs, errMultipleOneOf("revisionName", "configurationName"));
  } else if (rev !== "") {
    const el = isQualifiedName(rev);
    if (el.length) errs = also(errs, errInvalidKeyName(rev, "revisionName", ...el));
  } else if (!opts.inSpec) errs = also(errs, errMissingField("revisionName"));
  else if (cfg !== "") {
    const el = isQualifiedName(cfg);
    if (el.length) errs = also(errs, errInvalidKeyName(cfg, "configurationName", ...el));
  } else if (!opts.defaultConfigName) {
    errs = also(errs, errMissingOneOf("revisionName", "configurationName"));
  }
  if (tt.percent !== undefined && (tt.percent < 0 || tt.percent > 100)) {
    errs = also(errs, errOutOfBoundsValue(tt.percent, 0, 100, "percent"));
  }
  if (tt.url) {
    if (opts.inSpec) errs = also(errs, errDisallowedFields("url"));
    if (!tt.tag) errs = also(errs, errDisallowedFields("url"));
  } else if (tt.tag && !opts.inSpec) errs = also(errs, errMissingField("url"));
  return errs;
}

/** validateTrafficList: per-target rules, unique DNS-1035 tags, sum = 100. */
export function validateTrafficList(
  traffic: TrafficTarget[] | undefined,
  opts: { inSpec: boolean; defaultConfigName: boolean },
): FieldError | undefined {
  // An empty list is valid (status traffic is empty on create; Service traffic is defaulted).
  if (!traffic || traffic.length === 0) return undefined;
  let errs: FieldError | undefined;
  const tags = new Map<string, number>();
  let sum = 0;
  (traffic ?? []).forEach((tt, i) => {
    errs = also(errs, validateTrafficTarget(tt, opts)?.viaIndex(i));
    sum += tt.percent ?? 0;
    if (!tt.tag) return;
    const msgs = isDNS1035Label(tt.tag);
    if (msgs.length) {
      errs = also(
        errs,
        errInvalidValue(`not a DNS 1035 label: ${goStringSlice(msgs)}`, "tag").viaIndex(i),
      );
    }
    const prev = tags.get(tt.tag);
    if (prev !== undefined) {
      errs = also(
        errs,
        new FieldError(`Multiple definitions for ${JSON.stringify(tt.tag)}`, [
          `[${i}].tag`,
          `[${prev}].tag`,
        ]),
      );
    } else tags.set(tt.tag, i);
  });
  if (sum !== 100) {
    errs = also(errs, new FieldError(`Traffic targets sum to ${sum}, want 100`, [CURRENT_FIELD]));
  }
  return errs;
}

// ---------------------------------------------------------------- kinds

function isUpdate(ctx: ApiContext) {
  return ctx.operation === "UPDATE" && ctx.baseline !== undefined;
}

/** Service.Validate. */
export function validateService(ctx: ApiContext, s: Service): FieldError | undefined {
  let errs: FieldError | undefined;
  if (!ctx.statusUpdate) {
    errs = also(
      validateObjectMetadata(ctx, s.metadata, false),
      via(validateVisibilityLabel(s.metadata.labels), "labels"),
    )?.viaField("metadata");
    const spec = s.spec ?? { template: { spec: {} } };
    const manual = s.metadata.annotations?.[V1ALPHA1_MODE_ANNOTATION] === "manual";
    errs = also(
      errs,
      manual ? undefined : via(
        validateRevisionTemplate(ctx, spec.template ?? { spec: {} }, s.metadata),
        "spec.template",
      ),
      manual ? undefined : via(
        validateTrafficList(spec.traffic, { inSpec: true, defaultConfigName: true }),
        "spec.traffic",
      ),
    );
  }
  if (isUpdate(ctx)) {
    errs = also(errs, validateTemplateUpdate(ctx.baseline as Service, s));
  }
  return errs;
}

/** Configuration.Validate. */
export function validateConfiguration(ctx: ApiContext, c: Configuration): FieldError | undefined {
  let errs: FieldError | undefined;
  if (!ctx.statusUpdate) {
    errs = also(
      validateObjectMetadata(ctx, c.metadata, false),
      via(verifyLabelOwnerRef(c.metadata, SERVICE_LABEL, "Service"), "labels"),
    )?.viaField("metadata");
    errs = also(
      errs,
      via(
        validateRevisionTemplate(ctx, c.spec?.template ?? { spec: {} }, c.metadata),
        "spec.template",
      ),
    );
  }
  if (isUpdate(ctx)) {
    errs = also(errs, validateTemplateUpdate(ctx.baseline as Configuration, c));
  }
  return errs;
}

/** Route.Validate. */
export function validateRoute(ctx: ApiContext, r: Route): FieldError | undefined {
  let errs: FieldError | undefined;
  if (!ctx.statusUpdate) {
    errs = also(
      validateObjectMetadata(ctx, r.metadata, false),
      via(
        also(
          verifyLabelOwnerRef(r.metadata, SERVICE_LABEL, "Service"),
          validateVisibilityLabel(r.metadata.labels),
        ),
        "labels",
      ),
    )?.viaField("metadata");
    errs = also(
      errs,
      via(
        validateTrafficList(r.spec?.traffic, { inSpec: true, defaultConfigName: false }),
        "spec.traffic",
      ),
    );
  } else if (r.status?.traffic) {
    errs = via(
      validateTrafficList(r.status.traffic, { inSpec: false, defaultConfigName: false }),
      "status.traffic",
    );
  }
  if (isUpdate(ctx)) {
    errs = also(errs, validateCreatorAndModifier(ctx.baseline as Route, r));
  }
  return errs;
}

/** Revision.Validate: metadata, spec, and spec immutability on update. */
export function validateRevision(ctx: ApiContext, r: Revision): FieldError | undefined {
  let errs: FieldError | undefined;
  if (!ctx.statusUpdate) {
    errs = also(
      validateObjectMetadata(ctx, r.metadata, true),
      via(verifyLabelOwnerRef(r.metadata, CONFIGURATION_LABEL, "Configuration"), "labels"),
    )?.viaField("metadata");
    errs = also(errs, via(validateRevisionSpec(ctx, r.spec ?? {}), "spec"));
  }
  if (isUpdate(ctx)) {
    const old = ctx.baseline as Revision;
    if (!semanticEqual(old.spec, r.spec)) {
      errs = also(
        errs,
        new FieldError(
          "Immutable fields changed (-old +new)",
          ["spec"],
          shortDiff(old.spec, r.spec),
        ),
      );
    }
  }
  return errs;
}
