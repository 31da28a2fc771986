/**
 * Helpers for the end-to-end tests: run kubectl against a local plane and
 * poll the API for a condition.
 * @module
 */
import type { KubeClient, KubeObject } from "../../runtime/mod.ts";

/** Runs kubectl with `--kubeconfig`; returns stdout, throws with stderr on failure. */
export async function kubectl(kubeconfig: string, args: string[], stdin?: string): Promise<string> {
  const cmd = new Deno.Command("kubectl", {
    args: [...args, "--kubeconfig", kubeconfig],
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  });
  const child = cmd.spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const out = await child.output();
  const td = new TextDecoder();
  if (!out.success) throw new Error(`kubectl ${args.join(" ")}: ${td.decode(out.stderr)}`);
  return td.decode(out.stdout);
}

/** Polls `get` until `pred` holds; throws with the last object after `timeoutMs`. */
export async function waitFor(
  client: KubeClient,
  ref: { apiVersion: string; kind: string; namespace?: string; name: string },
  pred: (o: KubeObject) => boolean,
  timeoutMs = 30_000,
): Promise<KubeObject> {
  const deadline = Date.now() + timeoutMs;
  let last: KubeObject | undefined;
  let err: unknown;
  while (Date.now() < deadline) {
    try {
      last = await client.get(ref);
      if (pred(last)) return last;
    } catch (e) {
      err = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `timed out waiting for ${ref.kind} ${ref.name}: ${
      last ? JSON.stringify(last.status) : String(err)
    }`,
  );
}

/** True when the object's Ready condition is True at its current generation. */
export function isReadyNow(o: KubeObject): boolean {
  const st = o.status as
    | { observedGeneration?: number; conditions?: { type: string; status: string }[] }
    | undefined;
  return st?.observedGeneration === o.metadata.generation &&
    st?.conditions?.find((c) => c.type === "Ready")?.status === "True";
}

/** One GET through a gateway on a fresh connection (`Connection: close`). */
export async function rawGet(
  port: number,
  host: string,
): Promise<{ status: number; body: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(
    new TextEncoder().encode(`GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`),
  );
  let raw = "";
  for await (const c of conn.readable.pipeThrough(new TextDecoderStream())) raw += c;
  const [head, ...rest] = raw.split("\r\n\r\n");
  return { status: Number(head.split(" ")[1]), body: rest.join("\r\n\r\n") };
}

/** `main.ts dev` on any free ports, writing its kubeconfig to `kubeconfig`; stdout piped. */
export function spawnDev(kubeconfig: string): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../../main.ts", import.meta.url).pathname,
      "dev",
      "--api-port",
      "0",
      "--gateway-port",
      "0",
      "--kubeconfig-out",
      kubeconfig,
    ],
    stdout: "piped",
    stderr: "null",
  }).spawn();
}
