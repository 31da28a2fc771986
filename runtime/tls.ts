/**
 * X.509 helpers shared by the webhook and the local control plane: a fresh CA
 * and a serving certificate it signs. RSA key pairs come from WebCrypto; the
 * certificates are built and signed with node-forge.
 * @module
 */
import forge from "node-forge";

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

/** Whether a subject alternative name is an IP address (v4 or v6) rather than a DNS name. */
export function isIpHost(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(":");
}

/** Options of {@link generateServingCerts}. */
export interface ServingCertsOptions {
  /** Common name of the CA. */
  caCommonName: string;
  /** Common name of the serving certificate. */
  commonName: string;
  /** Subject alternative names, in order: IP addresses (see {@link isIpHost}) or DNS names. */
  hosts: string[];
  /** Start of validity of both certificates. */
  notBefore: Date;
  /** End of validity of both certificates. */
  notAfter: Date;
}

/** A CA and a serving certificate it signs, in PEM. */
export interface ServingCerts {
  /** CA certificate. */
  caCert: string;
  /** CA private key (PKCS#8). */
  caKey: string;
  /** Serving certificate. */
  serverCert: string;
  /** Serving private key (PKCS#8). */
  serverKey: string;
}

/** Creates a fresh CA (organization `denative`) and a serving certificate for `hosts`. */
export async function generateServingCerts(opts: ServingCertsOptions): Promise<ServingCerts> {
  const caKey = await rsaKey();
  const leafKey = await rsaKey();
  const caAttrs = [{ name: "commonName", value: opts.caCommonName }, {
    name: "organizationName",
    value: "denative",
  }];
  const ca = f.pki.createCertificate();
  ca.publicKey = caKey.pub;
  ca.serialNumber = serial();
  ca.validity.notBefore = opts.notBefore;
  ca.validity.notAfter = opts.notAfter;
  ca.setSubject(caAttrs);
  ca.setIssuer(caAttrs);
  ca.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  ca.sign(caKey.priv, f.md.sha256.create());
  const altNames = opts.hosts.map((h) => isIpHost(h) ? { type: 7, ip: h } : { type: 2, value: h });
  const leaf = f.pki.createCertificate();
  leaf.publicKey = leafKey.pub;
  leaf.serialNumber = serial();
  leaf.validity.notBefore = opts.notBefore;
  leaf.validity.notAfter = opts.notAfter;
  leaf.setSubject([{ name: "commonName", value: opts.commonName }]);
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
