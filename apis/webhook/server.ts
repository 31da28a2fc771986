/**
 * The admission webhook: a hono HTTPS server for defaulting (JSONPatch),
 * validation, config-map validation and CRD conversion, as AdmissionReview /
 * ConversionReview v1. It keeps its own CA and serving certificate in a Secret,
 * rotates them before expiry, and writes the CA bundle into the webhook
 * configurations and the Service CRD's conversion settings.
 * @module
 */
import { Hono } from "hono";
import type {
  AdmissionHook,
  AdmissionOperation,
  AdmissionRequest,
  Converter,
  KubeClient,
  KubeObject,
} from "../../runtime/mod.ts";
import { NotFoundError, startTlsFront, type TlsFront } from "../../runtime/mod.ts";
import { type AdmissionHooksOptions, servingAdmissionHooks } from "../admission.ts";
import { servingConverters } from "../serving/v1alpha1/conversion.ts";
import { SYSTEM_NAMESPACE } from "../config/mod.ts";
import {
  CONFIG_WEBHOOK_NAME,
  DEFAULTING_WEBHOOK_NAME,
  VALIDATION_WEBHOOK_NAME,
  WEBHOOK_PORT,
  WEBHOOK_SECRET_NAME,
  WEBHOOK_SERVICE_NAME,
  WebhookPaths,
} from "../manifests.ts";
import { ensureWebhookCerts, type WebhookCerts, webhookDnsNames } from "./certs.ts";
import { createJsonPatch } from "./json_patch.ts";

/** An AdmissionReview (admission.k8s.io/v1) request as received. */
export interface AdmissionReviewRequest {
  /** Request id, echoed in the response. */
  uid: string;
  /** Kind of the object. */
  kind?: { group: string; version: string; kind: string };
  /** Subresource. */
  subResource?: string;
  /** Operation. */
  operation: AdmissionOperation | "CONNECT";
  /** New object. */
  object?: KubeObject | null;
  /** Old object. */
  oldObject?: KubeObject | null;
  /** User. */
  userInfo?: { username?: string; groups?: string[] };
  /** Dry run. */
  dryRun?: boolean;
}

/** An AdmissionReview response body. */
export interface AdmissionReviewResponse {
  /** Echoed uid. */
  uid: string;
  /** Allowed. */
  allowed: boolean;
  /** Refusal status. */
  status?: {
    code: number;
    message: string;
    reason?: string;
    details?: { causes?: { reason?: string; message?: string; field?: string }[] };
  };
  /** `JSONPatch` when a patch is given. */
  patchType?: "JSONPatch";
  /** Base64 of the JSON patch. */
  patch?: string;
}

function b64(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** The pure review logic, independent of HTTP: used by the server and tests. */
export class WebhookHandler {
  readonly #hooks: AdmissionHook[];
  readonly #converters: Converter[];

  /** Builds a handler over hooks and converters. */
  constructor(hooks: AdmissionHook[], converters: Converter[]) {
    this.#hooks = hooks;
    this.#converters = converters;
  }

  #hookFor(obj: KubeObject): AdmissionHook | undefined {
    const group = obj.apiVersion.includes("/") ? obj.apiVersion.split("/")[0] : "";
    return this.#hooks.find((h) => h.group === group && (!h.kinds || h.kinds.includes(obj.kind)));
  }

  #converterFor(obj: KubeObject): Converter | undefined {
    const group = obj.apiVersion.includes("/") ? obj.apiVersion.split("/")[0] : "";
    return this.#converters.find((c) => c.group === group && c.kind === obj.kind);
  }

  // Hooks see the hub (v1) version; a v1alpha1 object is converted in and out.
  #toHub(obj: KubeObject | undefined | null): KubeObject | undefined {
    if (!obj) return undefined;
    const c = this.#converterFor(obj);
    if (!c || obj.apiVersion === `${c.group}/v1`) return obj;
    return c.convert(obj, `${c.group}/v1`);
  }

  #request(r: AdmissionReviewRequest): AdmissionRequest | undefined {
    if (r.operation === "CONNECT") return undefined;
    return {
      operation: r.operation,
      object: this.#toHub(r.object),
      oldObject: this.#toHub(r.oldObject),
      subResource: r.subResource || undefined,
      userInfo: { username: r.userInfo?.username ?? "", groups: r.userInfo?.groups },
      dryRun: r.dryRun,
    };
  }

  #deny(
    uid: string,
    message: string,
    causes?: { reason?: string; message?: string; field?: string }[],
  ) {
    return {
      uid,
      allowed: false,
      status: {
        code: 400,
        reason: "BadRequest",
        message,
        ...(causes?.length ? { details: { causes } } : {}),
      },
    };
  }

  /** Handles a defaulting review: the patch turns the original object into the defaulted one. */
  async mutate(r: AdmissionReviewRequest): Promise<AdmissionReviewResponse> {
    try {
      const orig = r.object;
      const req = this.#request(r);
      if (!orig || !req?.object) return { uid: r.uid, allowed: true };
      const hook = this.#hookFor(orig);
      if (!hook?.mutate) return { uid: r.uid, allowed: true };
      let out = await hook.mutate(req);
      const conv = this.#converterFor(orig);
      if (conv && out.apiVersion !== orig.apiVersion) out = conv.convert(out, orig.apiVersion);
      const ops = createJsonPatch(orig, out);
      if (ops.length === 0) return { uid: r.uid, allowed: true };
      return { uid: r.uid, allowed: true, patchType: "JSONPatch", patch: b64(JSON.stringify(ops)) };
    } catch (e) {
      return this.#deny(r.uid, e instanceof Error ? e.message : String(e));
    }
  }

  /** Handles a validating review (resources or config maps). */
  async validate(r: AdmissionReviewRequest): Promise<AdmissionReviewResponse> {
    try {
      const req = this.#request(r);
      const obj = req?.object ?? req?.oldObject;
      if (!req || !obj) return { uid: r.uid, allowed: true };
      const hook = this.#hookFor(obj);
      const denial = hook?.validate ? await hook.validate(req) : undefined;
      if (!denial) return { uid: r.uid, allowed: true };
      return this.#deny(r.uid, denial.message, denial.causes);
    } catch (e) {
      return this.#deny(r.uid, e instanceof Error ? e.message : String(e));
    }
  }

  /** Handles a ConversionReview request. */
  convert(req: { uid: string; desiredAPIVersion: string; objects: KubeObject[] }) {
    try {
      const convertedObjects = req.objects.map((o) => {
        const c = this.#converterFor(o);
        if (!c) throw new Error(`no converter for ${o.apiVersion}, Kind=${o.kind}`);
        return c.convert(o, req.desiredAPIVersion);
      });
      return { uid: req.uid, convertedObjects, result: { status: "Success" } };
    } catch (e) {
      return {
        uid: req.uid,
        convertedObjects: [],
        result: { status: "Failure", message: e instanceof Error ? e.message : String(e) },
      };
    }
  }
}

/** Builds the hono app serving the four webhook paths and `/healthz`. */
export function webhookApp(handler: WebhookHandler): Hono {
  const app = new Hono();
  const review =
    (fn: (r: AdmissionReviewRequest) => Promise<AdmissionReviewResponse>) =>
    async (c: { req: { json(): Promise<unknown> }; json(v: unknown, s?: number): Response }) => {
      let body: { apiVersion?: string; request?: AdmissionReviewRequest };
      try {
        body = await c.req.json() as typeof body;
      } catch {
        return c.json({ message: "invalid JSON" }, 400);
      }
      if (!body.request) return c.json({ message: "AdmissionReview has no request" }, 400);
      return c.json({
        apiVersion: "admission.k8s.io/v1",
        kind: "AdmissionReview",
        response: await fn(body.request),
      });
    };
  app.post(WebhookPaths.defaulting, review((r) => handler.mutate(r)));
  app.post(WebhookPaths.validation, review((r) => handler.validate(r)));
  app.post(WebhookPaths.config, review((r) => handler.validate(r)));
  app.post(WebhookPaths.conversion, async (c) => {
    let body: { request?: { uid: string; desiredAPIVersion: string; objects: KubeObject[] } };
    try {
      body = await c.req.json();
    } catch {
      return c.json({ message: "invalid JSON" }, 400);
    }
    if (!body.request) return c.json({ message: "ConversionReview has no request" }, 400);
    return c.json({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "ConversionReview",
      response: handler.convert(body.request),
    });
  });
  app.get("/healthz", (c) => c.text("ok"));
  return app;
}

/** Writes the CA bundle into the webhook configurations and the Service CRD conversion. */
export async function injectCABundle(client: KubeClient, caPem: string): Promise<void> {
  const caBundle = b64(caPem);
  const targets = [
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "MutatingWebhookConfiguration",
      name: DEFAULTING_WEBHOOK_NAME,
    },
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingWebhookConfiguration",
      name: VALIDATION_WEBHOOK_NAME,
    },
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingWebhookConfiguration",
      name: CONFIG_WEBHOOK_NAME,
    },
  ];
  for (const t of targets) {
    let obj: KubeObject;
    try {
      obj = await client.get(t);
    } catch (e) {
      if (e instanceof NotFoundError) continue;
      throw e;
    }
    const hooks = (obj.webhooks ?? []) as { clientConfig?: { caBundle?: string } }[];
    if (hooks.every((h) => h.clientConfig?.caBundle === caBundle)) continue;
    for (const h of hooks) h.clientConfig = { ...(h.clientConfig ?? {}), caBundle };
    await client.update({ ...obj, webhooks: hooks });
  }
  const crdRef = {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    name: "services.serving.knative.dev",
  };
  try {
    const crd = await client.get(crdRef);
    const spec = crd.spec as {
      conversion?: { strategy?: string; webhook?: { clientConfig?: { caBundle?: string } } };
    };
    const cc = spec.conversion?.webhook?.clientConfig;
    if (spec.conversion?.strategy === "Webhook" && cc && cc.caBundle !== caBundle) {
      cc.caBundle = caBundle;
      await client.update(crd);
    }
  } catch (e) {
    if (!(e instanceof NotFoundError)) throw e;
  }
}

/** Options of {@link startWebhook}. */
export interface WebhookOptions {
  /** Client for the cert Secret and CA injection; without it certs stay in memory. */
  client?: KubeClient;
  /** System namespace (`knative-serving`). */
  namespace?: string;
  /** Port (default 8443; 0 for any). */
  port?: number;
  /** Listen address (default `0.0.0.0`). */
  hostname?: string;
  /** Extra SANs (e.g. `127.0.0.1`). */
  hosts?: string[];
  /** Admission hook options (the config in force). */
  admission?: AdmissionHooksOptions;
  /** Hooks (default {@link servingAdmissionHooks}). */
  hooks?: AdmissionHook[];
  /** Converters (default {@link servingConverters}). */
  converters?: Converter[];
  /** Cert validity, ms (default 7 days). */
  certValidityMs?: number;
  /** Rotate when less than this remains, ms (default 1 day). */
  rotateBeforeMs?: number;
  /** How often to check for rotation, ms (default 1 hour). */
  checkIntervalMs?: number;
  /** Stops the server. */
  signal?: AbortSignal;
  /** Clock. */
  now?: () => Date;
}

/** A running webhook. */
export interface Webhook {
  /** Bound port. */
  readonly port: number;
  /** Current CA (PEM). */
  readonly caCert: string;
  /** Current serving certificate (PEM). */
  readonly serverCert: string;
  /** Checks expiry now and rotates (restarting TLS) when due; true when rotated. */
  rotateIfNeeded(): Promise<boolean>;
  /** Stops serving. */
  close(): Promise<void>;
}

/** Starts the admission webhook over HTTPS. */
export async function startWebhook(opts: WebhookOptions = {}): Promise<Webhook> {
  const ns = opts.namespace ?? SYSTEM_NAMESPACE;
  const hosts = [...webhookDnsNames(WEBHOOK_SERVICE_NAME, ns), ...(opts.hosts ?? [])];
  const handler = new WebhookHandler(
    opts.hooks ?? servingAdmissionHooks({ systemNamespace: ns, ...(opts.admission ?? {}) }),
    opts.converters ?? servingConverters(),
  );
  const app = webhookApp(handler);
  const ensure = () =>
    ensureWebhookCerts({
      client: opts.client,
      namespace: ns,
      secretName: WEBHOOK_SECRET_NAME,
      hosts,
      validityMs: opts.certValidityMs,
      rotateBeforeMs: opts.rotateBeforeMs,
      now: opts.now,
    });
  let certs: WebhookCerts = await ensure();
  if (opts.client) await injectCABundle(opts.client, certs.caCert);
  let port = opts.port ?? WEBHOOK_PORT;
  // Plain HTTP on loopback behind a TLS front with Nagle off (Deno.serve's own TLS added
  // ~40 ms to every admission reply: runtime/tls_front.ts).
  const plain = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
  let front: TlsFront | undefined;
  const listen = async () => {
    front = await startTlsFront({
      hostname: opts.hostname ?? "0.0.0.0",
      port,
      cert: certs.serverCert + certs.caCert,
      key: certs.serverKey,
      upstream: plain.addr,
    });
    port = front.addr.port;
  };
  try {
    await listen();
  } catch (e) {
    await plain.shutdown();
    throw e;
  }
  let closed = false;
  const rotateBefore = opts.rotateBeforeMs ?? 86_400_000;
  const rotateIfNeeded = async () => {
    const now = (opts.now ?? (() => new Date()))();
    if (certs.notAfter.getTime() - now.getTime() > rotateBefore) return false;
    certs = await ensure();
    if (opts.client) await injectCABundle(opts.client, certs.caCert);
    await front?.close();
    if (!closed) await listen();
    return true;
  };
  const timer = setInterval(() => {
    rotateIfNeeded().catch((e) => console.error(`webhook: certificate rotation failed: ${e}`));
  }, opts.checkIntervalMs ?? 3_600_000);
  const close = async () => {
    if (closed) return;
    closed = true;
    clearInterval(timer);
    await front?.close();
    await plain.shutdown();
  };
  opts.signal?.addEventListener("abort", () => void close());
  return {
    get port() {
      return port;
    },
    get caCert() {
      return certs.caCert;
    },
    get serverCert() {
      return certs.serverCert;
    },
    rotateIfNeeded,
    close,
  };
}
