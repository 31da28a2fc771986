/**
 * A TLS front for a plain-HTTP server on loopback: it accepts TLS
 * connections, offers `h2` and `http/1.1` by ALPN, and pumps the bytes to and
 * from a plain connection to the server (which must speak HTTP/1.1 and h2 with
 * prior knowledge, as `Deno.serve` does).
 *
 * Why: `Deno.serve` over TLS leaves Nagle's algorithm on and offers no
 * `TCP_NODELAY` knob, and it writes a response's head and body as separate
 * TLS records, so the body waits for the client's delayed ACK: every response
 * of a few KB took ~44 ms instead of ~0.4 ms over plain HTTP (curl, one
 * connection, 3 KB body). Here each chunk the plain server wrote at once is
 * forwarded in one TLS write.
 * @module
 */

/** Options of {@link startTlsFront}. */
export interface TlsFrontOptions {
  /** Address to listen on (default 127.0.0.1). */
  hostname?: string;
  /** Port (0 = any). */
  port: number;
  /** PEM certificate chain. */
  cert: string;
  /** PEM private key. */
  key: string;
  /** The plain server to forward to. */
  upstream: { hostname: string; port: number };
  /** ALPN protocols offered (default `["h2", "http/1.1"]`). */
  alpnProtocols?: string[];
}

/** A running TLS front. */
export interface TlsFront {
  /** The TLS listener's address. */
  addr: Deno.NetAddr;
  /** Stops accepting and closes every open connection. */
  close(): Promise<void>;
}

/** Starts a TLS front; see the module documentation. */
export function startTlsFront(opts: TlsFrontOptions): TlsFront {
  const listener = Deno.listenTls({
    hostname: opts.hostname ?? "127.0.0.1",
    port: opts.port,
    cert: opts.cert,
    key: opts.key,
    alpnProtocols: opts.alpnProtocols ?? ["h2", "http/1.1"],
  });
  const open = new Set<Deno.Conn>();
  const pumps = new Set<Promise<void>>();
  let closed = false;

  const closeQuietly = (c: Deno.Conn) => {
    open.delete(c);
    try {
      c.close();
    } catch { /* already closed */ }
  };

  const pump = async (client: Deno.TlsConn) => {
    open.add(client);
    let server: Deno.TcpConn | undefined;
    try {
      await client.handshake();
      server = await Deno.connect({
        hostname: opts.upstream.hostname,
        port: opts.upstream.port,
      });
      server.setNoDelay(true);
      open.add(server);
      // The client's end of input half-closes the server side (a response may still be on its
      // way); the client going away closes it (its watches end on the server); the server
      // closing, or a write to a client that is gone, ends the connection.
      const up = server;
      void copy(client, up).then(
        () => up.closeWrite().catch(() => closeQuietly(up)),
        () => closeQuietly(up),
      );
      await copy(up, client);
    } catch {
      /* a failed handshake or a reset: the connection is simply closed */
    } finally {
      closeQuietly(client);
      if (server) closeQuietly(server);
    }
  };

  const accepting = (async () => {
    for (;;) {
      let conn: Deno.TlsConn;
      try {
        conn = await listener.accept();
      } catch {
        return; // listener closed
      }
      if (closed) {
        closeQuietly(conn);
        return;
      }
      const p = pump(conn);
      pumps.add(p);
      p.finally(() => pumps.delete(p));
    }
  })();

  return {
    addr: listener.addr,
    async close() {
      if (closed) return;
      closed = true;
      listener.close();
      await accepting;
      for (const c of [...open]) closeQuietly(c);
      await Promise.allSettled([...pumps]);
    },
  };
}

/** Copies `from` to `to` chunk by chunk (one write per chunk read) until `from` ends or fails. */
async function copy(from: Deno.Conn, to: Deno.Conn): Promise<void> {
  const buf = new Uint8Array(64 * 1024);
  for (;;) {
    const n = await from.read(buf);
    if (n === null) return;
    let off = 0;
    while (off < n) off += await to.write(buf.subarray(off, n));
  }
}
