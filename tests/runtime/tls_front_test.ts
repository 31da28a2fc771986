/**
 * The TLS front: HTTP/1.1 and h2 (by ALPN) reach a plain server through it,
 * bodies arrive whole, and a client that goes away ends its request on the
 * server (so a watch behind the front does not outlive its client).
 */
import assert from "node:assert/strict";
import { generateServingCerts, startTlsFront } from "../../runtime/mod.ts";

Deno.test("TLS front", async (t) => {
  const now = Date.now();
  const made = await generateServingCerts({
    caCommonName: "test-ca",
    commonName: "127.0.0.1",
    hosts: ["127.0.0.1"],
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 3_600_000),
  });
  const certs = { ca: made.caCert, cert: made.serverCert, key: made.serverKey };
  const body = "x".repeat(300_000);
  let streamCancelled!: () => void;
  const cancelled = new Promise<void>((r) => (streamCancelled = r));
  const plain = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    if (new URL(req.url).pathname === "/stream") {
      const enc = new TextEncoder();
      let timer: ReturnType<typeof setInterval> | undefined;
      return new Response(
        new ReadableStream<Uint8Array>({
          start(c) {
            c.enqueue(enc.encode("first\n"));
            timer = setInterval(() => c.enqueue(enc.encode("tick\n")), 50);
          },
          cancel() {
            clearInterval(timer);
            streamCancelled();
          },
        }),
      );
    }
    return new Response(body);
  });
  const front = await startTlsFront({
    port: 0,
    cert: certs.cert,
    key: certs.key,
    upstream: plain.addr as Deno.NetAddr,
  });
  const url = `https://127.0.0.1:${front.addr.port}`;
  const client = Deno.createHttpClient({ caCerts: [certs.ca] });
  try {
    await t.step("a large body arrives whole", async () => {
      const res = await fetch(`${url}/big`, { client });
      assert.equal(res.status, 200);
      assert.equal((await res.text()).length, body.length);
    });
    await t.step("an h2-only client gets h2 by ALPN, served by the plain server", async () => {
      const h2 = Deno.createHttpClient({ caCerts: [certs.ca], http1: false, http2: true });
      try {
        const res = await fetch(`${url}/big`, { client: h2 });
        assert.equal((await res.text()).length, body.length);
      } finally {
        h2.close();
      }
    });
    await t.step("a client that goes away ends its streaming request on the server", async () => {
      const conn = await Deno.connectTls({
        hostname: "127.0.0.1",
        port: front.addr.port,
        caCerts: [certs.ca],
        alpnProtocols: ["http/1.1"],
      });
      await conn.write(
        new TextEncoder().encode("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"),
      );
      const buf = new Uint8Array(1024);
      const n = await conn.read(buf);
      assert.match(new TextDecoder().decode(buf.subarray(0, n ?? 0)), /200 OK/);
      conn.close();
      await cancelled; // hangs (and the test times out) when the upstream request lives on
    });
  } finally {
    client.close();
    await front.close();
    await plain.shutdown();
  }
});
