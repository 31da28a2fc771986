import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Hono } from "hono";
import {
  credentialsFromSecrets,
  parseChallenge,
  parseImageRef,
  resolveImage,
  unableToFetchMessage,
} from "../../../controllers/revision/resolve.ts";

const DIGEST = "sha256:" + "a".repeat(64);
const MANIFEST = JSON.stringify({ schemaVersion: 2, mediaType: "x" });

/** A small OCI registry: bearer-token auth, one image, a slow one and one without digest header. */
function startRegistry(): {
  url: string;
  host: string;
  close: () => Promise<void>;
  hits: string[];
} {
  const app = new Hono();
  const hits: string[] = [];
  let host = "";
  app.get("/token", (c) => {
    hits.push(`token ${c.req.query("scope")} ${c.req.query("service")}`);
    if (c.req.header("authorization") !== "Basic " + btoa("alice:s3cret")) {
      return c.json({ errors: [{ code: "UNAUTHORIZED", message: "bad credentials" }] }, 401);
    }
    return c.json({ token: "tok-ok" });
  });
  app.on(["GET", "HEAD"], "/v2/:repo{.+}/manifests/:tag", async (c) => {
    const repo = c.req.param("repo");
    hits.push(`${c.req.method} ${repo}:${c.req.param("tag")}`);
    if (repo.startsWith("private/") && c.req.header("authorization") !== "Bearer tok-ok") {
      c.header(
        "WWW-Authenticate",
        `Bearer realm="http://${host}/token",service="test-registry",scope="repository:${repo}:pull"`,
      );
      return c.json(
        { errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] },
        401,
      );
    }
    if (repo.endsWith("slow")) await new Promise((r) => setTimeout(r, 300));
    if (c.req.param("tag") !== "v1") {
      return c.json({ errors: [{ code: "MANIFEST_UNKNOWN", message: "manifest unknown" }] }, 404);
    }
    if (!repo.endsWith("nodigest")) c.header("Docker-Content-Digest", DIGEST);
    return c.req.method === "HEAD" ? c.body(null, 200) : c.body(MANIFEST, 200);
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.fetch);
  host = `127.0.0.1:${server.addr.port}`;
  return { url: `http://${host}`, host, close: () => server.shutdown(), hits };
}

Deno.test("parseImageRef", async (t) => {
  const cases: [string, ReturnType<typeof parseImageRef>][] = [
    ["nginx", { registry: "index.docker.io", repository: "library/nginx", tag: "latest" }],
    ["docker.io/foo/bar:1", { registry: "index.docker.io", repository: "foo/bar", tag: "1" }],
    [
      "registry.cn-shanghai.aliyuncs.com/larus/helloworld-go",
      {
        registry: "registry.cn-shanghai.aliyuncs.com",
        repository: "larus/helloworld-go",
        tag: "latest",
      },
    ],
    ["127.0.0.1:5000/a/b:v1", { registry: "127.0.0.1:5000", repository: "a/b", tag: "v1" }],
    ["ko.local/x@sha256:1", { registry: "ko.local", repository: "x", digest: "sha256:1" }],
  ];
  for (const [img, want] of cases) {
    await t.step(img, () => assert.deepEqual(parseImageRef(img), want));
  }
});

Deno.test("parseChallenge", () => {
  assert.deepEqual(
    parseChallenge('Bearer realm="https://a/token",service="reg",scope="repository:x:pull"'),
    {
      scheme: "bearer",
      params: { realm: "https://a/token", service: "reg", scope: "repository:x:pull" },
    },
  );
});

Deno.test("credentialsFromSecrets reads dockerconfigjson and dockercfg", () => {
  const cfg = { auths: { "https://127.0.0.1:1/v1/": { auth: btoa("alice:s3cret") } } };
  const old = { "docker.io": { username: "bob", password: "pw" } };
  const m = credentialsFromSecrets([
    {
      type: "kubernetes.io/dockerconfigjson",
      data: { ".dockerconfigjson": btoa(JSON.stringify(cfg)) },
    },
    { type: "kubernetes.io/dockercfg", data: { ".dockercfg": btoa(JSON.stringify(old)) } },
    { type: "Opaque", data: { foo: btoa("x") } },
  ]);
  assert.deepEqual(m.get("127.0.0.1:1"), { username: "alice", password: "s3cret" });
  assert.deepEqual(m.get("index.docker.io"), { username: "bob", password: "pw" });
});

Deno.test("resolveImage against a local registry", async (t) => {
  const reg = startRegistry();
  const base = { registriesSkippingTagResolving: ["ko.local"], timeoutMs: 2000 };
  const creds = credentialsFromSecrets([{
    data: {
      ".dockerconfigjson": btoa(
        JSON.stringify({ auths: { [reg.host]: { username: "alice", password: "s3cret" } } }),
      ),
    },
  }]);
  try {
    await t.step("public tag → digest from Docker-Content-Digest", async () => {
      assert.equal(
        await resolveImage(`${reg.host}/pub/app:v1`, base),
        `${reg.host}/pub/app@${DIGEST}`,
      );
    });
    await t.step("no digest header → sha256 of the manifest", async () => {
      const want = "sha256:" + createHash("sha256").update(MANIFEST).digest("hex");
      assert.equal(
        await resolveImage(`${reg.host}/pub/nodigest:v1`, base),
        `${reg.host}/pub/nodigest@${want}`,
      );
    });
    await t.step("bearer challenge with pull-secret credentials", async () => {
      reg.hits.length = 0;
      const got = await resolveImage(`${reg.host}/private/app:v1`, { ...base, credentials: creds });
      assert.equal(got, `${reg.host}/private/app@${DIGEST}`);
      assert.deepEqual(reg.hits, [
        "HEAD private/app:v1",
        "token repository:private/app:pull test-registry",
        "HEAD private/app:v1",
      ]);
    });
    await t.step(
      "bearer challenge without credentials fails with the registry's reason",
      async () => {
        await assert.rejects(
          resolveImage(`${reg.host}/private/app:v1`, base),
          /token: unexpected status code 401 Unauthorized \(UNAUTHORIZED: bad credentials\)/,
        );
      },
    );
    await t.step("missing tag → 404 MANIFEST_UNKNOWN", async () => {
      const img = `${reg.host}/pub/app:nope`;
      const err = await resolveImage(img, base).catch((e: Error) => e.message);
      assert.equal(
        err,
        `HEAD ${reg.url}/v2/pub/app/manifests/nope: unexpected status code 404 Not Found (MANIFEST_UNKNOWN: manifest unknown)`,
      );
      assert.match(
        unableToFetchMessage(img, String(err)),
        /^Unable to fetch image "127\.0\.0\.1:\d+\/pub\/app:nope": failed to resolve image to digest: HEAD /,
      );
    });
    await t.step("digest-resolution-timeout", async () => {
      await assert.rejects(
        resolveImage(`${reg.host}/pub/slow:v1`, { ...base, timeoutMs: 50 }),
        /timed out after 0.05s resolving/,
      );
    });
    await t.step("skipped registry → empty digest, no request", async () => {
      reg.hits.length = 0;
      assert.equal(await resolveImage("ko.local/x:v1", base), "");
      assert.deepEqual(reg.hits, []);
    });
    await t.step("already a digest → unchanged", async () => {
      const img = `${reg.host}/pub/app@${DIGEST}`;
      assert.equal(await resolveImage(img, base), img);
    });
  } finally {
    await reg.close();
  }
});
