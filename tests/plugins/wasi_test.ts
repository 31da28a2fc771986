import assert from "node:assert/strict";
import { WASI_ALLOWED, WASI_PREVIEW1_FUNCTIONS } from "../../plugins/mod.ts";
import { ProcExitError, wasiImports } from "../../plugins/wasi.ts";

Deno.test("the WASI stub is deny-by-default", async (t) => {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const lines: string[] = [];
  const denied = new Map<string, number>();
  const wasi = wasiImports(() => memory, (s, l) => lines.push(`${s}:${l}`), denied);
  const view = new DataView(memory.buffer);

  await t.step("every preview1 function is present; only the allowlist is implemented", () => {
    assert.deepEqual(Object.keys(wasi).sort(), [...WASI_PREVIEW1_FUNCTIONS].sort());
    for (const name of ["path_open", "fd_read", "sock_accept", "fd_prestat_dir_name", "fd_close"]) {
      assert.ok(!WASI_ALLOWED.includes(name));
      assert.equal(wasi[name](3, 0, 0, 0, 0, 0, 0, 0, 0), 52, name); // ENOSYS
      assert.equal(denied.get(name), 1);
    }
  });
  await t.step("no args, no environment", () => {
    assert.equal(wasi.environ_sizes_get(0, 4), 0);
    assert.equal(view.getUint32(0, true), 0);
    assert.equal(wasi.args_sizes_get(0, 4), 0);
    assert.equal(view.getUint32(0, true), 0);
  });
  await t.step("clock and random work", () => {
    assert.equal(wasi.clock_time_get(0, 0, 64), 0);
    const ns = view.getBigUint64(64, true);
    assert.ok(ns > BigInt(Date.now() - 10_000) * 1_000_000n);
    assert.equal(wasi.random_get(128, 32), 0);
    assert.ok(new Uint8Array(memory.buffer, 128, 32).some((b) => b !== 0));
  });
  await t.step("fd_write: stdout and stderr are logged by line; other fds are refused", () => {
    const text = new TextEncoder().encode("hi there\nsecond");
    new Uint8Array(memory.buffer).set(text, 1024);
    view.setUint32(256, 1024, true);
    view.setUint32(260, text.length, true);
    assert.equal(wasi.fd_write(2, 256, 1, 300), 0);
    assert.equal(view.getUint32(300, true), text.length);
    assert.deepEqual(lines, ["stderr:hi there"]);
    assert.equal(wasi.fd_write(3, 256, 1, 300), 8); // EBADF
  });
  await t.step("no preopens; poll_oneoff answers clock subscriptions at once", () => {
    assert.equal(wasi.fd_prestat_get(3, 0), 8); // EBADF
    view.setUint8(2048 + 8, 1); // an fd_read subscription
    assert.equal(wasi.poll_oneoff(2048, 4096, 1, 4200), 52);
    view.setBigUint64(2048, 42n, true);
    view.setUint8(2048 + 8, 0); // clock
    assert.equal(wasi.poll_oneoff(2048, 4096, 1, 4200), 0);
    assert.equal(view.getUint32(4200, true), 1);
    assert.equal(view.getBigUint64(4096, true), 42n);
  });
  await t.step("proc_exit aborts the call", () => {
    assert.throws(() => wasi.proc_exit(7), ProcExitError);
  });
});
