import assert from "node:assert/strict";
import {
  loadPlugins,
  parsePluginFlag,
  parsePluginsConfig,
  PluginLoadError,
  PluginSpecError,
  sha256Hex,
} from "../../plugins/mod.ts";
import { fixturePlugin, responseWith, testManifest } from "./wasm_builder.ts";

const SHA = "ab".repeat(32);

Deno.test("parsePluginFlag", async (t) => {
  await t.step("path only", () => {
    assert.deepEqual(parsePluginFlag("x/p.wasm"), { path: "x/p.wasm" });
  });
  await t.step("path=sha256 (lower-cased)", () => {
    assert.deepEqual(parsePluginFlag(`p.wasm=${SHA.toUpperCase()}`), {
      path: "p.wasm",
      sha256: SHA,
    });
  });
  await t.step("a path containing = keeps all but the pin", () => {
    assert.deepEqual(parsePluginFlag(`a=b/p.wasm=${SHA}`), { path: "a=b/p.wasm", sha256: SHA });
  });
  await t.step("refusals", () => {
    assert.throws(() => parsePluginFlag("p.wasm=abc"), PluginSpecError);
    assert.throws(() => parsePluginFlag(`=${SHA}`), /missing file path/);
    assert.throws(() => parsePluginFlag(""), /needs a file path/);
  });
});

Deno.test("parsePluginsConfig (config-plugins)", async (t) => {
  await t.step("entries in name order, _example ignored, YAML or JSON values", () => {
    const specs = parsePluginsConfig({
      _example: "anything: [",
      traefik:
        `path: /plugins/traefik.wasm\nsha256: ${SHA}\nconfig:\n  externalEntryPoints: [websecure]\n`,
      nginx: JSON.stringify({ path: "/plugins/nginx.wasm", sha256: SHA, mode: "in-process" }),
    });
    assert.deepEqual(specs, [
      {
        name: "nginx",
        path: "/plugins/nginx.wasm",
        sha256: SHA,
        config: undefined,
        mode: "in-process",
      },
      {
        name: "traefik",
        path: "/plugins/traefik.wasm",
        sha256: SHA,
        config: { externalEntryPoints: ["websecure"] },
        mode: undefined,
      },
    ]);
  });
  await t.step("pins are required", () => {
    assert.throws(
      () => parsePluginsConfig({ x: "path: /p.wasm" }),
      /config-plugins\[x\]: sha256 \(64 hex digits\) is required/,
    );
  });
  await t.step("bad shapes", () => {
    assert.throws(() => parsePluginsConfig({ x: "- a" }), /must be a map/);
    assert.throws(() => parsePluginsConfig({ x: `sha256: ${SHA}` }), /path is required/);
    assert.throws(
      () => parsePluginsConfig({ x: `path: p\nsha256: ${SHA}\nmode: fast` }),
      /mode must be/,
    );
    assert.throws(
      () => parsePluginsConfig({ x: `path: p\nsha256: ${SHA}\nconfig: [1]` }),
      /config must be a map/,
    );
  });
});

Deno.test("loadPlugins", async (t) => {
  const dir = await Deno.makeTempDir();
  const bytes = fixturePlugin({ manifest: testManifest(), response: responseWith([]) });
  const file = `${dir}/p.wasm`;
  await Deno.writeFile(file, bytes);
  const other = `${dir}/q.wasm`;
  await Deno.writeFile(
    other,
    fixturePlugin({ manifest: testManifest({ name: "other" }), response: responseWith([]) }),
  );
  const sha = await sha256Hex(bytes);
  try {
    await t.step("loads a pinned flag", async () => {
      const [p] = await loadPlugins([`${file}=${sha}`], { mode: "in-process" });
      assert.equal(p.plugin.sha256, sha);
      p.close();
    });
    await t.step("a bad pin refuses the plugin", async () => {
      await assert.rejects(
        loadPlugins([`${file}=${SHA}`], { mode: "in-process" }),
        PluginLoadError,
      );
    });
    await t.step("requirePins refuses unpinned specs", async () => {
      await assert.rejects(
        loadPlugins([file], { requirePins: true, mode: "in-process" }),
        /a sha256 pin is required/,
      );
    });
    await t.step("a missing file", async () => {
      await assert.rejects(loadPlugins([`${dir}/none.wasm`]), PluginSpecError);
    });
    await t.step("a sidecar manifest beside the module", async () => {
      const bare = `${dir}/bare.wasm`;
      await Deno.writeFile(
        bare,
        fixturePlugin({
          manifest: testManifest(),
          noCustomSection: true,
          response: responseWith([]),
        }),
      );
      const [p] = await loadPlugins([bare], { mode: "in-process" });
      p.close();
      await Deno.writeTextFile(
        `${dir}/bare.manifest.json`,
        JSON.stringify(testManifest({ version: "3.0.0" })),
      );
      await assert.rejects(
        loadPlugins([bare], { mode: "in-process" }),
        /sidecar says fixture@3\.0\.0, describe says fixture@1\.0\.0/,
      );
      await Deno.writeTextFile(`${dir}/bare.manifest.json`, JSON.stringify(testManifest()));
      const [q] = await loadPlugins([bare], { mode: "in-process" });
      q.close();
      await Deno.writeTextFile(`${dir}/bare.manifest.json`, "{");
      await assert.rejects(loadPlugins([bare], { mode: "in-process" }), PluginSpecError);
    });
    await t.step("two plugins for one class", async () => {
      await assert.rejects(
        loadPlugins([file, other], { mode: "in-process" }),
        /both serve fixture\.ingress\.networking\.knative\.dev/,
      );
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
