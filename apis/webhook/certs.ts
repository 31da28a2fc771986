/**
 * The webhook's own CA and serving certificate: RSA keys from WebCrypto,
 * certificates built and signed with node-forge, kept in a Secret.
 * @module
 */
import forge from "node-forge";
import type { KubeClient, KubeObject } from "../../runtime/mod.ts";
import { NotFoundError } from "../../runtime/mod.ts";

/** The webhook's CA and serving key pair, in PEM. */
export interface WebhookCerts {
  /** CA certificate (the bundle clients trust). */
  caCert: string;
  /** CA private key (PKCS#8). */
  caKey: string;
  /** Serving certificate. */
  serverCert: string;
  /** Serving private key (PKCS#8). */
  serverKey: string;
  /** Expiry of the serving certificate. */
  notAfter: Date;
}

/** Secret data keys (Knative's `certificates` reconciler uses the same names). */
export const SecretKeys = {
  caCert: "ca-cert.pem",
  caKey: "ca-key.pem",
  serverCert: "server-cert.pem",
  serverKey: "server-key.pem",
} as const;

// node-forge ships no types; confine the untyped use to this module.
// deno-lint-ignore no-explicit-any
const f = forge as any;

function pem(der: ArrayBuffer, label: string): string {
  const b64 = btoa(String.fromCharCode(...new Uint8Array(der)));
  return `-----BEGIN ${label}-----\n${b64.match(/.{1,64}/g)!.join("\n")}\n-----END ${label}-----\n`;
}

async function rsaKey(): Promise<{ pem: string; priv: unknown; pub: unknown }> {
  const kp = await crypto.subtle.generateKey(
    {
      name: "RSASSA-PKCS1-v1_5",
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: "SHA-256",
    },
    true,
    ["sign", "verify"],
  );
  const keyPem = pem(await crypto.subtle.exportKey("pkcs8", kp.privateKey), "PRIVATE KEY");
  const priv = f.pki.privateKeyFromPem(keyPem);
  return { pem: keyPem, priv, pub: f.pki.setRsaPublicKey(priv.n, priv.e) };
}

function serial(): string {
  return "01" +
    Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, "0"))
      .join("");
}

/** The DNS names a webhook Service is reached by. */
export function webhookDnsNames(service: string, namespace: string): string[] {
  return [
    service,
    `${service}.${namespace}`,
    `${service}.${namespace}.svc`,
    `${service}.${namespace}.svc.cluster.local`,
  ];
}

/** Options of {@link generateWebhookCerts}. */
export interface GenerateOptions {
  /** Subject alternative names (DNS names or IP addresses). */
  hosts: string[];
  /** Validity in milliseconds (default 7 days, like Knative). */
  validityMs?: number;
  /** Clock. */
  now?: Date;
}

/** Creates a fresh CA and a serving certificate for `hosts`. */
export async function generateWebhookCerts(opts: GenerateOptions): Promise<WebhookCerts> {
  const now = opts.now ?? new Date();
  const validity = opts.validityMs ?? 7 * 86_400_000;
  const notBefore = new Date(now.getTime() - 60_000);
  const notAfter = new Date(now.getTime() + validity);
  const caKey = await rsaKey();
  const leafKey = await rsaKey();
  const caAttrs = [{ name: "commonName", value: "denative-webhook-ca" }, {
    name: "organizationName",
    value: "denative",
  }];
  const ca = f.pki.createCertificate();
  ca.publicKey = caKey.pub;
  ca.serialNumber = serial();
  ca.validity.notBefore = notBefore;
  ca.validity.notAfter = notAfter;
  ca.setSubject(caAttrs);
  ca.setIssuer(caAttrs);
  ca.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  ca.sign(caKey.priv, f.md.sha256.create());
  const altNames = opts.hosts.map((h) =>
    /^[\d.]+$/.test(h) || h.includes(":") ? { type: 7, ip: h } : { type: 2, value: h }
  );
  const leaf = f.pki.createCertificate();
  leaf.publicKey = leafKey.pub;
  leaf.serialNumber = serial();
  leaf.validity.notBefore = notBefore;
  leaf.validity.notAfter = notAfter;
  leaf.setSubject([{ name: "commonName", value: opts.hosts[0] ?? "webhook" }]);
  leaf.setIssuer(caAttrs);
  leaf.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    { name: "subjectAltName", altNames },
  ]);
  leaf.sign(caKey.priv, f.md.sha256.create());
  return {
    caCert: f.pki.certificateToPem(ca),
    caKey: caKey.pem,
    serverCert: f.pki.certificateToPem(leaf),
    serverKey: leafKey.pem,
    notAfter,
  };
}

/** Reads the expiry of a PEM certificate. */
export function certNotAfter(certPem: string): Date {
  return f.pki.certificateFromPem(certPem).validity.notAfter as Date;
}

/** Reads the subject alternative names of a PEM certificate. */
export function certHosts(certPem: string): string[] {
  const ext = f.pki.certificateFromPem(certPem).getExtension("subjectAltName") as
    | { altNames: { ip?: string; value?: string }[] }
    | undefined;
  return (ext?.altNames ?? []).map((a) => a.ip ?? a.value ?? "");
}

const b64 = (s: string) => btoa(s);
const unb64 = (s: string) => atob(s);

/** Decodes certs from a Secret; undefined when incomplete or unparseable. */
export function certsFromSecret(secret: KubeObject): WebhookCerts | undefined {
  const data = (secret.data ?? {}) as Record<string, string>;
  try {
    const caCert = unb64(data[SecretKeys.caCert] ?? "");
    const caKey = unb64(data[SecretKeys.caKey] ?? "");
    const serverCert = unb64(data[SecretKeys.serverCert] ?? "");
    const serverKey = unb64(data[SecretKeys.serverKey] ?? "");
    if (!caCert || !serverCert || !serverKey) return undefined;
    return { caCert, caKey, serverCert, serverKey, notAfter: certNotAfter(serverCert) };
  } catch {
    return undefined;
  }
}

/** Encodes certs as Secret data. */
export function secretData(c: WebhookCerts): Record<string, string> {
  return {
    [SecretKeys.caCert]: b64(c.caCert),
    [SecretKeys.caKey]: b64(c.caKey),
    [SecretKeys.serverCert]: b64(c.serverCert),
    [SecretKeys.serverKey]: b64(c.serverKey),
  };
}

/** Options of {@link ensureWebhookCerts}. */
export interface EnsureOptions {
  /** Client (the Secret is kept there); without one certs live in memory only. */
  client?: KubeClient;
  /** Namespace of the Secret. */
  namespace: string;
  /** Secret name. */
  secretName: string;
  /** SANs of the serving certificate. */
  hosts: string[];
  /** Rotate when less than this remains (ms). Default: 1 day. */
  rotateBeforeMs?: number;
  /** Validity of new certs (ms). */
  validityMs?: number;
  /** Clock. */
  now?: () => Date;
}

/**
 * Returns valid certs: the Secret's when they cover `hosts` and are not close
 * to expiry, else freshly generated ones written back to the Secret.
 */
export async function ensureWebhookCerts(opts: EnsureOptions): Promise<WebhookCerts> {
  const now = (opts.now ?? (() => new Date()))();
  const rotateBefore = opts.rotateBeforeMs ?? 86_400_000;
  const ref = {
    apiVersion: "v1",
    kind: "Secret",
    namespace: opts.namespace,
    name: opts.secretName,
  };
  let existing: KubeObject | undefined;
  if (opts.client) {
    try {
      existing = await opts.client.get(ref);
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
    }
  }
  const current = existing ? certsFromSecret(existing) : undefined;
  if (
    current && current.notAfter.getTime() - now.getTime() > rotateBefore &&
    opts.hosts.every((h) => certHosts(current.serverCert).includes(h))
  ) {
    return current;
  }
  const fresh = await generateWebhookCerts({ hosts: opts.hosts, validityMs: opts.validityMs, now });
  if (opts.client) {
    if (existing) {
      await opts.client.update({ ...existing, type: "Opaque", data: secretData(fresh) });
    } else {
      await opts.client.create({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: opts.secretName, namespace: opts.namespace },
        type: "Opaque",
        data: secretData(fresh),
      });
    }
  }
  return fresh;
}
