import assert from "node:assert/strict";
import { Api } from "../../apiserver/api.ts";
import { typeKey } from "../../apiserver/registry.ts";
import {
  LOCAL_UPSTREAM_ANNOTATION,
  parseLocalUpstream,
  Simulator,
} from "../../apiserver/simulate.ts";
import type { KubeObject } from "../../runtime/mod.ts";

function svc(name: string, app: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: "default" },
    spec: { selector: { app }, ports: [{ port: 80, targetPort: 8080, protocol: "TCP" }] },
  };
}

function pod(name: string, app: string, ip: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels: { app } },
    spec: { containers: [{ name: "c", image: "x" }] },
    status: { podIP: ip, conditions: [{ type: "Ready", status: "True" }] },
  };
}

async function until(cond: () => unknown): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(cond(), "condition not reached");
}

Deno.test("simulator: a Pod change recomputes only the Endpoints of the Services selecting it", async () => {
  const api = new Api();
  await api.init();
  const svcT = api.registry.get("", "services")!;
  const podT = api.registry.get("", "pods")!;
  const epT = api.registry.get("", "endpoints")!;
  const sim = new Simulator(api, 1);
  sim.start();
  try {
    for (let i = 0; i < 20; i++) await api.systemWrite(svcT, svc(`s${i}`, `a${i}`), "ADDED");
    await until(() => sim.endpointsComputed >= 20);
    await until(() => api.raw(epT, "default", "s19") !== undefined);
    const before = sim.endpointsComputed;
    await api.systemWrite(podT, pod("p7", "a7", "127.2.0.7"), "ADDED");
    await until(() =>
      (api.raw(epT, "default", "s7") as { subsets?: unknown[] } | undefined)?.subsets?.length === 1
    );
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(sim.endpointsComputed - before, 1, "only s7 is recomputed");
    // deno-lint-ignore no-explicit-any
    const ep = api.raw(epT, "default", "s7") as any;
    assert.equal(ep.subsets[0].addresses[0].ip, "127.2.0.7");
    assert.equal(ep.subsets[0].ports[0].port, 8080);
    assert.equal(
      (api.raw(epT, "default", "s6") as { subsets?: unknown[] }).subsets,
      undefined,
      "other Services keep empty Endpoints",
    );
  } finally {
    await sim.stop();
  }
});

// deno-lint-ignore no-explicit-any
type Any = any;

/** A Deployment of one replica whose pod template carries `annotations`. */
function deployment(name: string, annotations: Record<string, string>): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "default" },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, annotations },
        spec: {
          containers: [
            { name: "user-container", image: "x", ports: [{ containerPort: 8080 }] },
            {
              name: "queue-proxy",
              image: "q",
              ports: [{ name: "queue-port", containerPort: 8012 }, {
                name: "metrics",
                containerPort: 9090,
              }],
            },
          ],
        },
      },
    },
  };
}

/** One HTTP/1.1 GET with `Connection: close`; the response body, or the error's name. */
async function rawGet(hostname: string, port: number): Promise<string> {
  let conn: Deno.Conn | undefined;
  try {
    conn = await Deno.connect({ hostname, port });
    await conn.write(
      new TextEncoder().encode(`GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
    );
    let raw = "";
    for await (const c of conn.readable.pipeThrough(new TextDecoderStream())) raw += c;
    conn = undefined; // the readable closed it
    return raw.split("\r\n\r\n").slice(1).join("\r\n\r\n");
  } catch (e) {
    return (e as Error).name;
  } finally {
    try {
      conn?.close();
    } catch { /* already closed */ }
  }
}

async function simulated(
  fn: (api: Api, sim: Simulator) => Promise<void>,
  before?: (api: Api) => Promise<void>,
): Promise<void> {
  const api = new Api();
  await api.init();
  await before?.(api);
  const sim = new Simulator(api, 1);
  sim.start();
  try {
    await fn(api, sim);
  } finally {
    await sim.stop();
  }
}

function podOf(api: Api, app: string): Any {
  return api.store.list(typeKey("", "pods"), "default").find((p) => p.metadata.labels?.app === app);
}

Deno.test("parseLocalUpstream accepts loopback HOST:PORT and refuses everything else", () => {
  const ok: [string, string, number][] = [
    ["127.0.0.1:8080", "127.0.0.1", 8080],
    [" 127.1.2.3:1 ", "127.1.2.3", 1],
    ["127.255.255.255:65535", "127.255.255.255", 65535],
    ["[::1]:80", "::1", 80],
    ["[0:0:0:0:0:0:0:1]:80", "::1", 80],
  ];
  for (const [v, hostname, port] of ok) {
    assert.deepStrictEqual(parseLocalUpstream(v), { hostname, port }, v);
  }
  const malformed = [
    "",
    "127.0.0.1",
    "127.0.0.1:",
    "127.0.0.1:0",
    "127.0.0.1:65536",
    "127.0.0.1:80/x",
    "::1:80",
    "http://127.0.0.1:80",
  ];
  for (const v of malformed) {
    assert.match(parseLocalUpstream(v).error ?? "", /is not HOST:PORT/, v);
  }
  const refused = [
    "10.0.0.1:80",
    "0.0.0.0:80",
    "localhost:80",
    "example.com:80",
    "127.0.0.256:80",
    "[127.0.0.1]:80",
    "[::2]:80",
    "[::ffff:127.0.0.1]:80",
    "128.0.0.1:80",
  ];
  for (const v of refused) {
    assert.match(parseLocalUpstream(v).error ?? "", /only to loopback addresses/, v);
  }
});

Deno.test("simulator: a Pod with local-upstream relays its container ports to that server", async () => {
  const upstream = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("from upstream"),
  );
  let ip = "";
  try {
    await simulated(async (api) => {
      const dT = api.registry.get("apps", "deployments")!;
      const svcT = api.registry.get("", "services")!;
      const epT = api.registry.get("", "endpoints")!;
      await api.systemWrite(
        svcT,
        {
          apiVersion: "v1",
          kind: "Service",
          metadata: { name: "web", namespace: "default" },
          spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: 8012 }] },
        },
        "ADDED",
      );
      await api.systemWrite(
        dT,
        deployment("web", { [LOCAL_UPSTREAM_ANNOTATION]: `127.0.0.1:${upstream.addr.port}` }),
        "ADDED",
      );
      await until(() => (api.raw(epT, "default", "web") as Any)?.subsets?.[0]?.addresses);
      const pod = podOf(api, "web");
      ip = pod.status.podIP;
      assert.match(ip, /^127\.2\.\d+\.\d+$/, "the Pod keeps its own simulated IP");
      assert.equal(
        pod.metadata.annotations[LOCAL_UPSTREAM_ANNOTATION],
        `127.0.0.1:${upstream.addr.port}`,
        "template annotations are on the Pod",
      );
      assert.ok(pod.status.conditions.some((c: Any) => c.type === "Ready" && c.status === "True"));
      const ep = api.raw(epT, "default", "web") as Any;
      assert.deepStrictEqual(ep.subsets[0].addresses.map((a: Any) => a.ip), [ip]);
      assert.deepStrictEqual(ep.subsets[0].ports, [{ name: "http", port: 8012, protocol: "TCP" }]);
      for (const port of [8012, 8080, 9090]) {
        assert.equal(await rawGet(ip, port), "from upstream", `${ip}:${port}`);
      }
      // replacing the template replaces the Pod: the old relay closes, the new Pod gets its own
      const d = structuredClone(api.raw(dT, "default", "web")) as Any;
      d.spec.template.metadata.annotations[LOCAL_UPSTREAM_ANNOTATION] = "10.1.2.3:80";
      await api.systemWrite(dT, d, "MODIFIED");
      await until(() => podOf(api, "web")?.status.podIP !== ip);
      await until(() =>
        api.raw(api.registry.get("", "pods")!, "default", pod.metadata.name) === undefined
      );
      // Deno drops a closed listener's socket once its pending accept is cancelled (a tick later)
      assert.equal(
        await refusedWithin(ip, 8012),
        "ConnectionRefused",
        "the deleted Pod's relay closes",
      );
    });
    assert.notEqual(ip, "");
  } finally {
    await upstream.shutdown();
  }
});

Deno.test("simulator: an invalid or non-loopback local-upstream fails the Pod with a message and event", async () => {
  await simulated(async (api) => {
    const dT = api.registry.get("apps", "deployments")!;
    const cases: [string, string, RegExp][] = [
      ["remote", "10.0.0.1:80", /only to loopback addresses/],
      ["malformed", "127.0.0.1", /is not HOST:PORT/],
    ];
    for (const [name, value] of cases) {
      await api.systemWrite(dT, deployment(name, { [LOCAL_UPSTREAM_ANNOTATION]: value }), "ADDED");
    }
    const noPorts = deployment("noports", { [LOCAL_UPSTREAM_ANNOTATION]: "127.0.0.1:8080" }) as Any;
    for (const c of noPorts.spec.template.spec.containers) delete c.ports;
    await api.systemWrite(dT, noPorts, "ADDED");
    cases.push(["noports", "127.0.0.1:8080", /needs a TCP containerPort in the pod template/]);
    for (const [name, value, message] of cases) {
      await until(() =>
        (api.raw(dT, "default", name) as Any)?.status?.conditions?.some((c: Any) =>
          c.type === "Available" && c.status === "False"
        )
      );
      const pod = podOf(api, name);
      const ready = pod.status.conditions.find((c: Any) => c.type === "Ready");
      assert.equal(ready.status, "False", name);
      assert.equal(ready.reason, "ContainersNotReady");
      const user = pod.status.containerStatuses.find((c: Any) => c.name === "user-container");
      assert.equal(user.ready, false);
      assert.equal(user.state.waiting.reason, "CrashLoopBackOff");
      assert.equal(user.lastState.terminated.exitCode, 1);
      assert.match(user.lastState.terminated.message, message, name);
      assert.ok(user.lastState.terminated.message.includes(JSON.stringify(value)));
      const events = api.store.list(typeKey("", "events"), "default").filter((e: Any) =>
        e.involvedObject.name === pod.metadata.name
      ) as Any[];
      assert.equal(events.length, 1, name);
      assert.equal(events[0].type, "Warning");
      assert.equal(events[0].reason, "InvalidLocalUpstream");
      assert.match(events[0].message, message);
      assert.equal(await rawGet(pod.status.podIP, 8012), "ConnectionRefused", "nothing listens");
    }
  });
});

Deno.test("simulator: a relay skips addresses whose ports are held, then fails the Pod", async () => {
  // A kept Pod at 127.2.200.10 makes new Pods continue at 127.2.200.11 (far
  // from the addresses of planes other test files start in parallel).
  const ip = (n: number) => `127.2.200.${n}`;
  const held = [11, 12, 13, 14, 15, 16, 17].map((n) =>
    Deno.listen({ hostname: ip(n), port: 8012 })
  );
  try {
    await simulated(async (api) => {
      const dT = api.registry.get("apps", "deployments")!;
      await api.systemWrite(
        dT,
        deployment("skips", { [LOCAL_UPSTREAM_ANNOTATION]: "127.0.0.1:1" }),
        "ADDED",
      );
      await until(() => podOf(api, "skips") !== undefined);
      const skipped = podOf(api, "skips");
      assert.equal(skipped.status.podIP, ip(18), "7 held addresses are skipped");
      assert.equal(skipped.status.conditions.find((c: Any) => c.type === "Ready").status, "True");
      for (const n of [19, 20, 21, 22, 23, 24, 25, 26]) {
        held.push(Deno.listen({ hostname: ip(n), port: 8012 }));
      }
      await api.systemWrite(
        dT,
        deployment("busy", { [LOCAL_UPSTREAM_ANNOTATION]: "127.0.0.1:1" }),
        "ADDED",
      );
      await until(() => podOf(api, "busy") !== undefined);
      const pod = podOf(api, "busy");
      assert.equal(pod.status.podIP, ip(26), "the 8th address is the last one tried");
      assert.equal(pod.status.conditions.find((c: Any) => c.type === "Ready").status, "False");
      assert.match(
        pod.status.containerStatuses[0].lastState.terminated.message,
        /^cannot listen on 127\.2\.200\.26 \(container ports 8080, 8012, 9090\) to relay to 127\.0\.0\.1:1 for annotation serving\.denative\.dev\/local-upstream: /,
      );
      for (const n of [19, 26]) {
        assert.equal(await rawGet(ip(n), 8080), "ConnectionRefused", "bound ports released");
      }
    }, async (api) => {
      await api.systemWrite(api.registry.get("", "pods")!, pod("kept", "kept", ip(10)), "ADDED");
    });
  } finally {
    for (const l of held) l.close();
  }
});

Deno.test("simulator: on start, kept Pods' relays reopen and new Pod IPs follow theirs", async () => {
  const upstream = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("kept"),
  );
  try {
    await simulated(
      async (api) => {
        assert.equal(await retryGet("127.2.201.40", 8012), "kept");
        await api.systemWrite(
          api.registry.get("apps", "deployments")!,
          deployment("new", {}),
          "ADDED",
        );
        await until(() => podOf(api, "new") !== undefined);
        assert.equal(podOf(api, "new").status.podIP, "127.2.201.41");
      },
      async (api) => {
        const p = pod("kept-abcde", "kept", "127.2.201.40") as Any;
        p.metadata.annotations = { [LOCAL_UPSTREAM_ANNOTATION]: `127.0.0.1:${upstream.addr.port}` };
        p.spec.containers[0].ports = [{ containerPort: 8012 }];
        await api.systemWrite(api.registry.get("", "pods")!, p, "ADDED");
      },
    );
  } finally {
    await upstream.shutdown();
  }
});

Deno.test("simulator: on start, a kept Pod whose relay cannot reopen is failed", async () => {
  const held = Deno.listen({ hostname: "127.2.202.5", port: 8012 });
  try {
    await simulated(
      async (api) => {
        await until(() =>
          podOf(api, "kept")?.status.conditions.some((c: Any) =>
            c.type === "Ready" && c.status === "False"
          )
        );
        const p = podOf(api, "kept");
        assert.equal(p.status.podIP, "127.2.202.5", "the Pod keeps its address");
        assert.match(
          p.status.containerStatuses[0].lastState.terminated.message,
          /^cannot listen on 127\.2\.202\.5 \(container ports 8012\)/,
        );
        await until(() =>
          api.store.list(typeKey("", "events"), "default").some((e: Any) =>
            e.involvedObject.name === "kept-abcde" && e.reason === "InvalidLocalUpstream"
          )
        );
      },
      async (api) => {
        const p = pod("kept-abcde", "kept", "127.2.202.5") as Any;
        p.metadata.annotations = { [LOCAL_UPSTREAM_ANNOTATION]: "127.0.0.1:1" };
        p.spec.containers[0].ports = [{ containerPort: 8012 }];
        await api.systemWrite(api.registry.get("", "pods")!, p, "ADDED");
      },
    );
  } finally {
    held.close();
  }
});

async function retryGet(hostname: string, port: number): Promise<string> {
  let got = "";
  for (let i = 0; i < 200; i++) {
    got = await rawGet(hostname, port);
    if (got !== "ConnectionRefused") break;
    await new Promise((r) => setTimeout(r, 5));
  }
  return got;
}

/** Connects until refused (at most 1 s); the last outcome. */
async function refusedWithin(hostname: string, port: number): Promise<string> {
  let got = "";
  for (let i = 0; i < 100; i++) {
    got = await rawGet(hostname, port);
    if (got === "ConnectionRefused") break;
    await new Promise((r) => setTimeout(r, 10));
  }
  return got;
}
