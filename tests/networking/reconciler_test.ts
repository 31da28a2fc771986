import assert from "node:assert/strict";
import {
  createProviderRegistry,
  INGRESS_FINALIZER,
  ingressControllerPlugin,
  istioProvider,
  makeVirtualServices,
  parseIstioConfig,
} from "../../networking/mod.ts";
import {
  type IngressProvider,
  type KubeObject,
  MemoryLogger,
  notFound,
  ProviderFailedError,
  type ReconcilerDeps,
} from "../../runtime/mod.ts";
import { tableTest } from "../table.ts";
import { routeIngress } from "./fixtures.ts";

const ISTIO = "istio.ingress.networking.knative.dev";
const VS = { apiVersion: "networking.istio.io/v1beta1", kind: "VirtualService" };

/** A provider standing in for a WebAssembly plugin that crashes. */
const failing: IngressProvider = {
  className: "wasm.example.dev",
  kinds: [{ apiVersion: "example.dev/v1", kind: "Route" }],
  render() {
    throw new ProviderFailedError("wasm-example", "trap: unreachable executed");
  },
  status: () => ({ ready: false }),
};

const registry = createProviderRegistry([istioProvider(), failing]);
const plugin = ingressControllerPlugin({ registry });

function ingress(opts: { finalizer?: boolean; cls?: string | null; alias?: boolean } = {}) {
  const ing = routeIngress();
  ing.metadata.resourceVersion = "1";
  const ann = ing.metadata.annotations!;
  delete ann["networking.knative.dev/ingress.class"];
  if (opts.cls !== null) {
    ann[
      opts.alias ? "networking.knative.dev/ingress-class" : "networking.knative.dev/ingress.class"
    ] = opts.cls ?? ISTIO;
  }
  if (opts.finalizer) ing.metadata.finalizers = [INGRESS_FINALIZER];
  return ing;
}

function virtualServices(ing: KubeObject): KubeObject[] {
  return makeVirtualServices(ing as ReturnType<typeof routeIngress>, parseIstioConfig({}));
}

const READY_LB = {
  publicLoadBalancer: {
    ingress: [{ domainInternal: "istio-ingressgateway.istio-system.svc.cluster.local" }],
  },
  privateLoadBalancer: {
    ingress: [{ domainInternal: "knative-local-gateway.istio-system.svc.cluster.local" }],
  },
};

function withStatus(ing: KubeObject, status: Record<string, unknown>): KubeObject {
  return { ...structuredClone(ing), status: { observedGeneration: 1, ...status } };
}

function withRv(o: KubeObject, rv: string): KubeObject {
  return { ...o, metadata: { ...o.metadata, resourceVersion: rv } };
}

const ready = [
  { type: "LoadBalancerReady", status: "True" },
  { type: "NetworkConfigured", status: "True" },
  { type: "Ready", status: "True" },
];

const created = (name: string) => `Normal Created Created VirtualService "${name}"`;

tableTest(plugin, [
  {
    name:
      "a new istio Ingress gets its finalizer, its VirtualServices and Ready with load balancers",
    key: "default/hello",
    objects: [ingress()],
    wantPatches: [{
      name: "hello",
      patch: { metadata: { finalizers: [INGRESS_FINALIZER], resourceVersion: "1" } },
    }],
    wantCreates: virtualServices(ingress()),
    wantStatusUpdates: [
      // resourceVersion 2: the finalizer patch came first.
      withRv(withStatus(ingress({ finalizer: true }), { conditions: ready, ...READY_LB }), "2"),
    ],
    wantEvents: [created("hello-mesh"), created("hello-ingress")],
  },
  {
    name: "the alias annotation ingress-class selects the provider too",
    key: "default/hello",
    objects: [ingress({ finalizer: true, alias: true })],
    wantCreates: virtualServices(ingress({ alias: true })),
    wantStatusUpdates: [
      withStatus(ingress({ finalizer: true, alias: true }), { conditions: ready, ...READY_LB }),
    ],
    wantEvents: [created("hello-mesh"), created("hello-ingress")],
  },
  {
    name: "without an annotation the config-network ingress-class decides",
    key: "default/hello",
    objects: [ingress({ finalizer: true, cls: null })],
    config: { "config-network": { defaultIngressClass: "wasm.example.dev" } },
    wantRequeueAfter: 30_000,
    wantStatusUpdates: [withStatus(ingress({ finalizer: true, cls: null }), {
      conditions: [
        { type: "LoadBalancerReady", status: "Unknown" },
        {
          type: "NetworkConfigured",
          status: "False",
          reason: "PluginFailed",
          message: "plugin wasm-example failed: trap: unreachable executed",
        },
        {
          type: "Ready",
          status: "False",
          reason: "PluginFailed",
          message: "plugin wasm-example failed: trap: unreachable executed",
        },
      ],
    })],
    wantEvents: ["Warning PluginFailed plugin wasm-example failed: trap: unreachable executed"],
  },
  {
    name: "an Ingress of a class nobody here serves is left untouched",
    key: "default/hello",
    objects: [ingress({ cls: "contour.ingress.networking.knative.dev" })],
  },
  {
    name: "up-to-date children: nothing to write",
    key: "default/hello",
    objects: [
      withStatus(ingress({ finalizer: true }), { conditions: ready, ...READY_LB }),
      ...virtualServices(ingress()),
    ],
  },
  {
    name: "a changed child is updated and one no longer rendered is deleted",
    key: "default/hello",
    objects: [
      withStatus(ingress({ finalizer: true }), { conditions: ready, ...READY_LB }),
      { ...virtualServices(ingress())[0], spec: { hosts: ["stale"] } },
      virtualServices(ingress())[1],
      {
        ...virtualServices(ingress())[1],
        metadata: { ...virtualServices(ingress())[1].metadata, name: "hello-old" },
      },
      {
        // Labelled like ours but owned by someone else: never deleted.
        ...VS,
        metadata: {
          name: "foreign",
          namespace: "default",
          labels: { "networking.internal.knative.dev/ingress": "hello" },
        },
        spec: {},
      },
    ],
    wantUpdates: [virtualServices(ingress())[0]],
    wantDeletes: [{ kind: "VirtualService", namespace: "default", name: "hello-old" }],
  },
  {
    name: "a child the informer cache still holds but the API lost is created again",
    key: "default/hello",
    objects: [
      withStatus(ingress({ finalizer: true }), { conditions: ready, ...READY_LB }),
      { ...virtualServices(ingress())[0], spec: { hosts: ["stale"] } },
      virtualServices(ingress())[1],
    ],
    reactors: [
      {
        verb: "update",
        resource: "virtualservices",
        fn: (a) => ({ error: notFound("virtualservices", a.name ?? "") }),
      },
      {
        verb: "create",
        resource: "virtualservices",
        fn: (a) => ({ object: a.object as KubeObject }),
      },
    ],
    wantUpdates: [virtualServices(ingress())[0]],
    wantCreates: [virtualServices(ingress())[0]],
    wantEvents: [],
  },
  {
    name: "a VirtualService of the same name owned by someone else → NotOwned",
    key: "default/hello",
    objects: [
      ingress({ finalizer: true }),
      { ...VS, metadata: { name: "hello-mesh", namespace: "default" }, spec: {} },
    ],
    wantStatusUpdates: [withStatus(ingress({ finalizer: true }), {
      conditions: [
        { type: "LoadBalancerReady", status: "Unknown" },
        {
          type: "NetworkConfigured",
          status: "False",
          reason: "NotOwned",
          message: 'There is an existing VirtualService "hello-mesh" that we do not own.',
        },
        {
          type: "Ready",
          status: "False",
          reason: "NotOwned",
          message: 'There is an existing VirtualService "hello-mesh" that we do not own.',
        },
      ],
    })],
  },
]);

Deno.test("ingress reconciler: an unknown class is logged once, not looped on", () => {
  const p = ingressControllerPlugin({ registry });
  const logger = new MemoryLogger();
  p.create({
    logger,
    config: {
      get: () => {
        throw new Error("none");
      },
    },
  } as unknown as ReconcilerDeps);
  const ing = ingress({ cls: "contour.ingress.networking.knative.dev" });
  assert.equal(p.filter!(ing), false);
  assert.equal(p.filter!(ing), false);
  assert.equal(p.filter!(ingress()), true);
  const lines = logger.records.filter((r) => r.msg.includes("no provider"));
  assert.equal(lines.length, 1);
  assert.equal(lines[0].class, "contour.ingress.networking.knative.dev");
});

Deno.test("ingress reconciler: owns the kinds of the registered providers", () => {
  assert.deepStrictEqual(plugin.owns, [VS, { apiVersion: "example.dev/v1", kind: "Route" }]);
});
