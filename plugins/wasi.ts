/**
 * A deny-by-default WASI preview1 stub. Plugins get a clock, random bytes,
 * stdout/stderr (to the host logger) and nothing else: there are no files, no
 * preopens, no sockets, no environment and no arguments. Every other preview1
 * call returns `ENOSYS`; `proc_exit` aborts the call as a plugin failure.
 * @module
 */

/** The WASI preview1 import module name. */
export const WASI_MODULE = "wasi_snapshot_preview1";

/** All function names of WASI preview1 (anything else under that module is refused). */
export const WASI_PREVIEW1_FUNCTIONS: readonly string[] = [
  "args_get",
  "args_sizes_get",
  "environ_get",
  "environ_sizes_get",
  "clock_res_get",
  "clock_time_get",
  "fd_advise",
  "fd_allocate",
  "fd_close",
  "fd_datasync",
  "fd_fdstat_get",
  "fd_fdstat_set_flags",
  "fd_fdstat_set_rights",
  "fd_filestat_get",
  "fd_filestat_set_size",
  "fd_filestat_set_times",
  "fd_pread",
  "fd_prestat_get",
  "fd_prestat_dir_name",
  "fd_pwrite",
  "fd_read",
  "fd_readdir",
  "fd_renumber",
  "fd_seek",
  "fd_sync",
  "fd_tell",
  "fd_write",
  "path_create_directory",
  "path_filestat_get",
  "path_filestat_set_times",
  "path_link",
  "path_open",
  "path_readlink",
  "path_remove_directory",
  "path_rename",
  "path_symlink",
  "path_unlink_file",
  "poll_oneoff",
  "proc_exit",
  "proc_raise",
  "sched_yield",
  "random_get",
  "sock_accept",
  "sock_recv",
  "sock_send",
  "sock_shutdown",
];

/** The preview1 calls the stub actually implements; the rest answer `ENOSYS`. */
export const WASI_ALLOWED: readonly string[] = [
  "args_get",
  "args_sizes_get",
  "environ_get",
  "environ_sizes_get",
  "clock_res_get",
  "clock_time_get",
  "fd_write",
  "fd_fdstat_get",
  "fd_prestat_get",
  "poll_oneoff",
  "proc_exit",
  "random_get",
  "sched_yield",
];

const ESUCCESS = 0;
const EBADF = 8;
const EINVAL = 28;
const ENOSYS = 52;

/** Thrown inside the guest call when the plugin calls `proc_exit`. */
export class ProcExitError extends Error {
  /** The exit code. */
  readonly code: number;
  /** Creates the error. */
  constructor(code: number) {
    super(`plugin called proc_exit(${code})`);
    this.name = "ProcExitError";
    this.code = code;
  }
}

/** Receives one line the plugin wrote to stdout or stderr. */
export type WasiLogSink = (stream: "stdout" | "stderr", line: string) => void;

/** Counts of refused calls, by name (for diagnostics). */
export type DeniedCalls = Map<string, number>;

/**
 * Builds the `wasi_snapshot_preview1` import object for one instance.
 * `memory` is called lazily because the instance's memory exists only after
 * instantiation.
 */
export function wasiImports(
  memory: () => WebAssembly.Memory,
  log: WasiLogSink,
  denied: DeniedCalls = new Map(),
): Record<string, (...args: number[]) => number | bigint | void> {
  const pending: Record<1 | 2, string> = { 1: "", 2: "" };
  const decoder = new TextDecoder();
  const view = () => new DataView(memory().buffer);
  const bytes = () => new Uint8Array(memory().buffer);
  const zeroSizes = (countPtr: number, sizePtr: number) => {
    const v = view();
    v.setUint32(countPtr, 0, true);
    v.setUint32(sizePtr, 0, true);
    return ESUCCESS;
  };
  const emit = (fd: 1 | 2, text: string) => {
    pending[fd] += text;
    let nl: number;
    while ((nl = pending[fd].indexOf("\n")) >= 0) {
      log(fd === 1 ? "stdout" : "stderr", pending[fd].slice(0, nl));
      pending[fd] = pending[fd].slice(nl + 1);
    }
    if (pending[fd].length > 4096) {
      log(fd === 1 ? "stdout" : "stderr", pending[fd]);
      pending[fd] = "";
    }
  };
  const impl: Record<string, (...args: number[]) => number | bigint | void> = {
    args_get: () => ESUCCESS,
    args_sizes_get: zeroSizes,
    environ_get: () => ESUCCESS,
    environ_sizes_get: zeroSizes,
    clock_res_get: (_id: number, resPtr: number) => {
      view().setBigUint64(resPtr, 1000n, true);
      return ESUCCESS;
    },
    clock_time_get: (id: number, _precision: number, timePtr: number) => {
      let ns: bigint;
      if (id === 0) ns = BigInt(Date.now()) * 1_000_000n;
      else if (id === 1) ns = BigInt(Math.round(performance.now() * 1_000_000));
      else return EINVAL;
      view().setBigUint64(timePtr, ns, true);
      return ESUCCESS;
    },
    random_get: (ptr: number, len: number) => {
      const b = bytes();
      for (let off = 0; off < len; off += 65536) {
        crypto.getRandomValues(b.subarray(ptr + off, ptr + Math.min(len, off + 65536)));
      }
      return ESUCCESS;
    },
    fd_fdstat_get: (fd: number, statPtr: number) => {
      if (fd !== 1 && fd !== 2) return EBADF;
      const v = view();
      v.setUint8(statPtr, 2); // filetype: character device
      v.setUint16(statPtr + 2, 0, true); // flags
      v.setBigUint64(statPtr + 8, 1n << 6n, true); // rights: fd_write
      v.setBigUint64(statPtr + 16, 0n, true);
      return ESUCCESS;
    },
    fd_write: (fd: number, iovs: number, iovsLen: number, nwrittenPtr: number) => {
      if (fd !== 1 && fd !== 2) return EBADF;
      const v = view();
      const b = bytes();
      let total = 0;
      let text = "";
      for (let i = 0; i < iovsLen; i++) {
        const ptr = v.getUint32(iovs + i * 8, true);
        const len = v.getUint32(iovs + i * 8 + 4, true);
        text += decoder.decode(b.subarray(ptr, ptr + len), { stream: true });
        total += len;
      }
      emit(fd, text);
      v.setUint32(nwrittenPtr, total, true);
      return ESUCCESS;
    },
    // No preopened directories: EBADF ends the guest's preopen scan.
    fd_prestat_get: () => EBADF,
    // Clock subscriptions only (a guest "sleep"), answered at once: the host never blocks.
    poll_oneoff: (inPtr: number, outPtr: number, nsubs: number, neventsPtr: number) => {
      const v = view();
      let n = 0;
      for (let i = 0; i < nsubs; i++) {
        const sub = inPtr + i * 48;
        if (v.getUint8(sub + 8) !== 0) return ENOSYS; // fd_read / fd_write subscriptions
        const ev = outPtr + n * 32;
        v.setBigUint64(ev, v.getBigUint64(sub, true), true);
        v.setUint16(ev + 8, ESUCCESS, true);
        v.setUint8(ev + 10, 0);
        n++;
      }
      v.setUint32(neventsPtr, n, true);
      return ESUCCESS;
    },
    proc_exit: (code: number) => {
      throw new ProcExitError(code);
    },
    sched_yield: () => ESUCCESS,
  };
  const out: Record<string, (...args: number[]) => number | bigint | void> = {};
  for (const name of WASI_PREVIEW1_FUNCTIONS) {
    out[name] = impl[name] ?? (() => {
      denied.set(name, (denied.get(name) ?? 0) + 1);
      return ENOSYS;
    });
  }
  return out;
}
