import assert from "node:assert/strict";
import type { Converter, KubeObject } from "../../runtime/mod.ts";
import { eventually, openTarget } from "./target.ts";
import { widgetCrd } from "./fixtures.ts";

const group = `g${crypto.randomUUID().slice(0, 6)}.example.com`;

/** v1beta1 names the field `spec.sizeInches`; v1 `spec.size`. */
const converter: Converter = {
  group,
  kind: "Widget",
  convert(obj, to) {
    const o = structuredClone(obj) as KubeObject & { spec?: Record<string, unknown> };
    const spec = { ...(o.spec ?? {}) };
    if (to.endsWith("/v1beta1") && "size" in spec) {
      spec.sizeInches = spec.size;
      delete spec.size;
    } else if (to.endsWith("/v1") && "sizeInches" in spec) {
      spec.size = spec.sizeInches;
      delete spec.sizeInches;
    }
    return { ...o, apiVersion: to, spec };
  },
};

Deno.test("custom resources", async (t) => {
  const local = !Deno.env.get("DENATIVE_TEST_KUBECONFIG");
  const tg = await openTarget({ converters: [converter] });
  try {
    const crd = await tg.req(
      "POST",
      "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
      widgetCrd(group),
    );
    assert.equal(crd.status, 201, JSON.stringify(crd.body));
    const ns = await tg.namespace("crd");
    const base = `/apis/${group}/v1/namespaces/${ns}/widgets`;
    await eventually(async () => (await tg.req("GET", base)).status === 200);
    const w = (name: string, spec: Record<string, unknown>) => ({
      apiVersion: `${group}/v1`,
      kind: "Widget",
      metadata: { name },
      spec,
    });

    await t.step("a created CRD is served with discovery", async () => {
      const r = await tg.req("GET", `/apis/${group}/v1`);
      const res = r.body.resources.find((x: { name: string }) => x.name === "widgets");
      assert.deepEqual(res.shortNames, ["wdg"]);
      assert.ok(r.body.resources.some((x: { name: string }) => x.name === "widgets/status"));
      assert.ok(r.body.resources.some((x: { name: string }) => x.name === "widgets/scale"));
      const c = await tg.req(
        "GET",
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.${group}`,
      );
      assert.ok(
        c.body.status.conditions.some((x: { type: string; status: string }) =>
          x.type === "Established" && x.status === "True"
        ),
      );
    });

    await t.step("schema validation reports field paths", async () => {
      const r = await tg.req("POST", base, w("bad", { size: 0, color: "green" }));
      assert.equal(r.status, 422);
      assert.equal(r.body.reason, "Invalid");
      const fields = r.body.details.causes.map((c: { field: string }) => c.field).sort();
      assert.deepEqual(fields, ["spec.color", "spec.size"]);
      const missing = await tg.req("POST", base, w("bad2", {}));
      assert.equal(missing.status, 422);
      assert.equal(missing.body.details.causes[0].field, "spec.size");
      assert.equal(missing.body.details.causes[0].reason, "FieldValueRequired");
      const typed = await tg.req("POST", base, w("bad3", { size: "big" }));
      assert.equal(typed.status, 422);
      assert.match(typed.body.message, /spec\.size/);
    });

    await t.step(
      "unknown fields are pruned, preserved where allowed, defaults applied",
      async () => {
        const r = await tg.req(
          "POST",
          base,
          w("one", { size: 2, junk: 1, extra: { anything: { deep: true } } }),
        );
        assert.equal(r.status, 201);
        assert.equal(r.body.spec.junk, undefined);
        assert.deepEqual(r.body.spec.extra, { anything: { deep: true } });
        assert.equal(r.body.spec.color, "blue");
        assert.equal(r.body.metadata.generation, 1);
      },
    );

    await t.step("fieldValidation=Strict rejects unknown fields", async () => {
      const r = await tg.req(
        "POST",
        `${base}?fieldValidation=Strict`,
        w("strict", { size: 2, junk: 1 }),
      );
      assert.equal(r.status, 400);
      assert.match(r.body.message, /unknown field "spec.junk"/);
    });

    await t.step("status only through /status; generation bumps on spec changes only", async () => {
      const cur = (await tg.req("GET", `${base}/one`)).body;
      const s1 = await tg.req("PUT", `${base}/one/status`, {
        ...cur,
        spec: { size: 99 },
        status: { replicas: 1, conditions: [{ type: "Ready", status: "True" }] },
      });
      assert.equal(s1.status, 200);
      assert.equal(s1.body.status.replicas, 1);
      assert.equal(s1.body.spec.size, 2, "spec is ignored on /status");
      assert.equal(s1.body.metadata.generation, 1, "status writes do not bump generation");
      const u = await tg.req("PUT", `${base}/one`, {
        ...s1.body,
        spec: { ...s1.body.spec, size: 3 },
        status: { replicas: 7 },
      });
      assert.equal(u.status, 200);
      assert.equal(u.body.status.replicas, 1, "status is ignored on the main resource");
      assert.equal(u.body.metadata.generation, 2);
      const l = await tg.req("PUT", `${base}/one`, {
        ...u.body,
        metadata: { ...u.body.metadata, labels: { a: "b" } },
      });
      assert.equal(l.body.metadata.generation, 2, "metadata changes do not bump generation");
    });

    await t.step("create ignores status when the status subresource exists", async () => {
      const r = await tg.req("POST", base, {
        ...w("nostatus", { size: 1 }),
        status: { replicas: 5 },
      });
      assert.equal(r.status, 201);
      assert.equal(r.body.status, undefined);
    });

    await t.step("update without resourceVersion is Invalid for custom resources", async () => {
      const cur = (await tg.req("GET", `${base}/one`)).body;
      delete cur.metadata.resourceVersion;
      const r = await tg.req("PUT", `${base}/one`, cur);
      assert.equal(r.status, 422);
    });

    await t.step("scale subresource", async () => {
      const missing = await tg.req("GET", `${base}/one/scale`);
      assert.equal(missing.status, 500, "like kube: GET fails while spec.replicas does not exist");
      assert.match(
        missing.body.message,
        /the spec replicas field "\.spec\.replicas" does not exist/,
      );
      const p = await tg.req("PATCH", `${base}/one/scale`, { spec: { replicas: 4 } }, {
        contentType: "application/merge-patch+json",
      });
      assert.equal(p.status, 200);
      assert.equal(p.body.spec.replicas, 4);
      assert.equal((await tg.req("GET", `${base}/one`)).body.spec.replicas, 4);
      const s = await tg.req("GET", `${base}/one/scale`);
      assert.equal(s.status, 200);
      assert.equal(s.body.kind, "Scale");
      assert.equal(s.body.spec.replicas, 4);
      assert.equal(s.body.status.replicas, 1);
    });

    await t.step("Table output uses additionalPrinterColumns", async () => {
      const r = await tg.req("GET", base, undefined, {
        accept: "application/json;as=Table;v=v1;g=meta.k8s.io",
      });
      assert.equal(r.body.kind, "Table");
      const names = r.body.columnDefinitions.map((c: { name: string }) => c.name);
      assert.deepEqual(
        names,
        ["Name", "Size", "Ready"],
        "no Age column when printer columns are set",
      );
      const row = r.body.rows.find((x: { cells: unknown[] }) => x.cells[0] === "one");
      assert.equal(row.cells[1], 3);
      assert.equal(row.cells[2], "True");
    });

    await t.step("strategic merge patch is 415 for custom resources", async () => {
      const r = await tg.req("PATCH", `${base}/one`, { spec: { size: 5 } }, {
        contentType: "application/strategic-merge-patch+json",
      });
      assert.equal(r.status, 415);
    });

    if (local) {
      await t.step(
        "versions convert through the registered converter; storage version is stored",
        async () => {
          const b1 = `/apis/${group}/v1beta1/namespaces/${ns}/widgets`;
          const c = await tg.req("POST", b1, {
            apiVersion: `${group}/v1beta1`,
            kind: "Widget",
            metadata: { name: "old" },
            spec: { sizeInches: 6 },
          });
          assert.equal(c.status, 201, JSON.stringify(c.body));
          assert.equal(c.body.apiVersion, `${group}/v1beta1`);
          assert.equal(c.body.spec.sizeInches, 6);
          const v1 = await tg.req("GET", `${base}/old`);
          assert.equal(v1.body.apiVersion, `${group}/v1`);
          assert.equal(v1.body.spec.size, 6);
          const asBeta = await tg.req("GET", `${b1}/one`);
          assert.equal(asBeta.body.spec.sizeInches, 3);
        },
      );
    }

    await t.step("deleting the CRD stops serving it", async () => {
      const d = await tg.req(
        "DELETE",
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.${group}`,
      );
      assert.equal(d.status, 200);
      await eventually(async () => (await tg.req("GET", base)).status === 404, 30_000);
    });
  } finally {
    await tg.close();
  }
});
