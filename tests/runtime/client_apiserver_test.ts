/**
 * The real client and a Manager against the local API server (apiserver/),
 * over TLS with its self-signed CA and bearer token from the kubeconfig it
 * writes.
 */
import assert from "node:assert/strict";
import {
  HttpKubeClient,
  isAlreadyExists,
  isNotFound,
  type KubeObject,
  Manager,
  nullLogger,
} from "../../runtime/mod.ts";
import { startApiServer } from "../../apiserver/mod.ts";

Deno.test("HttpKubeClient and Manager against the local API server", async (t) => {
  const server = await startApiServer({ port: 0, simulateWorkloads: false });
  const dir = await Deno.makeTempDir();
  const client = await (async () => {
    await server.writeKubeconfig(`${dir}/kubeconfig`);
    return await HttpKubeClient.fromConfig({ kubeconfig: `${dir}/kubeconfig` });
  })();
  try {
    assert.ok(client.server.startsWith("https://"), "TLS with the kubeconfig CA");
    const ref = { apiVersion: "v1", kind: "ConfigMap", namespace: "default" };
    await t.step("CRUD with typed errors", async () => {
      const made = await client.create<KubeObject>({
        ...ref,
        metadata: { namespace: "default", name: "a" },
        data: { k: "1" },
      });
      assert.ok(made.metadata.uid);
      await assert.rejects(
        client.create({ ...ref, metadata: { namespace: "default", name: "a" } }),
        isAlreadyExists,
      );
      const p = await client.patch({ ...ref, name: "a" }, "merge", { data: { k: "2" } });
      assert.equal((p.data as Record<string, string>).k, "2");
      const l = await client.list(ref);
      assert.ok(l.items.some((o) => o.metadata.name === "a" && o.kind === "ConfigMap"));
      await client.delete({ ...ref, name: "a" });
      await assert.rejects(client.get({ ...ref, name: "a" }), isNotFound);
    });
    await t.step("a Manager copies ConfigMaps into Secrets to a fixed point", async () => {
      const m = new Manager({
        client,
        logger: nullLogger,
        resyncMs: 0,
        idleSettleMs: 50,
        plugins: [{
          name: "copier",
          resource: { apiVersion: "v1", kind: "ConfigMap" },
          owns: [{ apiVersion: "v1", kind: "Secret" }],
          filter: (o) => o.metadata.namespace === "default" && o.metadata.labels?.copy === "yes",
          create: (deps) => ({
            async reconcile(cm) {
              if (deps.stores.get("v1/Secret")!.get(`default/${cm.metadata.name}`)) return;
              await deps.client.create({
                apiVersion: "v1",
                kind: "Secret",
                metadata: {
                  namespace: "default",
                  name: cm.metadata.name,
                  ownerReferences: [{
                    apiVersion: "v1",
                    kind: "ConfigMap",
                    name: cm.metadata.name!,
                    uid: cm.metadata.uid!,
                    controller: true,
                  }],
                },
                stringData: { copied: "yes" },
              });
            },
          }),
        }],
      });
      try {
        await m.start();
        await client.create({
          ...ref,
          metadata: { namespace: "default", name: "b", labels: { copy: "yes" } },
        });
        await m.idle();
        const s = await client.get({
          apiVersion: "v1",
          kind: "Secret",
          namespace: "default",
          name: "b",
        });
        assert.equal(s.metadata.ownerReferences?.[0].name, "b");
      } finally {
        await m.stop();
      }
    });
  } finally {
    client.close();
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});
