/**
 * Byte plumbing between Deno connections, shared by the gateway (its splice to
 * the full server) and the workload simulator (its pod relays).
 * @module
 */

/** Writes all of `data` (a `write` may take only part of it). */
export async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.length) off += await conn.write(data.subarray(off));
}

/**
 * Copies `from` to `to` until `from` ends, then half-closes `to` (so its peer
 * sees the end while the other direction goes on). Throws when either side
 * fails.
 */
export async function copyConn(from: Deno.Conn, to: Deno.Conn): Promise<void> {
  const buf = new Uint8Array(64 * 1024);
  for (;;) {
    const n = await from.read(buf);
    if (n === null) break;
    await writeAll(to, buf.subarray(0, n));
  }
  await to.closeWrite();
}
