/**
 * SIGINT/SIGTERM handling: stop intake, drain, release the lease, exit 0; a
 * second signal exits at once.
 * @module
 */

/** Something that can be stopped gracefully. */
export interface Stoppable {
  /** Stops gracefully. */
  stop(): Promise<void>;
}

/** Options for {@link onShutdownSignal}. */
export interface ShutdownOptions {
  /** Upper bound for the graceful stop (default 30 s); then exit 1. */
  timeoutMs?: number;
  /** Exit function (default `Deno.exit`). */
  exit?: (code: number) => void;
  /** Signals (default SIGINT and SIGTERM). */
  signals?: Deno.Signal[];
}

/**
 * Installs handlers that stop `target` and exit 0 on the first signal.
 * Returns a function that removes the handlers.
 */
export function onShutdownSignal(target: Stoppable, opts: ShutdownOptions = {}): () => void {
  const exit = opts.exit ?? ((c: number) => Deno.exit(c));
  const signals = opts.signals ??
    (Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"]);
  let stopping = false;
  const handler = () => {
    if (stopping) return exit(1);
    stopping = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<number>((
      r,
    ) => (timer = setTimeout(() => r(1), opts.timeoutMs ?? 30_000)));
    Promise.race([target.stop().then(() => 0, () => 1), deadline]).then((code) => {
      clearTimeout(timer);
      exit(code);
    });
  };
  for (const s of signals) Deno.addSignalListener(s, handler);
  return () => {
    for (const s of signals) Deno.removeSignalListener(s, handler);
  };
}

/**
 * Resolves with the process exit code once a shutdown signal has stopped
 * `target`: 0 after a graceful stop, 1 when the stop failed, ran past
 * `timeoutMs`, or a second signal arrived. For CLI commands that return
 * their exit code instead of exiting.
 */
export function waitForShutdown(
  target: Stoppable,
  opts: Omit<ShutdownOptions, "exit"> = {},
): Promise<number> {
  return new Promise((resolve) => {
    const remove = onShutdownSignal(target, {
      ...opts,
      exit: (code) => {
        remove();
        resolve(code);
      },
    });
  });
}
