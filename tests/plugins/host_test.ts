import assert from "node:assert/strict";
import { type KubeObject, MemoryLogger, ProviderFailedError } from "../../runtime/mod.ts";
import {
  capMemory,
  GuestError,
  inspectPlugin,
  isQualifiedKey,
  type LoadOptions,
  loadPlugin,
  parseResponse,
  PluginLoadError,
  readMemories,
  type RunnerOptions,
  sha256Hex,
  wasmProvider,
  withCustomSection,
  WorkerRunner,
} from "../../plugins/mod.ts";
import { fixturePlugin, I32, responseWith, testManifest } from "./wasm_builder.ts";

const INGRESS: KubeObject = {
  apiVersion: "networking.internal.knative.dev/v1alpha1",
  kind: "Ingress",
  metadata: { name: "hello", namespace: "default" },
  spec: { rules: [] },
};

const GOOD_OBJECT = {
  apiVersion: "networking.k8s.io/v1",
  kind: "Ingress",
  metadata: { name: "hello", namespace: "default", labels: { app: "hello" } },
  spec: {},
};

function good(over: Record<string, unknown> = {}): Uint8Array {
  return fixturePlugin({ manifest: testManifest(over), response: responseWith([GOOD_OBJECT]) });
}

async function refused(bytes: Uint8Array, check: string, pattern: RegExp, opts: LoadOptions = {}) {
  const err = await loadPlugin(bytes, { mode: "in-process", ...opts }).then(
    (p) => {
      p.close();
      return undefined;
    },
    (e) => e,
  );
  assert.ok(err instanceof PluginLoadError, `expected a refusal, got ${err}`);
  const failed = err.checks.find((c) => !c.ok);
  assert.equal(failed?.name, check, err.message);
  assert.match(err.message, pattern);
}

async function callFails(bytes: Uint8Array, pattern: RegExp, opts: LoadOptions = {}) {
  const plugin = await loadPlugin(bytes, { mode: "in-process", ...opts });
  try {
    await assert.rejects(plugin.render(INGRESS), pattern);
  } finally {
    plugin.close();
  }
}

Deno.test("a well-formed plugin loads and renders, in-process and in a Worker", async (t) => {
  for (const mode of ["in-process", "worker"] as const) {
    await t.step(mode, async () => {
      const bytes = good();
      const plugin = await loadPlugin(bytes, { mode, sha256: await sha256Hex(bytes) });
      try {
        assert.equal(plugin.manifest.name, "fixture");
        assert.deepEqual(await plugin.render(INGRESS), [GOOD_OBJECT]);
        assert.equal(plugin.runner.mode, mode);
      } finally {
        plugin.close();
      }
    });
  }
  await t.step("the manifest can come from describe alone", async () => {
    const bytes = fixturePlugin({
      manifest: testManifest(),
      noCustomSection: true,
      response: responseWith([]),
    });
    const insp = await inspectPlugin(bytes, { mode: "in-process" });
    assert.ok(insp.ok, JSON.stringify(insp.checks));
    assert.equal(insp.manifestSource, "describe");
  });
  await t.step("a missing namespace is filled with the Ingress's", async () => {
    const obj = { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "x" } };
    const plugin = await loadPlugin(
      fixturePlugin({ manifest: testManifest(), response: responseWith([obj]) }),
      { mode: "in-process" },
    );
    const [out] = await plugin.render(INGRESS);
    assert.equal(out.metadata.namespace, "default");
    plugin.close();
  });
});

Deno.test("refusals at load time", async (t) => {
  await t.step("bad sha256 pin", async () => {
    await refused(good(), "sha256", /does not match pin/, { sha256: "0".repeat(64) });
  });
  await t.step("unpinned when pins are required", async () => {
    await refused(good(), "sha256", /not pinned/, { allowUnpinned: false });
  });
  await t.step("wrong ABI version: marker", async () => {
    const bytes = fixturePlugin({
      manifest: testManifest(),
      marker: "denative_abi_v2",
      response: responseWith([]),
    });
    await refused(bytes, "abi-marker", /ABI major version\(s\) 2 unsupported/);
  });
  await t.step("wrong ABI version: manifest", async () => {
    const bytes = good({ abi: { name: "denative-json", major: 2, minor: 0 } });
    await refused(bytes, "abi-version", /declares denative-json\/2\.0/);
  });
  await t.step("forbidden import", async () => {
    const bytes = fixturePlugin({
      manifest: testManifest(),
      response: responseWith([]),
      extraImports: [{ module: "env", name: "host_exec", params: [I32], results: [] }],
    });
    await refused(bytes, "imports", /forbidden imports: env\.host_exec/);
  });
  await t.step("unknown WASI function", async () => {
    const bytes = fixturePlugin({
      manifest: testManifest(),
      response: responseWith([]),
      extraImports: [{
        module: "wasi_snapshot_preview1",
        name: "sock_open",
        params: [I32],
        results: [I32],
      }],
    });
    await refused(bytes, "imports", /wasi_snapshot_preview1\.sock_open/);
  });
  await t.step("custom section and describe disagree", async () => {
    const bytes = fixturePlugin({
      manifest: testManifest(),
      sectionManifest: testManifest({ version: "2.0.0" }),
      response: responseWith([]),
    });
    await refused(
      bytes,
      "manifest",
      /custom section says fixture@2\.0\.0, describe says fixture@1\.0\.0/,
    );
  });
  await t.step("a malformed manifest", async () => {
    await refused(good({ provides: [] }), "manifest", /provides must list at least one kind/);
    await refused(good({ name: "Bad_Name" }), "manifest", /not a DNS-1123 label/);
  });
  await t.step("host too old", async () => {
    await refused(good({ minHostVersion: "9.0.0" }), "host-version", /needs host >= 9\.0\.0/);
  });
  await t.step("declared memory maximum above the cap", async () => {
    const bytes = fixturePlugin({
      manifest: testManifest(),
      response: responseWith([]),
      memory: { initial: 2, maximum: 65 },
    });
    await refused(bytes, "memory", /declared maximum 65 pages exceeds the cap of 64/);
  });
  await t.step("initial memory above the cap", async () => {
    const bytes = fixturePlugin({
      manifest: testManifest(),
      response: responseWith([]),
      memory: { initial: 100 },
    });
    await refused(bytes, "memory", /initial memory 100 pages exceeds the cap of 64/);
  });
  await t.step("not wasm at all", async () => {
    await refused(new TextEncoder().encode("#!/bin/sh\nrm -rf /\n"), "format", /bad magic/);
  });
  await t.step("config not matching configSchema", async () => {
    const bytes = good({
      configSchema: {
        type: "object",
        properties: { gateway: { type: "string" } },
        required: ["gateway"],
      },
    });
    await refused(bytes, "config", /must have required property 'gateway'/);
    const plugin = await loadPlugin(bytes, { mode: "in-process", config: { gateway: "g" } });
    plugin.close();
  });
});

Deno.test("refusals at call time", async (t) => {
  await t.step("invalid JSON output", async () => {
    await callFails(
      fixturePlugin({ manifest: testManifest(), response: "{not json" }),
      /not valid UTF-8 JSON/,
    );
  });
  await t.step("wrong envelope version", async () => {
    await callFails(
      fixturePlugin({
        manifest: testManifest(),
        response: JSON.stringify({ apiVersion: "v0", kind: "TransformResponse", objects: [] }),
      }),
      /response apiVersion "v0"/,
    );
  });
  await t.step("undeclared kind", async () => {
    const secret = { apiVersion: "v1", kind: "Secret", metadata: { name: "s" } };
    await callFails(
      fixturePlugin({ manifest: testManifest(), response: responseWith([secret]) }),
      /v1 Secret, a kind the manifest does not declare/,
    );
  });
  await t.step("another namespace", async () => {
    const obj = { ...GOOD_OBJECT, metadata: { name: "x", namespace: "kube-system" } };
    await callFails(
      fixturePlugin({ manifest: testManifest(), response: responseWith([obj]) }),
      /in namespace "kube-system", not the Ingress's "default"/,
    );
  });
  await t.step("bad metadata", async () => {
    for (
      const [meta, pattern] of [
        [{ name: "Not_DNS" }, /is not DNS-1123/],
        [{ name: "x", labels: { a: 1 } }, /labels\[a\] must be a string/],
        [{ name: "x", annotations: { "bad key!": "v" } }, /key "bad key!" is invalid/],
        [{ name: "x", ownerReferences: [] }, /ownerReferences is set by the host/],
      ] as const
    ) {
      const obj = { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: meta };
      await callFails(
        fixturePlugin({ manifest: testManifest(), response: responseWith([obj]) }),
        pattern,
      );
    }
  });
  await t.step("an error envelope", async () => {
    const response = JSON.stringify({
      apiVersion: "ingress.denative.dev/v1alpha1",
      kind: "TransformResponse",
      error: { code: "Unsupported", message: "no TLS" },
    });
    await callFails(fixturePlugin({ manifest: testManifest(), response }), /Unsupported: no TLS/);
  });
  await t.step("output over the size cap", async () => {
    const big = responseWith([{ ...GOOD_OBJECT, spec: { pad: "x".repeat(2000) } }]);
    await callFails(
      fixturePlugin({
        manifest: testManifest({
          limits: { memoryMaxPages: 64, timeoutMs: 1000, maxOutputBytes: 1000 },
        }),
        response: big,
      }),
      /exceeds the cap of 1000 bytes/,
    );
  });
  await t.step("proc_exit is a failure", async () => {
    await callFails(
      fixturePlugin({
        manifest: testManifest(),
        behaviour: "exit",
        response: responseWith([]),
      }),
      /proc_exit\(3\)/,
    );
  });
  await t.step("memory growth past the cap traps at the cap", async () => {
    const bytes = fixturePlugin({
      manifest: testManifest(),
      behaviour: "grow",
      response: responseWith([]),
    });
    await callFails(bytes, /memory at its cap of 64 pages/);
    await callFails(bytes, /memory at its cap of 64 pages/, { mode: "worker" });
    // With a higher cap the same guest reaches its 300 pages and succeeds.
    const roomy = fixturePlugin({
      manifest: testManifest({
        limits: { memoryMaxPages: 400, timeoutMs: 1000, maxOutputBytes: 1000 },
      }),
      behaviour: "grow",
      response: responseWith([]),
    });
    const plugin = await loadPlugin(roomy, { mode: "in-process" });
    assert.deepEqual(await plugin.render(INGRESS), []);
    plugin.close();
  });
  await t.step("an infinite loop is killed at its deadline and the sandbox respawns", async () => {
    const bytes = fixturePlugin({
      manifest: testManifest({
        limits: { memoryMaxPages: 64, timeoutMs: 150, maxOutputBytes: 1000 },
      }),
      behaviour: "loop",
    });
    const plugin = await loadPlugin(bytes, { mode: "worker" });
    try {
      const t0 = performance.now();
      await assert.rejects(plugin.render(INGRESS), /deadline of 150 ms; sandbox terminated/);
      const took = performance.now() - t0;
      assert.ok(took >= 140 && took < 2000, `killed after ${took} ms`);
      const built = plugin.runner.instancesBuilt;
      await assert.rejects(plugin.render(INGRESS), /deadline/);
      assert.equal(plugin.runner.instancesBuilt, built + 1);
    } finally {
      plugin.close();
    }
  });
});

function runnerFor(bytes: Uint8Array, over: Partial<RunnerOptions> = {}): WorkerRunner {
  return new WorkerRunner({
    module: new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>),
    maxOutputBytes: 1000,
    memoryMaxPages: 64,
    timeoutMs: 100,
    log: () => {},
    ...over,
  });
}

Deno.test("a sandbox whose _initialize never returns is killed at the start deadline", async () => {
  // Warm the Worker's own code first, so that loading it cannot eat the deadline.
  const warm = runnerFor(good());
  try {
    await warm.describe();
  } finally {
    warm.close();
  }
  const runner = runnerFor(fixturePlugin({ manifest: testManifest(), initLoop: true }), {
    startTimeoutMs: 400,
    loadTimeoutMs: 60_000,
  });
  try {
    const t0 = performance.now();
    const err = await runner.describe().then(() => undefined, (e: unknown) => e);
    const took = performance.now() - t0;
    // The failure is the guest's start deadline (measured from when the guest
    // starts), not the Worker failing to load or start.
    assert.ok(err instanceof GuestError, `expected a GuestError, got ${err}`);
    assert.equal(err.kind, "timeout");
    assert.equal(err.crashed, true);
    assert.match(
      err.message,
      /^plugin start \(instantiation and _initialize\) exceeded its deadline of 400 ms; sandbox terminated$/,
    );
    assert.ok(took >= 390, `killed after ${took} ms`);
    assert.equal(runner.instancesBuilt, 1);
  } finally {
    runner.close();
  }
});

Deno.test("the Worker's load has its own deadline, reported apart from the guest's start", async () => {
  const runner = runnerFor(good(), { loadTimeoutMs: 0, startTimeoutMs: 60_000 });
  try {
    const err = await runner.describe().then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof GuestError, `expected a GuestError, got ${err}`);
    assert.equal(err.kind, "worker");
    assert.match(err.message, /^sandbox worker did not load within 0 ms; terminated$/);
  } finally {
    runner.close();
  }
  // With room to load, the same plugin starts and answers.
  const ok = runnerFor(good(), { startTimeoutMs: 60_000 });
  try {
    assert.equal(JSON.parse(new TextDecoder().decode(await ok.describe())).name, "fixture");
  } finally {
    ok.close();
  }
});

Deno.test("the sandbox Worker inherits permissions by default and reports it", async () => {
  const runner = runnerFor(good());
  try {
    assert.equal(runner.fileAccess, undefined);
    await runner.describe();
    assert.equal(runner.fileAccess, true);
  } finally {
    runner.close();
  }
});

Deno.test("with workerPermissions none, a plugin Worker cannot read a file", async () => {
  // Dropping permissions needs --unstable-worker-options (Deno 2.9), so this
  // runs in a child process with the flag.
  const probe = async (permissions: string) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--unstable-worker-options",
        "--config",
        new URL("../../deno.json", import.meta.url).pathname,
        new URL("./sandbox_probe.ts", import.meta.url).pathname,
        permissions,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.ok(out.success, stderr);
    return JSON.parse(new TextDecoder().decode(out.stdout));
  };
  // The plugin still starts and answers with no permissions at all.
  assert.deepEqual(await probe("none"), { fileAccess: false, name: "fixture" });
  assert.deepEqual(await probe("inherit"), { fileAccess: true, name: "fixture" });
});

Deno.test("recovery after a crash", async (t) => {
  const bytes = fixturePlugin({
    manifest: testManifest(),
    behaviour: "trap-if-long",
    response: responseWith([GOOD_OBJECT]),
  });
  const long: KubeObject = {
    ...INGRESS,
    metadata: { ...INGRESS.metadata, annotations: { pad: "x".repeat(5000) } },
  };
  for (const mode of ["in-process", "worker"] as const) {
    await t.step(`trap, then the rebuilt instance serves (${mode})`, async () => {
      const plugin = await loadPlugin(bytes, { mode });
      try {
        assert.deepEqual(await plugin.render(INGRESS), [GOOD_OBJECT]);
        const built = plugin.runner.instancesBuilt;
        await assert.rejects(plugin.render(long), /trap: unreachable/);
        assert.equal(plugin.consecutiveCrashes, 1);
        assert.deepEqual(await plugin.render(INGRESS), [GOOD_OBJECT]);
        assert.equal(plugin.runner.instancesBuilt, built + 1);
        assert.equal(plugin.consecutiveCrashes, 0);
      } finally {
        plugin.close();
      }
    });
  }
  await t.step("a crash loop backs off, exponentially", async () => {
    let now = 1_000_000;
    const logs = new MemoryLogger();
    const plugin = await loadPlugin(bytes, {
      mode: "in-process",
      crashLoopThreshold: 2,
      baseBackoffMs: 1000,
      now: () => now,
      logger: logs,
    });
    try {
      await assert.rejects(plugin.render(long), /trap/);
      await assert.rejects(plugin.render(long), /trap/);
      const built = plugin.runner.instancesBuilt;
      // In backoff: refused without touching the plugin, even for good input.
      await assert.rejects(plugin.render(INGRESS), /crash loop: 2 consecutive crashes/);
      assert.equal(plugin.runner.instancesBuilt, built);
      now += 1001;
      await assert.rejects(plugin.render(long), /trap/);
      now += 1001; // second backoff is 2000 ms
      await assert.rejects(plugin.render(INGRESS), /crash loop: 3 consecutive/);
      now += 1000;
      assert.deepEqual(await plugin.render(INGRESS), [GOOD_OBJECT]);
      assert.equal(plugin.consecutiveCrashes, 0);
      assert.ok(logs.records.some((r) => r.msg.includes("plugin crashed")));
    } finally {
      plugin.close();
    }
  });
});

Deno.test("plugin stdout goes to the logger", async () => {
  const logs = new MemoryLogger();
  const plugin = await loadPlugin(
    fixturePlugin({ manifest: testManifest(), behaviour: "hello", response: responseWith([]) }),
    { mode: "worker", logger: logs },
  );
  try {
    await plugin.render(INGRESS);
    assert.ok(
      logs.records.some((r) => r.msg === "hello" && r.stream === "stdout"),
      JSON.stringify(logs.records),
    );
  } finally {
    plugin.close();
  }
});

Deno.test("the denative:host/v1 log import reaches the logger", async () => {
  const logs = new MemoryLogger();
  const bytes = fixturePlugin({
    manifest: testManifest(),
    behaviour: "host-log",
    response: responseWith([]),
  });
  const insp = await inspectPlugin(bytes, { mode: "in-process" });
  assert.ok(insp.ok, JSON.stringify(insp.checks));
  const plugin = await loadPlugin(bytes, { mode: "in-process", logger: logs });
  try {
    await plugin.render(INGRESS);
    assert.ok(
      logs.records.some((r) => r.msg === "hello" && r.level === "warn"),
      JSON.stringify(logs.records),
    );
  } finally {
    plugin.close();
  }
});

Deno.test("the provider adapter turns failures into ProviderFailedError", async () => {
  const plugin = await loadPlugin(
    fixturePlugin({ manifest: testManifest(), response: "garbage" }),
    { mode: "in-process" },
  );
  const provider = wasmProvider(plugin);
  try {
    assert.equal(provider.className, "fixture.ingress.networking.knative.dev");
    assert.deepEqual(provider.kinds, [{ apiVersion: "networking.k8s.io/v1", kind: "Ingress" }]);
    const err = await Promise.resolve(provider.render(INGRESS, {})).catch((e) => e);
    assert.ok(err instanceof ProviderFailedError);
    assert.equal(err.provider, "fixture@1.0.0");
    assert.match(err.message, /plugin fixture@1\.0\.0 failed: response is not valid/);
    await assert.rejects(
      Promise.resolve(provider.status(INGRESS, [], {})),
      ProviderFailedError,
    );
  } finally {
    provider.close();
  }
});

Deno.test("default status: ready once every rendered object is observed", async () => {
  const plugin = await loadPlugin(good(), { mode: "in-process" });
  const provider = wasmProvider(plugin);
  try {
    const pending = await provider.status(INGRESS, [], {});
    assert.equal(pending.ready, false);
    assert.match(pending.message ?? "", /Ingress\/hello/);
    assert.deepEqual(await provider.status(INGRESS, [GOOD_OBJECT], {}), { ready: true });
  } finally {
    provider.close();
  }
});

Deno.test("withCustomSection embeds (and replaces) the manifest section", async () => {
  const bytes = fixturePlugin({
    manifest: testManifest(),
    noCustomSection: true,
    response: responseWith([]),
  });
  const payload = new TextEncoder().encode(JSON.stringify(testManifest()));
  const once = withCustomSection(bytes, "denative.manifest", payload);
  const twice = withCustomSection(once, "denative.manifest", payload);
  assert.equal(twice.length, once.length);
  const insp = await inspectPlugin(twice, { mode: "in-process" });
  assert.ok(insp.ok, JSON.stringify(insp.checks));
  assert.equal(insp.manifestSource, "custom-section");
});

Deno.test("capMemory rewrites the memory maximum", () => {
  const bytes = fixturePlugin({ manifest: testManifest(), memory: { initial: 3 } });
  assert.deepEqual(readMemories(bytes).defined[0].maximum, undefined);
  const capped = capMemory(bytes, 10);
  assert.deepEqual(readMemories(capped).defined, [
    { initial: 3, maximum: 10, shared: false, memory64: false },
  ]);
  const mem = new WebAssembly.Instance(new WebAssembly.Module(capped)).exports
    .memory as WebAssembly.Memory;
  assert.throws(() => mem.grow(8), RangeError);
  assert.equal(mem.grow(7), 3);
});

Deno.test("responses must be strict UTF-8; a real U+FFFD is fine", () => {
  const enc = new TextEncoder();
  const envelope = (s: string) =>
    JSON.stringify({
      apiVersion: "ingress.denative.dev/v1alpha1",
      kind: "TransformResponse",
      w: s,
    });
  const [head, tail] = envelope("@").split("@").map((p) => enc.encode(p));
  for (const bad of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xe2, 0x82]]) {
    const bytes = new Uint8Array([...head, ...bad, ...tail]);
    assert.throws(() => parseResponse(bytes), /not valid UTF-8 JSON/, `bytes ${bad}`);
  }
  const ok = parseResponse(enc.encode(envelope("a \ufffd b"))) as unknown as { w: string };
  assert.equal(ok.w, "a \ufffd b");
});

Deno.test("label and annotation keys are checked every time they are seen", () => {
  for (let i = 0; i < 2; i++) {
    assert.equal(isQualifiedKey("serving.knative.dev/route"), true);
    assert.equal(isQualifiedKey("app"), true);
    assert.equal(isQualifiedKey("bad key"), false);
    assert.equal(isQualifiedKey("/app"), false);
    assert.equal(isQualifiedKey("Bad_Prefix/app"), false);
    assert.equal(isQualifiedKey("x".repeat(64)), false);
  }
});
