/**
 * Image tag → digest resolution over the OCI distribution API (KNATIVE.md §12.1
 * step 2, `revision/resolve.go`): registry auth with the bearer-token challenge
 * flow, credentials from dockerconfigjson pull secrets, skipped registries and a
 * per-image timeout.
 * @module
 */

/** A parsed image reference. */
export interface ImageRef {
  /** Registry host (with port), e.g. `index.docker.io` or `127.0.0.1:5000`. */
  registry: string;
  /** Repository path, e.g. `library/nginx`. */
  repository: string;
  /** Tag (when no digest). */
  tag?: string;
  /** Digest `sha256:…` when the reference already pins one. */
  digest?: string;
}

const DOCKER_HUB = "index.docker.io";

/**
 * Parses an image reference the way go-containerregistry's `name.ParseReference`
 * does: the first component is a registry when it has a `.` or `:` or is
 * `localhost`; Docker Hub single names get `library/`; the tag defaults to `latest`.
 */
export function parseImageRef(image: string): ImageRef {
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let registry = DOCKER_HUB;
  const slash = rest.indexOf("/");
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes(".") || first.includes(":") || first === "localhost") {
      registry = first === "docker.io" ? DOCKER_HUB : first;
      rest = rest.slice(slash + 1);
    }
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  if (registry === DOCKER_HUB && !rest.includes("/")) rest = `library/${rest}`;
  if (!digest && !tag) tag = "latest";
  const out: ImageRef = { registry, repository: rest };
  if (tag !== undefined) out.tag = tag;
  if (digest !== undefined) out.digest = digest;
  return out;
}

/** Registry credentials (from a pull secret). */
export interface Credential {
  /** User name. */
  username: string;
  /** Password or token. */
  password: string;
}

/** A Secret as the resolver reads it. */
export interface PullSecret {
  /** Secret type (`kubernetes.io/dockerconfigjson` or `kubernetes.io/dockercfg`). */
  type?: string;
  /** Base64 data. */
  data?: Record<string, string>;
}

function decodeB64(s: string): string {
  return new TextDecoder().decode(Uint8Array.from(atob(s), (c) => c.charCodeAt(0)));
}

function normaliseHost(h: string): string {
  let host = h.replace(/^https?:\/\//, "");
  host = host.split("/")[0];
  return host === "docker.io" || host === "registry-1.docker.io" ? DOCKER_HUB : host;
}

/**
 * Extracts `host → credential` entries from dockerconfigjson / dockercfg
 * secrets; later secrets do not override earlier ones (first match wins, as in k8schain).
 */
export function credentialsFromSecrets(secrets: PullSecret[]): Map<string, Credential> {
  const out = new Map<string, Credential>();
  for (const s of secrets) {
    const raw = s.data?.[".dockerconfigjson"] ?? s.data?.[".dockercfg"];
    if (!raw) continue;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(decodeB64(raw));
    } catch {
      continue;
    }
    const auths = (s.data?.[".dockerconfigjson"] ? parsed.auths : parsed) as
      | Record<string, { auth?: string; username?: string; password?: string }>
      | undefined;
    for (const [host, e] of Object.entries(auths ?? {})) {
      let username = e.username ?? "";
      let password = e.password ?? "";
      if (e.auth) {
        const d = decodeB64(e.auth);
        const i = d.indexOf(":");
        username = d.slice(0, i);
        password = d.slice(i + 1);
      }
      const key = normaliseHost(host);
      if (!out.has(key)) out.set(key, { username, password });
    }
  }
  return out;
}

/** Options of a resolution. */
export interface ResolveOptions {
  /** Registries whose tags are not resolved (digest `""`). */
  registriesSkippingTagResolving: readonly string[];
  /** Per-image timeout in ms (`digest-resolution-timeout`). */
  timeoutMs: number;
  /** Credentials by registry host. */
  credentials?: Map<string, Credential>;
  /** The fetch to use (tests inject one). */
  fetch?: typeof fetch;
}

const ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.v1+prettyjws",
].join(",");

function schemeFor(registry: string): string {
  const host = registry.replace(/:\d+$/, "");
  return host === "localhost" || host.startsWith("127.") || host === "[::1]" ? "http" : "https";
}

/** Parses a `WWW-Authenticate` challenge into its scheme and parameters. */
export function parseChallenge(h: string): { scheme: string; params: Record<string, string> } {
  const sp = h.indexOf(" ");
  const scheme = (sp < 0 ? h : h.slice(0, sp)).toLowerCase();
  const params: Record<string, string> = {};
  const re = /(\w+)="([^"]*)"/g;
  for (const m of h.slice(sp + 1).matchAll(re)) params[m[1].toLowerCase()] = m[2];
  return { scheme, params };
}

function basic(c: Credential): string {
  return "Basic " + btoa(`${c.username}:${c.password}`);
}

async function registryError(res: Response): Promise<string> {
  let detail = "";
  try {
    const body = await res.text();
    const j = JSON.parse(body) as { errors?: { code?: string; message?: string }[] };
    detail = (j.errors ?? []).map((e) => `${e.code}: ${e.message}`).join("; ");
  } catch {
    // no JSON body (HEAD requests carry none)
  }
  if (!detail && res.status === 404) detail = "MANIFEST_UNKNOWN: manifest unknown";
  if (!detail && res.status === 401) detail = "UNAUTHORIZED: authentication required";
  return `unexpected status code ${res.status} ${res.statusText}${detail ? ` (${detail})` : ""}`;
}

async function sha256Hex(buf: ArrayBuffer): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", buf);
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Resolves one image to `<registry>/<repository>@sha256:…`. Returns the image
 * unchanged when it already has a digest and `""` for skipped registries.
 * Throws an Error whose message explains what failed.
 */
export async function resolveImage(image: string, opts: ResolveOptions): Promise<string> {
  const ref = parseImageRef(image);
  if (ref.digest) return image;
  if (opts.registriesSkippingTagResolving.includes(ref.registry)) return "";
  const f = opts.fetch ?? fetch;
  const signal = AbortSignal.timeout(opts.timeoutMs);
  const base = `${schemeFor(ref.registry)}://${ref.registry}`;
  const url = `${base}/v2/${ref.repository}/manifests/${ref.tag}`;
  const cred = opts.credentials?.get(ref.registry);
  const headers: Record<string, string> = { Accept: ACCEPT };
  try {
    let res = await f(url, { method: "HEAD", headers, signal });
    if (res.status === 401) {
      await res.body?.cancel();
      const ch = parseChallenge(res.headers.get("www-authenticate") ?? "");
      if (ch.scheme === "bearer" && ch.params.realm) {
        const q = new URLSearchParams();
        if (ch.params.service) q.set("service", ch.params.service);
        q.set("scope", ch.params.scope ?? `repository:${ref.repository}:pull`);
        const tokenRes = await f(`${ch.params.realm}?${q}`, {
          headers: cred ? { Authorization: basic(cred) } : {},
          signal,
        });
        if (!tokenRes.ok) {
          throw new Error(`GET ${ch.params.realm}: ${await registryError(tokenRes)}`);
        }
        const tok = await tokenRes.json() as { token?: string; access_token?: string };
        headers.Authorization = `Bearer ${tok.token ?? tok.access_token ?? ""}`;
      } else if (ch.scheme === "basic" && cred) {
        headers.Authorization = basic(cred);
      }
      res = await f(url, { method: "HEAD", headers, signal });
    }
    if (!res.ok) {
      await res.body?.cancel();
      // HEAD carries no error body; ask again with GET for the registry's explanation.
      const get = await f(url, { method: "GET", headers, signal });
      throw new Error(`HEAD ${url}: ${await registryError(get)}`);
    }
    let digest = res.headers.get("docker-content-digest");
    await res.body?.cancel();
    if (!digest) {
      const get = await f(url, { method: "GET", headers, signal });
      if (!get.ok) throw new Error(`GET ${url}: ${await registryError(get)}`);
      digest = `sha256:${await sha256Hex(await get.arrayBuffer())}`;
    }
    return `${ref.registry}/${ref.repository}@${digest}`;
  } catch (e) {
    if (e instanceof DOMException && (e.name === "TimeoutError" || e.name === "AbortError")) {
      throw new Error(`timed out after ${opts.timeoutMs / 1000}s resolving ${url}`);
    }
    throw e;
  }
}

/** Knative's message for a failed resolution (`v1.RevisionContainerMissingMessage`-style). */
export function unableToFetchMessage(image: string, err: string): string {
  return `Unable to fetch image "${image}": failed to resolve image to digest: ${err}`;
}
