/**
 * The API semantics independent of HTTP: create, update, patch, delete,
 * list and get with Kubernetes' rules (resourceVersion, generation,
 * status subresource, finalizers, garbage collection, admission,
 * conversion, CRD schemas, managed fields).
 * @module
 */
import type {
  AdmissionHook,
  AdmissionOperation,
  AdmissionUserInfo,
  Converter,
  KubeObject,
  ManagedFieldsEntry,
  StatusCause,
} from "../runtime/mod.ts";
import {
  alreadyExists,
  ApiError,
  badRequest,
  conflict,
  expired,
  invalid,
  notFound,
} from "./errors.ts";
import {
  apiVersionOf,
  crdProblems,
  Registry,
  type ResourceType,
  servedVersion,
  storageVersion,
  typeFromCrd,
  typeKey,
  type VersionInfo,
} from "./registry.ts";
import { applyDefaults, hasDefaults, prune, validate } from "./schema.ts";
import {
  applyMerge,
  changedLeafPaths,
  deleteAt,
  fromFieldsV1,
  jsonPatch,
  leafPaths,
  mergePatch,
  pathString,
  strategicMerge,
  toFieldsV1,
  valueAt,
} from "./patch.ts";
import {
  jsonPath,
  matchFields,
  matchLabels,
  parseFieldSelector,
  parseLabelSelector,
} from "./selectors.ts";
import { Store } from "./store.ts";
import { parse as parseYaml } from "yaml";
import { deepCopy } from "../runtime/mod.ts";

/** Per-request context. */
export interface RequestContext {
  /** The authenticated user. */
  user: AdmissionUserInfo;
  /** `dryRun=All`. */
  dryRun: boolean;
  /** Field manager (explicit or derived from the user agent). */
  fieldManager: string;
  /** `Strict` rejects unknown fields of custom resources. */
  fieldValidation?: string;
}

/** A resolved type and the version requested. */
export interface Target {
  /** The type. */
  type: ResourceType;
  /** The requested version. */
  version: VersionInfo;
}

/** Patch content types. */
export type PatchKind = "merge" | "json" | "strategic" | "apply";

/** List query. */
export interface ListQuery {
  /** Label selector. */
  labelSelector?: string | null;
  /** Field selector. */
  fieldSelector?: string | null;
  /** Page size. */
  limit?: number;
  /** Continue token. */
  continue?: string | null;
}

/** Delete options. */
export interface DeleteOpts {
  /** Propagation policy. */
  propagationPolicy?: string;
  /** Precondition uid. */
  uid?: string;
  /** Precondition resourceVersion. */
  resourceVersion?: string;
}

const NAME_RE = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const GEN_CHARS = "bcdfghjklmnpqrstvwxz2456789";

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, "Z");
}

function specOf(o: KubeObject, dropStatus: boolean): string {
  const c: Record<string, unknown> = { ...o };
  delete c.metadata;
  delete c.apiVersion;
  delete c.kind;
  if (dropStatus) delete c.status;
  return JSON.stringify(c);
}

function stable(o: KubeObject): string {
  const c = deepCopy(o);
  delete c.metadata.resourceVersion;
  delete c.metadata.managedFields;
  return JSON.stringify(c);
}

/** Parses a request body as JSON or YAML. */
export function decodeBody(text: string, contentType: string): unknown {
  if (text.trim() === "") throw badRequest("the request body is empty");
  try {
    // through JSON: a `%YAML 1.1` document may yield Dates and binary Buffers, which the
    // JSON-only object model (and deepCopy) would turn into {}; JSON keeps what kubectl sends
    if (contentType.includes("yaml")) return JSON.parse(JSON.stringify(parseYaml(text)));
    return JSON.parse(text);
  } catch (e) {
    throw badRequest(
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/merge-patch+json, application/json-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml (${
        e instanceof Error ? e.message : String(e)
      })`,
    );
  }
}

/** Options of the API core. */
export interface ApiOptions {
  /** Admission hooks. */
  admission?: AdmissionHook[];
  /** Converters. */
  converters?: Converter[];
  /** Retained watch events. */
  watchWindow?: number;
}

/** The API core. */
export class Api {
  /** Served types. */
  readonly registry = new Registry();
  /** Storage. */
  readonly store: Store;
  #hooks: AdmissionHook[];
  #converters: Converter[];
  #gcScheduled = false;
  #gcTimer?: ReturnType<typeof setTimeout>;
  #gcRunning: Promise<void> = Promise.resolve();
  #closed = false;
  #ipSeq = 0;

  /** Creates the API core. */
  constructor(opts: ApiOptions = {}) {
    this.store = new Store(opts.watchWindow ?? 10000);
    this.#hooks = opts.admission ?? [];
    this.#converters = opts.converters ?? [];
  }

  /** Re-registers CRD types from storage and creates the system namespaces. */
  async init(): Promise<void> {
    for (
      const crd of this.store.list(typeKey("apiextensions.k8s.io", "customresourcedefinitions"))
    ) {
      this.registry.add(typeFromCrd(crd));
    }
    const ns = this.registry.get("", "namespaces")!;
    for (const name of ["default", "kube-system", "kube-public", "knative-serving"]) {
      if (!this.store.get(typeKey("", "namespaces"), name)) {
        await this.create(
          { type: ns, version: ns.versions[0] },
          undefined,
          { apiVersion: "v1", kind: "Namespace", metadata: { name } },
          {
            user: { username: "system:apiserver" },
            dryRun: false,
            fieldManager: "denative-apiserver",
          },
        );
      }
    }
  }

  /** Stops background work. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#gcTimer !== undefined) clearTimeout(this.#gcTimer);
    await this.#gcRunning;
  }

  /** Resolves group/version/plural to a served type. */
  resolve(group: string, version: string, plural: string): Target {
    const type = this.registry.get(group, plural);
    const v = type && servedVersion(type, version);
    if (!type || !v) {
      throw new ApiError(
        404,
        "NotFound",
        `the server could not find the requested resource`,
        { group, kind: plural },
      );
    }
    return { type, version: v };
  }

  /** Storage key of an object. */
  key(t: ResourceType, ns: string | undefined, name: string): string {
    return t.namespaced ? `${ns}/${name}` : name;
  }

  #tk(t: ResourceType): string {
    return typeKey(t.group, t.plural);
  }

  /** Converts an object to `version` of its type (through the registered converter). */
  convert(t: ResourceType, obj: KubeObject, version: string): KubeObject {
    const want = apiVersionOf(t.group, version);
    if (obj.apiVersion === want) return deepCopy(obj);
    const c = this.#converters.find((c) => c.group === t.group && c.kind === t.kind);
    if (!c) return { ...deepCopy(obj), apiVersion: want };
    try {
      const out = c.convert(deepCopy(obj), want);
      out.apiVersion = want;
      return out;
    } catch (e) {
      throw new ApiError(
        500,
        "InternalError",
        `conversion webhook for ${t.group}/${
          obj.apiVersion.split("/")[1]
        }, Kind=${t.kind} failed: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }

  /** Renders a stored object in the requested version (with schema defaults). */
  output(tg: Target, stored: KubeObject): KubeObject {
    const o = this.convert(tg.type, stored, tg.version.name);
    if (tg.version.schema) applyDefaults(o, tg.version.schema);
    return o;
  }

  /**
   * Renders a stored object for reading only (serializing): the stored object
   * itself when it is already in the requested version and the schema has no
   * defaults to apply, else a copy as {@link Api.output} makes. Never mutate
   * the result.
   */
  view(tg: Target, stored: KubeObject): Readonly<KubeObject> {
    if (
      stored.apiVersion === apiVersionOf(tg.type.group, tg.version.name) &&
      !hasDefaults(tg.version.schema)
    ) return stored;
    return this.output(tg, stored);
  }

  /** Gets one object. */
  get(tg: Target, ns: string | undefined, name: string): KubeObject {
    const o = this.store.get(this.#tk(tg.type), this.key(tg.type, ns, name));
    if (!o) throw notFound(tg.type.group, tg.type.plural, name);
    return this.output(tg, o);
  }

  /** Raw stored object or undefined. */
  raw(t: ResourceType, ns: string | undefined, name: string): KubeObject | undefined {
    return this.store.get(this.#tk(t), this.key(t, ns, name));
  }

  /** Lists objects matching selectors, with paging. */
  list(
    tg: Target,
    ns: string | undefined,
    q: ListQuery,
  ): { items: KubeObject[]; rv: number; continue?: string; remaining?: number } {
    const lreq = parseLabelSelector(q.labelSelector);
    const freq = parseFieldSelector(q.fieldSelector);
    let rv = this.store.rv;
    let after = "";
    if (q.continue) {
      try {
        const c = JSON.parse(atob(q.continue));
        rv = Number(c.rv);
        after = String(c.start);
      } catch {
        throw badRequest("invalid continue token");
      }
      if (rv < this.store.oldest) {
        throw expired(
          "The provided continue parameter is too old to display a consistent list result.",
        );
      }
    }
    const all = this.store.list(this.#tk(tg.type), ns).filter((o) => {
      const k = this.key(tg.type, o.metadata.namespace, o.metadata.name!);
      if (after && k <= after) return false;
      return matchLabels(lreq, o.metadata.labels) && matchFields(freq, o);
    });
    const limit = q.limit && q.limit > 0 ? q.limit : 0;
    if (limit && all.length > limit) {
      const page = all.slice(0, limit);
      const last = page[page.length - 1];
      const start = this.key(tg.type, last.metadata.namespace, last.metadata.name!);
      return {
        items: page.map((o) => this.output(tg, o)),
        rv,
        continue: btoa(JSON.stringify({ rv, start })),
        remaining: all.length - limit,
      };
    }
    return { items: all.map((o) => this.output(tg, o)), rv };
  }

  #matchingHooks(t: ResourceType): AdmissionHook[] {
    return this.#hooks.filter((h) => h.group === t.group && (!h.kinds || h.kinds.includes(t.kind)));
  }

  async #admit(
    tg: Target,
    op: AdmissionOperation,
    obj: KubeObject | undefined,
    old: KubeObject | undefined,
    sub: string | undefined,
    ctx: RequestContext,
  ): Promise<KubeObject | undefined> {
    const hooks = this.#matchingHooks(tg.type);
    let cur = obj;
    for (const h of hooks) {
      if (!h.mutate || !cur || op === "DELETE") continue;
      cur = await h.mutate({
        operation: op,
        object: deepCopy(cur),
        oldObject: old && deepCopy(old),
        subResource: sub,
        userInfo: ctx.user,
        dryRun: ctx.dryRun,
      });
    }
    for (const h of hooks) {
      if (!h.validate) continue;
      const d = await h.validate({
        operation: op,
        object: cur && deepCopy(cur),
        oldObject: old && deepCopy(old),
        subResource: sub,
        userInfo: ctx.user,
        dryRun: ctx.dryRun,
      });
      if (d) {
        throw new ApiError(
          400,
          "BadRequest",
          `admission webhook "${h.name}" denied the request: ${d.message}`,
          d.causes ? { causes: d.causes } : undefined,
        );
      }
    }
    return cur;
  }

  #checkMeta(tg: Target, obj: KubeObject): void {
    const causes: StatusCause[] = [];
    const name = obj.metadata.name ?? "";
    if (tg.type.group === "rbac.authorization.k8s.io") {
      // RBAC names are path segments (kube's ValidatePathSegmentName): `system:foo` is valid
      if (name === "." || name === ".." || /[/%]/.test(name) || name === "") {
        causes.push({
          reason: "FieldValueInvalid",
          field: "metadata.name",
          message:
            `Invalid value: "${name}": may not be '.' or '..' and may not contain '/' or '%'`,
        });
      }
    } else if (!NAME_RE.test(name) || name.length > 253) {
      causes.push({
        reason: "FieldValueInvalid",
        field: "metadata.name",
        message:
          `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      });
    }
    for (const [k, v] of Object.entries(obj.metadata.labels ?? {})) {
      if (typeof v !== "string") {
        causes.push({
          reason: "FieldValueInvalid",
          field: `metadata.labels`,
          message: `Invalid value: ${JSON.stringify(v)}: label ${k} must be a string`,
        });
      }
    }
    if (causes.length) throw invalid(tg.type.group, tg.type.kind, name, causes);
  }

  /** Prunes, defaults and validates a custom resource (in the request version). */
  #schema(tg: Target, obj: KubeObject, ctx?: RequestContext): void {
    const s = tg.version.schema;
    if (tg.type.builtin || !s) return;
    const pruned = prune(obj, s);
    if (pruned.length && ctx?.fieldValidation === "Strict") {
      throw badRequest(
        `strict decoding error: ${pruned.map((p) => `unknown field "${p}"`).join(", ")}`,
      );
    }
    applyDefaults(obj, s);
    const causes = validate(obj, s);
    if (causes.length) throw invalid(tg.type.group, tg.type.kind, obj.metadata.name ?? "", causes);
  }

  #builtinDefaults(t: ResourceType, obj: KubeObject, old?: KubeObject): void {
    // deno-lint-ignore no-explicit-any
    const o = obj as any;
    if (t.group === "" && t.kind === "Namespace") {
      o.spec = { finalizers: ["kubernetes"], ...(o.spec ?? {}) };
      o.status = old?.status ?? o.status ?? { phase: "Active" };
    }
    if (t.group === "" && t.kind === "Service") {
      o.spec = o.spec ?? {};
      o.spec.type = o.spec.type ?? "ClusterIP";
      o.spec.sessionAffinity = o.spec.sessionAffinity ?? "None";
      if (o.spec.type !== "ExternalName" && !o.spec.clusterIP) {
        // deno-lint-ignore no-explicit-any
        const prev = (old as any)?.spec?.clusterIP;
        if (prev) o.spec.clusterIP = prev;
        else {
          const n = ++this.#ipSeq;
          o.spec.clusterIP = `127.1.${(n >> 8) & 255}.${n & 255}`;
        }
      }
      if (o.spec.clusterIP && !o.spec.clusterIPs) o.spec.clusterIPs = [o.spec.clusterIP];
      for (const p of o.spec.ports ?? []) {
        p.protocol = p.protocol ?? "TCP";
        if (p.targetPort === undefined) p.targetPort = p.port;
      }
    }
    if (t.group === "apps" && (t.kind === "Deployment" || t.kind === "ReplicaSet")) {
      o.spec = o.spec ?? {};
      if (o.spec.replicas === undefined) o.spec.replicas = 1;
      if (t.kind === "Deployment") {
        if (o.spec.progressDeadlineSeconds === undefined) o.spec.progressDeadlineSeconds = 600;
        if (o.spec.revisionHistoryLimit === undefined) o.spec.revisionHistoryLimit = 10;
        if (!o.spec.strategy) {
          o.spec.strategy = {
            type: "RollingUpdate",
            rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" },
          };
        }
      }
    }
    if (t.group === "" && t.kind === "Pod") {
      o.spec = o.spec ?? {};
      o.spec.restartPolicy = o.spec.restartPolicy ?? "Always";
    }
    if (t.group === "" && t.kind === "Secret" && o.type === undefined) o.type = "Opaque";
  }

  /** Creates an object. `body` is in the request version. */
  async create(
    tg: Target,
    ns: string | undefined,
    body: unknown,
    ctx: RequestContext,
    managedOp: "Update" | "Apply" = "Update",
  ): Promise<KubeObject> {
    const t = tg.type;
    const obj = this.#decodeObject(tg, body);
    if (t.namespaced) {
      if (!ns) throw badRequest("the namespace of the object must be set");
      if (obj.metadata.namespace && obj.metadata.namespace !== ns) {
        throw badRequest(
          "the namespace of the provided object does not match the namespace sent on the request",
        );
      }
      obj.metadata.namespace = ns;
      const nsObj = this.store.get(typeKey("", "namespaces"), ns);
      if (!nsObj) throw notFound("", "namespaces", ns);
      if (nsObj.metadata.deletionTimestamp) {
        throw new ApiError(
          403,
          "Forbidden",
          `${t.plural} "${
            obj.metadata.name ?? obj.metadata.generateName ?? ""
          }" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`,
        );
      }
    } else delete obj.metadata.namespace;
    if (!obj.metadata.name) {
      if (obj.metadata.generateName) {
        let s = "";
        for (let i = 0; i < 5; i++) s += GEN_CHARS[Math.floor(Math.random() * GEN_CHARS.length)];
        obj.metadata.name = obj.metadata.generateName + s;
      } else {
        throw invalid(t.group, t.kind, "", [{
          reason: "FieldValueRequired",
          field: "metadata.name",
          message: "Required value: name or generateName is required",
        }]);
      }
    }
    const name = obj.metadata.name;
    for (
      const f of [
        "uid",
        "resourceVersion",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "generation",
      ] as const
    ) delete obj.metadata[f];
    if (tg.version.status && !(t.group === "" && t.kind === "Namespace")) delete obj.status;
    this.#checkMeta(tg, obj);
    this.#schema(tg, obj, ctx);
    this.#builtinDefaults(t, obj);
    const admitted = (await this.#admit(tg, "CREATE", obj, undefined, undefined, ctx))!;
    if (admitted !== obj) this.#schema(tg, admitted);
    admitted.metadata.name = name;
    if (t.namespaced) admitted.metadata.namespace = ns;
    if (t.group === "apiextensions.k8s.io" && t.kind === "CustomResourceDefinition") {
      this.#checkCrd(admitted);
    }
    const key = this.key(t, ns, name);
    if (this.store.get(this.#tk(t), key)) throw alreadyExists(t.group, t.plural, name);
    admitted.metadata.uid = crypto.randomUUID();
    admitted.metadata.creationTimestamp = now();
    if (tracksGeneration(t)) admitted.metadata.generation = 1;
    const apiVersion = apiVersionOf(t.group, tg.version.name);
    admitted.apiVersion = apiVersion;
    admitted.kind = t.kind;
    if (managedOp === "Update") {
      admitted.metadata.managedFields = updateManaged(
        [],
        undefined,
        admitted,
        ctx.fieldManager,
        apiVersion,
        "",
      );
    }
    if (ctx.dryRun) return admitted;
    const storedObj = this.convert(t, admitted, storageVersion(t).name);
    if (t.group === "apiextensions.k8s.io" && t.kind === "CustomResourceDefinition") {
      this.#establishCrd(storedObj);
    }
    const stored = await this.store.put(this.#tk(t), key, "ADDED", storedObj);
    if (t.group === "apiextensions.k8s.io" && t.kind === "CustomResourceDefinition") {
      this.registry.add(typeFromCrd(stored));
    }
    return this.output(tg, stored);
  }

  #checkCrd(crd: KubeObject): void {
    const problems = crdProblems(crd);
    if (problems.length) {
      throw invalid(
        "apiextensions.k8s.io",
        "CustomResourceDefinition",
        crd.metadata.name ?? "",
        problems.map((p) => ({ reason: "FieldValueInvalid", field: p.field, message: p.message })),
      );
    }
    // deno-lint-ignore no-explicit-any
    const spec = crd.spec as any;
    const existing = this.registry.get(spec.group, spec.names.plural);
    if (existing && existing.builtin) {
      throw invalid("apiextensions.k8s.io", "CustomResourceDefinition", crd.metadata.name ?? "", [{
        reason: "FieldValueInvalid",
        field: "spec.names.plural",
        message: "Invalid value: the name is served by a built-in type",
      }]);
    }
  }

  #establishCrd(crd: KubeObject): void {
    // deno-lint-ignore no-explicit-any
    const spec = crd.spec as any;
    const t = now();
    crd.status = {
      acceptedNames: spec.names,
      // deno-lint-ignore no-explicit-any
      storedVersions: [spec.versions.find((v: any) => v.storage)?.name],
      conditions: [
        {
          type: "NamesAccepted",
          status: "True",
          reason: "NoConflicts",
          message: "no conflicts found",
          lastTransitionTime: t,
        },
        {
          type: "Established",
          status: "True",
          reason: "InitialNamesAccepted",
          message: "the initial names have been accepted",
          lastTransitionTime: t,
        },
      ],
    };
  }

  #decodeObject(tg: Target, body: unknown): KubeObject {
    if (!isObj(body)) throw badRequest("the request body must be a JSON or YAML object");
    const obj = deepCopy(body) as KubeObject;
    const want = apiVersionOf(tg.type.group, tg.version.name);
    if (obj.kind !== undefined && obj.kind !== tg.type.kind) {
      throw badRequest(
        `the API version in the data (${obj.apiVersion}) does not match the expected API version (${want})`,
      );
    }
    if (obj.apiVersion !== undefined && obj.apiVersion !== want) {
      throw badRequest(
        `the API version in the data (${obj.apiVersion}) does not match the expected API version (${want})`,
      );
    }
    obj.apiVersion = want;
    obj.kind = tg.type.kind;
    if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
    if (!isObj(obj.metadata)) throw badRequest("metadata must be an object");
    return obj;
  }

  /**
   * Replaces an object (PUT). With `sub` = `status` only the status is taken
   * from the body; otherwise the status is kept from the stored object.
   */
  async update(
    tg: Target,
    ns: string | undefined,
    name: string,
    body: unknown,
    ctx: RequestContext,
    sub?: string,
    managed?: (old: KubeObject, next: KubeObject) => ManagedFieldsEntry[],
  ): Promise<KubeObject> {
    const t = tg.type;
    const obj = this.#decodeObject(tg, body);
    if (obj.metadata.name && obj.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    if (t.namespaced && obj.metadata.namespace && obj.metadata.namespace !== ns) {
      throw badRequest(
        "the namespace of the provided object does not match the namespace sent on the request",
      );
    }
    const key = this.key(t, ns, name);
    const storedOld = this.store.get(this.#tk(t), key);
    if (!storedOld) throw notFound(t.group, t.plural, name);
    const old = this.output(tg, storedOld);
    const rv = obj.metadata.resourceVersion;
    if (rv !== undefined && rv !== "" && rv !== storedOld.metadata.resourceVersion) {
      throw conflict(t.group, t.plural, name);
    }
    if ((rv === undefined || rv === "") && !t.builtin && !managed) {
      throw invalid(t.group, t.kind, name, [{
        reason: "FieldValueInvalid",
        field: "metadata.resourceVersion",
        message: "Invalid value: 0x0: must be specified for an update",
      }]);
    }
    let next: KubeObject;
    if (sub === "status") {
      next = deepCopy(old);
      if (obj.status === undefined) delete next.status;
      else next.status = obj.status;
    } else {
      next = obj;
      if (tg.version.status) {
        if (old.status === undefined) delete next.status;
        else next.status = deepCopy(old.status);
      }
      const nf = next.metadata.finalizers ?? [];
      const of = old.metadata.finalizers ?? [];
      if (old.metadata.deletionTimestamp && nf.some((f) => !of.includes(f))) {
        throw invalid(t.group, t.kind, name, [{
          reason: "FieldValueForbidden",
          field: "metadata.finalizers",
          message: "Forbidden: no new finalizers can be added if the object is being deleted",
        }]);
      }
    }
    for (
      const f of [
        "uid",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "generation",
      ] as const
    ) {
      if (old.metadata[f] === undefined) delete next.metadata[f];
      // deno-lint-ignore no-explicit-any
      else (next.metadata as any)[f] = old.metadata[f];
    }
    next.metadata.name = name;
    if (t.namespaced) next.metadata.namespace = ns;
    else delete next.metadata.namespace;
    next.metadata.resourceVersion = storedOld.metadata.resourceVersion;
    if (sub !== "status") this.#checkMeta(tg, next);
    this.#schema(tg, next, ctx);
    this.#builtinDefaults(t, next, old);
    const admitted = (await this.#admit(tg, "UPDATE", next, old, sub, ctx))!;
    if (admitted !== next) this.#schema(tg, admitted);
    admitted.metadata.name = name;
    admitted.apiVersion = apiVersionOf(t.group, tg.version.name);
    admitted.kind = t.kind;
    if (
      t.group === "apiextensions.k8s.io" && t.kind === "CustomResourceDefinition" &&
      sub !== "status"
    ) {
      this.#checkCrd(admitted);
    }
    // generation
    if (old.metadata.generation !== undefined) {
      const dropStatus = tg.version.status;
      if (specOf(old, dropStatus) !== specOf(admitted, dropStatus)) {
        admitted.metadata.generation = (old.metadata.generation ?? 0) + 1;
      }
    }
    admitted.metadata.managedFields = managed ? managed(old, admitted) : updateManaged(
      old.metadata.managedFields ?? [],
      old,
      admitted,
      ctx.fieldManager,
      admitted.apiVersion,
      sub ?? "",
    );
    if (
      stable(admitted) === stable(old) &&
      JSON.stringify(admitted.metadata.managedFields) === JSON.stringify(old.metadata.managedFields)
    ) {
      return old;
    }
    if (ctx.dryRun) return admitted;
    const storedNext = this.convert(t, admitted, storageVersion(t).name);
    if (t.group === "apiextensions.k8s.io" && t.kind === "CustomResourceDefinition") {
      if (sub !== "status") this.#establishCrd(storedNext);
    }
    if (
      storedNext.metadata.deletionTimestamp && (storedNext.metadata.finalizers ?? []).length === 0
    ) {
      const gone = await this.store.put(this.#tk(t), key, "DELETED", storedNext);
      this.#afterRemove(t, gone);
      return this.output(tg, gone);
    }
    const stored = await this.store.put(this.#tk(t), key, "MODIFIED", storedNext);
    if (t.group === "apiextensions.k8s.io" && t.kind === "CustomResourceDefinition") {
      this.registry.add(typeFromCrd(stored));
    }
    if (stored.metadata.deletionTimestamp) this.scheduleGc();
    return this.output(tg, stored);
  }

  /** Applies a patch (or server-side apply) to an object. */
  async patch(
    tg: Target,
    ns: string | undefined,
    name: string,
    kind: PatchKind,
    body: unknown,
    ctx: RequestContext,
    sub?: string,
    force = false,
  ): Promise<{ obj: KubeObject; created: boolean }> {
    const t = tg.type;
    if (kind === "strategic" && !t.builtin) {
      throw new ApiError(
        415,
        "UnsupportedMediaType",
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
      );
    }
    const storedOld = this.raw(t, ns, name);
    if (kind === "apply") {
      if (!isObj(body)) throw badRequest("the apply body must be an object");
      if (!ctx.fieldManager) {
        throw new ApiError(
          422,
          "Invalid",
          `PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch`,
          {
            causes: [{
              reason: "FieldValueRequired",
              field: "fieldManager",
              message: "Required value: is required for apply patch",
            }],
          },
        );
      }
      if (!storedOld) {
        const created = await this.create(
          tg,
          ns,
          { ...body, metadata: { ...(body.metadata as object ?? {}), name } },
          ctx,
          "Apply",
        );
        const applied = deepCopy(body) as KubeObject;
        const entry: ManagedFieldsEntry = {
          manager: ctx.fieldManager,
          operation: "Apply",
          apiVersion: apiVersionOf(t.group, tg.version.name),
          time: now(),
          fieldsType: "FieldsV1",
          fieldsV1: toFieldsV1(ownedPaths(applied)),
        };
        if (ctx.dryRun) {
          return {
            obj: { ...created, metadata: { ...created.metadata, managedFields: [entry] } },
            created: true,
          };
        }
        const storedNew = this.raw(t, ns, name)!;
        const withMf = deepCopy(storedNew);
        withMf.metadata.managedFields = [entry];
        const s = await this.store.put(this.#tk(t), this.key(t, ns, name), "MODIFIED", withMf);
        return { obj: this.output(tg, s), created: true };
      }
      const old = this.output(tg, storedOld);
      return {
        obj: await this.#apply(tg, ns, name, old, body as KubeObject, ctx, sub, force),
        created: false,
      };
    }
    if (!storedOld) throw notFound(t.group, t.plural, name);
    const old = this.output(tg, storedOld);
    let next: unknown;
    if (kind === "merge") next = mergePatch(old, body);
    else if (kind === "json") next = jsonPatch(old, body);
    else next = strategicMerge(old, body);
    if (!isObj(next)) throw badRequest("the patch produced a non-object");
    const n = next as KubeObject;
    if (!isObj(n.metadata)) n.metadata = {};
    // a patch without a resourceVersion is unconditional
    const patchRv = isObj(body) && isObj(body.metadata) ? body.metadata.resourceVersion : undefined;
    if (patchRv === undefined || kind === "json") {
      if (kind !== "json" || n.metadata.resourceVersion === old.metadata.resourceVersion) {
        n.metadata.resourceVersion = old.metadata.resourceVersion;
      }
    }
    return { obj: await this.update(tg, ns, name, n, ctx, sub), created: false };
  }

  async #apply(
    tg: Target,
    ns: string | undefined,
    name: string,
    old: KubeObject,
    applied: KubeObject,
    ctx: RequestContext,
    sub: string | undefined,
    force: boolean,
  ): Promise<KubeObject> {
    const t = tg.type;
    const want = apiVersionOf(t.group, tg.version.name);
    if (applied.apiVersion !== want || applied.kind !== t.kind) {
      throw badRequest(`the apply body must have apiVersion ${want} and kind ${t.kind}`);
    }
    const mfs = deepCopy(old.metadata.managedFields ?? []);
    const mine = mfs.find((m) =>
      m.manager === ctx.fieldManager && m.operation === "Apply" &&
      (m.subresource ?? "") === (sub ?? "")
    );
    const prevOwned = mine ? fromFieldsV1(mine.fieldsV1) : [];
    const newOwned = ownedPaths(applied);
    const ser = (p: string[]) => p.join("\u0000");
    const newSet = new Set(newOwned.map(ser));
    const conflicts: StatusCause[] = [];
    const taken = new Set<string>();
    for (const m of mfs) {
      if (m === mine) continue;
      for (const p of fromFieldsV1(m.fieldsV1)) {
        if (!newSet.has(ser(p))) continue;
        const a = JSON.stringify(valueAt(applied, p));
        const c = JSON.stringify(valueAt(old, p));
        if (a === c) continue;
        if (force) taken.add(ser(p));
        else {
          conflicts.push({
            reason: "FieldManagerConflict",
            message: `conflict with "${m.manager}"${
              m.operation === "Update" ? ` using ${m.apiVersion}` : ""
            }`,
            field: pathString(p),
          });
        }
      }
    }
    if (conflicts.length) {
      const msg = conflicts.length === 1
        ? `Apply failed with 1 conflict: ${conflicts[0].message}: ${conflicts[0].field}`
        : `Apply failed with ${conflicts.length} conflicts: ${
          conflicts.map((c) => `${c.message}: ${c.field}`).join("\n")
        }`;
      throw new ApiError(409, "Conflict", msg, {
        name,
        group: t.group,
        kind: t.plural,
        causes: conflicts,
      });
    }
    let merged = applyMerge(deepCopy(old), stripMeta(applied)) as KubeObject;
    merged.metadata = applyMerge(old.metadata, applied.metadata ?? {}) as KubeObject["metadata"];
    // remove fields this manager owned before, no longer applies, and nobody else owns
    const othersOwn = new Set<string>();
    for (const m of mfs) {
      if (m !== mine) { for (const p of fromFieldsV1(m.fieldsV1)) othersOwn.add(ser(p)); }
    }
    for (const p of prevOwned) {
      if (newSet.has(ser(p)) || othersOwn.has(ser(p))) continue;
      deleteAt(merged, p);
    }
    merged = merged as KubeObject;
    merged.metadata.resourceVersion = old.metadata.resourceVersion;
    const managed = (_o: KubeObject, _n: KubeObject): ManagedFieldsEntry[] => {
      const out: ManagedFieldsEntry[] = [];
      for (const m of mfs) {
        if (m === mine) continue;
        const keep = fromFieldsV1(m.fieldsV1).filter((p) => !(taken.has(ser(p))));
        if (keep.length) out.push({ ...m, fieldsV1: toFieldsV1(keep) });
      }
      const fv = toFieldsV1(newOwned);
      const same = mine && JSON.stringify(mine.fieldsV1) === JSON.stringify(fv);
      out.push({
        manager: ctx.fieldManager,
        operation: "Apply",
        apiVersion: want,
        time: same ? mine!.time : now(),
        fieldsType: "FieldsV1",
        fieldsV1: fv,
        ...(sub ? { subresource: sub } : {}),
      });
      return out;
    };
    return await this.update(tg, ns, name, merged, ctx, sub, managed);
  }

  /** Deletes an object honouring finalizers and the propagation policy. */
  async delete(
    tg: Target,
    ns: string | undefined,
    name: string,
    opts: DeleteOpts,
    ctx: RequestContext,
  ): Promise<KubeObject> {
    const t = tg.type;
    const key = this.key(t, ns, name);
    const stored = this.store.get(this.#tk(t), key);
    if (!stored) throw notFound(t.group, t.plural, name);
    if (opts.uid && opts.uid !== stored.metadata.uid) {
      throw conflict(
        t.group,
        t.plural,
        name,
        `Precondition failed: UID in precondition: ${opts.uid}, UID in object meta: ${stored.metadata.uid}`,
      );
    }
    if (opts.resourceVersion && opts.resourceVersion !== stored.metadata.resourceVersion) {
      throw conflict(
        t.group,
        t.plural,
        name,
        `Precondition failed: ResourceVersion in precondition: ${opts.resourceVersion}, ResourceVersion in object meta: ${stored.metadata.resourceVersion}`,
      );
    }
    const old = this.output(tg, stored);
    await this.#admit(tg, "DELETE", undefined, old, undefined, ctx);
    const policy = opts.propagationPolicy ?? "Background";
    if (!["Background", "Foreground", "Orphan"].includes(policy)) {
      throw badRequest(`propagationPolicy: Unsupported value: "${policy}"`);
    }
    if (ctx.dryRun) return old;
    const fins = [...(stored.metadata.finalizers ?? [])];
    const addFin = policy === "Foreground"
      ? "foregroundDeletion"
      : policy === "Orphan"
      ? "orphan"
      : "";
    let changed = false;
    if (addFin && !fins.includes(addFin) && this.#hasDependents(stored.metadata.uid!)) {
      fins.push(addFin);
      changed = true;
    }
    const isNs = t.group === "" && t.kind === "Namespace";
    if (fins.length || isNs) {
      if (stored.metadata.deletionTimestamp && !changed) return old;
      const next = deepCopy(stored);
      next.metadata.deletionTimestamp = stored.metadata.deletionTimestamp ?? now();
      next.metadata.deletionGracePeriodSeconds = 0;
      next.metadata.finalizers = fins;
      if (fins.length === 0) delete next.metadata.finalizers;
      // deno-lint-ignore no-explicit-any
      if (isNs) (next as any).status = { phase: "Terminating" };
      const s = await this.store.put(this.#tk(t), key, "MODIFIED", next);
      this.scheduleGc();
      return this.output(tg, s);
    }
    const gone = await this.store.put(this.#tk(t), key, "DELETED", stored);
    this.#afterRemove(t, gone);
    return this.output(tg, gone);
  }

  #afterRemove(t: ResourceType, gone: KubeObject): void {
    if (t.group === "apiextensions.k8s.io" && t.kind === "CustomResourceDefinition") {
      const ct = typeFromCrd(gone);
      this.registry.remove(ct.group, ct.plural);
      this.#dropAll(typeKey(ct.group, ct.plural)).catch(() => {});
    }
    this.scheduleGc();
  }

  async #dropAll(tk: string): Promise<void> {
    for (const o of this.store.list(tk)) {
      await this.store.put(
        tk,
        o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name!,
        "DELETED",
        o,
      );
    }
  }

  #hasDependents(uid: string): boolean {
    for (const tk of this.store.types()) {
      for (const o of this.store.list(tk)) {
        if (o.metadata.ownerReferences?.some((r) => r.uid === uid)) return true;
      }
    }
    return false;
  }

  /** Schedules a garbage-collection pass. */
  scheduleGc(): void {
    if (this.#gcScheduled || this.#closed) return;
    this.#gcScheduled = true;
    this.#gcTimer = setTimeout(() => {
      this.#gcTimer = undefined;
      this.#gcScheduled = false;
      this.#gcRunning = this.#gcRunning.then(() => this.#gcPass()).catch(() => {});
    }, 0);
  }

  /** Resolves when no garbage-collection pass is pending or running. */
  async gcIdle(): Promise<void> {
    while (this.#gcScheduled) await new Promise((r) => setTimeout(r, 1));
    await this.#gcRunning;
  }

  async #gcPass(): Promise<void> {
    if (this.#closed) return;
    const sys: RequestContext = {
      user: { username: "system:serviceaccount:kube-system:generic-garbage-collector" },
      dryRun: false,
      fieldManager: "denative-gc",
    };
    let again = false;
    const all: { t: ResourceType; o: KubeObject }[] = [];
    const byUid = new Map<string, { t: ResourceType; o: KubeObject }>();
    for (const t of this.registry.all()) {
      for (const o of this.store.list(this.#tk(t))) {
        const e = { t, o };
        all.push(e);
        byUid.set(o.metadata.uid!, e);
      }
    }
    const tgOf = (t: ResourceType): Target => ({ type: t, version: storageVersion(t) });
    const dependents = (uid: string) =>
      all.filter((e) => e.o.metadata.ownerReferences?.some((r) => r.uid === uid));
    for (const { t, o } of all) {
      if (this.#closed) return;
      if (!o.metadata.deletionTimestamp) continue;
      const fins = o.metadata.finalizers ?? [];
      const name = o.metadata.name!;
      const ns = o.metadata.namespace;
      try {
        if (t.group === "" && t.kind === "Namespace") {
          const inNs = all.filter((e) => e.o.metadata.namespace === name);
          for (const e of inNs) {
            if (!e.o.metadata.deletionTimestamp) {
              await this.delete(tgOf(e.t), name, e.o.metadata.name!, {}, sys).catch(() => {});
            }
          }
          if (inNs.length === 0 && fins.length === 0) {
            const cur = this.raw(t, ns, name);
            if (cur) {
              const gone = await this.store.put(this.#tk(t), name, "DELETED", cur);
              this.#afterRemove(t, gone);
            }
          } else again = true;
          continue;
        }
        if (fins.includes("orphan")) {
          for (const d of dependents(o.metadata.uid!)) {
            const cur = this.raw(d.t, d.o.metadata.namespace, d.o.metadata.name!);
            if (!cur) continue;
            const n = deepCopy(cur);
            n.metadata.ownerReferences = n.metadata.ownerReferences!.filter((r) =>
              r.uid !== o.metadata.uid
            );
            if (n.metadata.ownerReferences.length === 0) delete n.metadata.ownerReferences;
            await this.store.put(
              this.#tk(d.t),
              this.key(d.t, d.o.metadata.namespace, d.o.metadata.name!),
              "MODIFIED",
              n,
            );
          }
          await this.#removeFinalizer(t, o, "orphan", sys);
          again = true;
        }
        if (fins.includes("foregroundDeletion")) {
          const deps = dependents(o.metadata.uid!);
          for (const d of deps) {
            if (!d.o.metadata.deletionTimestamp) {
              await this.delete(tgOf(d.t), d.o.metadata.namespace, d.o.metadata.name!, {
                propagationPolicy: "Foreground",
              }, sys)
                .catch(() => {});
              again = true;
            }
          }
          const blocking = deps.filter((d) =>
            d.o.metadata.ownerReferences?.some((r) =>
              r.uid === o.metadata.uid && r.blockOwnerDeletion
            )
          );
          if (blocking.length === 0) {
            await this.#removeFinalizer(t, o, "foregroundDeletion", sys);
            again = true;
          } else again = true;
        }
      } catch { /* retried on the next pass */ }
    }
    // dependents whose owners are all gone
    for (const { t, o } of all) {
      if (this.#closed) return;
      const refs = o.metadata.ownerReferences;
      if (!refs?.length || o.metadata.deletionTimestamp) continue;
      const live = refs.filter((r) => byUid.has(r.uid));
      if (live.length === refs.length) continue;
      try {
        if (live.length === 0) {
          await this.delete(tgOf(t), o.metadata.namespace, o.metadata.name!, {}, sys);
        } else {
          const cur = this.raw(t, o.metadata.namespace, o.metadata.name!);
          if (cur) {
            const n = deepCopy(cur);
            n.metadata.ownerReferences = live;
            await this.store.put(
              this.#tk(t),
              this.key(t, o.metadata.namespace, o.metadata.name!),
              "MODIFIED",
              n,
            );
          }
        }
        again = true;
      } catch { /* retried on the next pass */ }
    }
    if (again) this.scheduleGc();
  }

  async #removeFinalizer(
    t: ResourceType,
    o: KubeObject,
    fin: string,
    _ctx: RequestContext,
  ): Promise<void> {
    const cur = this.raw(t, o.metadata.namespace, o.metadata.name!);
    if (!cur) return;
    const n = deepCopy(cur);
    n.metadata.finalizers = (n.metadata.finalizers ?? []).filter((f) => f !== fin);
    const key = this.key(t, o.metadata.namespace, o.metadata.name!);
    if (n.metadata.finalizers.length === 0) {
      delete n.metadata.finalizers;
      const gone = await this.store.put(this.#tk(t), key, "DELETED", n);
      this.#afterRemove(t, gone);
    } else await this.store.put(this.#tk(t), key, "MODIFIED", n);
  }

  /** Writes an object directly (system controllers): no admission, no conflicts. */
  async systemWrite(
    t: ResourceType,
    obj: KubeObject,
    kind: "ADDED" | "MODIFIED",
  ): Promise<KubeObject> {
    const o = deepCopy(obj);
    if (kind === "ADDED") {
      o.metadata.uid = o.metadata.uid ?? crypto.randomUUID();
      o.metadata.creationTimestamp = o.metadata.creationTimestamp ?? now();
      if (tracksGeneration(t)) o.metadata.generation = o.metadata.generation ?? 1;
    }
    return await this.store.put(
      this.#tk(t),
      this.key(t, o.metadata.namespace, o.metadata.name!),
      kind,
      o,
    );
  }

  /** Reads the scale subresource as an autoscaling/v1 Scale. */
  scale(tg: Target, ns: string | undefined, name: string, forWrite = false): KubeObject {
    const o = this.get(tg, ns, name);
    const sc = tg.version.scale;
    if (!sc) throw notFound(tg.type.group, `${tg.type.plural}/scale`, name);
    const spec = jsonPath(o, sc.specReplicasPath)[0];
    if (spec === undefined && !tg.type.builtin && !forWrite) {
      const msg = `the spec replicas field "${sc.specReplicasPath}" does not exist`;
      throw new ApiError(500, "InternalError", `Internal error occurred: ${msg}`, {
        causes: [{ message: msg }],
      });
    }
    const stat = jsonPath(o, sc.statusReplicasPath)[0];
    let selector = sc.labelSelectorPath ? jsonPath(o, sc.labelSelectorPath)[0] : undefined;
    if (tg.type.builtin) {
      // deno-lint-ignore no-explicit-any
      const ml = (o as any).spec?.selector?.matchLabels ?? {};
      selector = Object.entries(ml).map(([k, v]) => `${k}=${v}`).join(",");
    }
    return {
      apiVersion: "autoscaling/v1",
      kind: "Scale",
      metadata: {
        name,
        namespace: ns,
        uid: o.metadata.uid,
        resourceVersion: o.metadata.resourceVersion,
        creationTimestamp: o.metadata.creationTimestamp,
      },
      spec: { replicas: typeof spec === "number" ? spec : 0 },
      status: { replicas: typeof stat === "number" ? stat : 0, ...(selector ? { selector } : {}) },
    };
  }

  /** Writes the scale subresource. */
  async writeScale(
    tg: Target,
    ns: string | undefined,
    name: string,
    scaleBody: unknown,
    ctx: RequestContext,
  ): Promise<KubeObject> {
    const sc = tg.version.scale;
    if (!sc) throw notFound(tg.type.group, `${tg.type.plural}/scale`, name);
    // deno-lint-ignore no-explicit-any
    const replicas = (scaleBody as any)?.spec?.replicas;
    if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0) {
      throw invalid("autoscaling", "Scale", name, [{
        reason: "FieldValueInvalid",
        field: "spec.replicas",
        message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
      }]);
    }
    const o = this.get(tg, ns, name);
    // deno-lint-ignore no-explicit-any
    const scRv = (scaleBody as any)?.metadata?.resourceVersion;
    if (scRv && scRv !== o.metadata.resourceVersion) {
      throw conflict(tg.type.group, tg.type.plural, name);
    }
    const parts = sc.specReplicasPath.replace(/^\./, "").split(".");
    let cur = o as Record<string, unknown>;
    for (const p of parts.slice(0, -1)) {
      if (!isObj(cur[p])) cur[p] = {};
      cur = cur[p] as Record<string, unknown>;
    }
    cur[parts[parts.length - 1]] = replicas;
    await this.update(tg, ns, name, o, ctx);
    return this.scale(tg, ns, name);
  }
}

const GENERATION_KINDS = new Set([
  "apps/Deployment",
  "apps/ReplicaSet",
  "apiextensions.k8s.io/CustomResourceDefinition",
]);

/** Kinds whose `metadata.generation` the server maintains (custom resources and some built-ins). */
function tracksGeneration(t: ResourceType): boolean {
  return !t.builtin || GENERATION_KINDS.has(`${t.group}/${t.kind}`);
}

function stripMeta(o: KubeObject): Record<string, unknown> {
  const c: Record<string, unknown> = { ...o };
  delete c.metadata;
  return c;
}

/** Field paths a server-side apply configuration owns. */
function ownedPaths(applied: KubeObject): string[][] {
  const c: Record<string, unknown> = { ...applied };
  delete c.apiVersion;
  delete c.kind;
  const meta = { ...(applied.metadata ?? {}) } as Record<string, unknown>;
  delete meta.name;
  delete meta.namespace;
  delete meta.resourceVersion;
  delete meta.managedFields;
  if (Object.keys(meta).length) c.metadata = meta;
  else delete c.metadata;
  return leafPaths(c);
}

/** Records an Update operation's changed fields for `manager`, removing them from others. */
function updateManaged(
  entries: ManagedFieldsEntry[],
  old: KubeObject | undefined,
  next: KubeObject,
  manager: string,
  apiVersion: string,
  sub: string,
): ManagedFieldsEntry[] {
  const c: Record<string, unknown> = { ...next };
  delete c.apiVersion;
  delete c.kind;
  const meta = { ...next.metadata } as Record<string, unknown>;
  for (
    const k of [
      "name",
      "namespace",
      "uid",
      "resourceVersion",
      "generation",
      "creationTimestamp",
      "managedFields",
      "deletionTimestamp",
      "deletionGracePeriodSeconds",
    ]
  ) delete meta[k];
  c.metadata = meta;
  const paths = leafPaths(c);
  const ser = (p: string[]) => p.join("\u0000");
  const present = new Set(paths.map(ser));
  const changed = old ? changedLeafPaths(old, c) : paths;
  const changedSet = new Set(changed.map(ser));
  const out: ManagedFieldsEntry[] = [];
  let mine: string[][] = [];
  let mineEntry: ManagedFieldsEntry | undefined;
  for (const e of entries) {
    const ps = fromFieldsV1(e.fieldsV1).filter((p) =>
      present.has(ser(p)) || e.operation === "Apply" && valueAt(next, p) !== undefined
    );
    if (e.manager === manager && e.operation === "Update" && (e.subresource ?? "") === sub) {
      mine = ps;
      mineEntry = e;
      continue;
    }
    const keep = ps.filter((p) => !changedSet.has(ser(p)));
    if (keep.length) out.push({ ...e, fieldsV1: toFieldsV1(keep) });
  }
  const mineSet = new Set(mine.map(ser));
  for (const p of changed) if (!mineSet.has(ser(p))) mine.push(p);
  if (mine.length && changed.length === 0 && mineEntry) {
    out.push({ ...mineEntry, fieldsV1: toFieldsV1(mine) });
  } else if (mine.length) {
    out.push({
      manager,
      operation: "Update",
      apiVersion,
      time: now(),
      fieldsType: "FieldsV1",
      fieldsV1: toFieldsV1(mine),
      ...(sub ? { subresource: sub } : {}),
    });
  }
  return out;
}
