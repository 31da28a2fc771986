import assert from "node:assert/strict";
import { changedLeafPaths, leafPaths, valueAt } from "../../apiserver/patch.ts";

/** What changedLeafPaths replaces: read `old` again at every leaf path of `next`. */
function naive(old: unknown, next: unknown): string[][] {
  return leafPaths(next).filter((p) =>
    JSON.stringify(valueAt(old, p)) !== JSON.stringify(valueAt(next, p))
  );
}

const base = {
  metadata: { labels: { a: "1", b: "2" }, annotations: {} },
  spec: {
    replicas: 1,
    template: {
      spec: {
        containers: [
          { name: "user", image: "x", env: [{ name: "A", value: "1" }], args: ["a", "b"] },
          { name: "queue-proxy", image: "q" },
        ],
      },
    },
  },
  status: { conditions: [{ type: "Ready", status: "True" }] },
};

Deno.test("changedLeafPaths names exactly the leaves an update changed", async (t) => {
  const cases: { name: string; edit: (o: typeof base) => void; want: string[] }[] = [
    { name: "nothing changed", edit: () => {}, want: [] },
    {
      name: "a label value",
      edit: (o) => (o.metadata.labels.a = "9"),
      want: ["f:metadata\0f:labels\0f:a"],
    },
    {
      name: "a keyed list element's field",
      edit: (o) => (o.spec.template.spec.containers[1].image = "q2"),
      want: ['f:spec\0f:template\0f:spec\0f:containers\0k:{"name":"queue-proxy"}\0f:image'],
    },
    {
      name: "an atomic list",
      edit: (o) => o.spec.template.spec.containers[0].args!.push("c"),
      want: ['f:spec\0f:template\0f:spec\0f:containers\0k:{"name":"user"}\0f:args'],
    },
    {
      name: "a new keyed element and a condition status",
      edit: (o) => {
        o.spec.template.spec.containers[0].env!.push({ name: "B", value: "2" });
        o.status.conditions[0].status = "False";
      },
      want: [
        'f:spec\0f:template\0f:spec\0f:containers\0k:{"name":"user"}\0f:env\0k:{"name":"B"}\0f:name',
        'f:spec\0f:template\0f:spec\0f:containers\0k:{"name":"user"}\0f:env\0k:{"name":"B"}\0f:value',
        'f:status\0f:conditions\0k:{"type":"Ready"}\0f:status',
      ],
    },
    {
      name: "an empty map replacing a filled one",
      edit: (o) => ((o.metadata as Record<string, unknown>).labels = {}),
      want: ["f:metadata\0f:labels"],
    },
    {
      name: "a scalar becoming an object",
      edit: (o) => ((o.spec as Record<string, unknown>).replicas = { x: 1 }),
      want: ["f:spec\0f:replicas\0f:x"],
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const next = structuredClone(base);
      c.edit(next);
      const got = changedLeafPaths(base, next).map((p) => p.join("\0")).sort();
      assert.deepEqual(got, [...c.want].sort());
      assert.deepEqual(got, naive(base, next).map((p) => p.join("\0")).sort());
    });
  }
  await t.step("with no old object every leaf is changed", () => {
    assert.deepEqual(changedLeafPaths(undefined, base), leafPaths(base));
  });
});
