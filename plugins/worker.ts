/// <reference lib="deno.worker" />
/**
 * The sandbox Worker: holds one plugin instance and serves calls posted by
 * {@link WorkerRunner}. Never imported directly; started with
 * `new Worker(new URL("./worker.ts", import.meta.url), { type: "module" })`.
 * @module
 */
import { GuestError, GuestInstance } from "./instance.ts";
import type { WorkerReply, WorkerRequest } from "./runner.ts";

let guest: GuestInstance | undefined;

function reply(msg: WorkerReply, transfer: Transferable[] = []): void {
  self.postMessage(msg, transfer);
}

function errorOf(e: unknown): { kind: GuestError["kind"]; message: string; crashed: boolean } {
  if (e instanceof GuestError) return { kind: e.kind, message: e.message, crashed: e.crashed };
  return { kind: "trap", message: e instanceof Error ? e.message : String(e), crashed: true };
}

// Tries to read this Worker's own source: false when the Worker runs without
// Deno permissions (the host reports it).
function canReadFiles(): boolean {
  try {
    Deno.statSync(new URL(import.meta.url));
    return true;
  } catch {
    return false;
  }
}

self.onmessage = (ev: MessageEvent<WorkerRequest>) => {
  const msg = ev.data;
  if (msg.type === "init") {
    // The Worker's code has loaded: the guest starts now (the host's start
    // deadline runs from here).
    reply({ type: "starting" });
    try {
      guest = GuestInstance.create(msg.module, {
        maxOutputBytes: msg.maxOutputBytes,
        memoryMaxPages: msg.memoryMaxPages,
        log: (stream, line) => reply({ type: "log", stream, line }),
      });
      reply({ type: "ready", fileAccess: canReadFiles() });
    } catch (e) {
      reply({ type: "init-error", error: errorOf(e) });
    }
    return;
  }
  if (!guest) {
    reply({ type: "error", id: msg.id, error: errorOf(new Error("not initialized")) });
    return;
  }
  try {
    const output = msg.op === "describe" ? guest.describe() : guest.transform(msg.input);
    reply({ type: "result", id: msg.id, output }, [output.buffer as ArrayBuffer]);
  } catch (e) {
    reply({ type: "error", id: msg.id, error: errorOf(e) });
  }
};
