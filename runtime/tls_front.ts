/**
 * A TLS front for a plain-HTTP server on loopback: it accepts TLS
 * connections, offers `h2` and `http/1.1` by ALPN, and pipes the bytes to and
 * from a plain connection to the server (which must speak HTTP/1.1 and h2 with
 * prior knowledge, as `Deno.serve` does). Both sockets have Nagle's algorithm
 * off (`TCP_NODELAY`).
 *
 * Why: `Deno.serve` over TLS leaves Nagle on and offers no knob (neither does
 * `Deno.TlsConn`), and it writes a response's head and body as separate TLS
 * records, so the body waits for the client's delayed ACK: every response of
 * a few KB took ~44 ms instead of ~0.3 ms, and consecutive watch events waited
 * likewise. `node:tls` sockets do honour `setNoDelay`.
 * @module
 */
import net from "node:net";
import tls from "node:tls";

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

/** Starts a TLS front; see the module documentation. Rejects when it cannot listen. */
export function startTlsFront(opts: TlsFrontOptions): Promise<TlsFront> {
  const open = new Set<net.Socket>();
  const server = tls.createServer({
    cert: opts.cert,
    key: opts.key,
    ALPNProtocols: opts.alpnProtocols ?? ["h2", "http/1.1"],
  }, (client) => {
    client.setNoDelay(true);
    const upstream = net.connect(opts.upstream.port, opts.upstream.hostname);
    upstream.setNoDelay(true);
    open.add(client);
    open.add(upstream);
    // Either side ending or failing ends both: a client that goes away ends its requests
    // (and watches) on the server, and the server closing ends the client's connection.
    const end = () => {
      open.delete(client);
      open.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  // a failed handshake only closes that connection
  server.on("tlsClientError", () => {});
  return new Promise<TlsFront>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.hostname ?? "127.0.0.1", () => {
      server.off("error", reject);
      const a = server.address() as net.AddressInfo;
      let closing: Promise<void> | undefined;
      resolve({
        addr: { transport: "tcp", hostname: a.address, port: a.port },
        close() {
          closing ??= new Promise<void>((done) => {
            server.close(() => done());
            for (const s of [...open]) s.destroy();
            open.clear();
          });
          return closing;
        },
      });
    });
  });
}
