/**
 * A self-signed serving certificate for the local control plane (kubectl
 * only sends bearer tokens over TLS). The key pair comes from WebCrypto; the
 * certificate is built and signed with node-forge.
 * @module
 */
import forge from "node-forge";

/** A certificate and key in PEM. */
export interface ServingCert {
  /** Certificate (also the CA to trust). */
  cert: string;
  /** PKCS#8 private key. */
  key: string;
}

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

/**
 * Generates a CA and a serving certificate it signs, for 127.0.0.1, ::1,
 * localhost and `hosts`.
 */
export async function selfSignedCert(hosts: string[] = []): Promise<ServingCert & { ca: string }> {
  const caKey = await rsaKey();
  const leafKey = await rsaKey();
  const notBefore = new Date(Date.now() - 3600_000);
  const notAfter = new Date(Date.now() + 365 * 86400_000);
  const caAttrs = [{ name: "commonName", value: "denative-ca" }, {
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
  const altNames: { type: number; ip?: string; value?: string }[] = [
    { type: 7, ip: "127.0.0.1" },
    { type: 7, ip: "::1" },
    { type: 2, value: "localhost" },
  ];
  for (const h of hosts) {
    if (/^[\d.]+$/.test(h) || h.includes(":")) {
      if (!altNames.some((a) => a.ip === h)) altNames.push({ type: 7, ip: h });
    } else altNames.push({ type: 2, value: h });
  }
  const leaf = f.pki.createCertificate();
  leaf.publicKey = leafKey.pub;
  leaf.serialNumber = serial();
  leaf.validity.notBefore = notBefore;
  leaf.validity.notAfter = notAfter;
  leaf.setSubject([{ name: "commonName", value: "denative-apiserver" }]);
  leaf.setIssuer(caAttrs);
  leaf.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    { name: "subjectAltName", altNames },
  ]);
  leaf.sign(caKey.priv, f.md.sha256.create());
  const caPem = f.pki.certificateToPem(ca);
  return { cert: f.pki.certificateToPem(leaf) + caPem, key: leafKey.pem, ca: caPem };
}
