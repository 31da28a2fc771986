import type { Condition, KubeObject } from "../../../runtime/mod.ts";
import type { Ingress, Route } from "../../../apis/mod.ts";
import { parseDomainConfig, parseFeaturesConfig, parseNetworkConfig } from "../../../apis/mod.ts";
import { failOnce, tableTest } from "../../table.ts";
import { alreadyExists } from "../../../runtime/mod.ts";
import { routePlugin } from "../../../controllers/route/mod.ts";
import { buildTrafficConfiguration } from "../../../controllers/route/traffic.ts";
import {
  makeIngress,
  makePlaceholderService,
  resolveVisibility,
} from "../../../controllers/route/resources.ts";
import { buildRollout, type Rollout } from "../../../controllers/route/rollout.ts";
import { configuration, lookup, revision, route, routeConfig } from "./fixtures.ts";

const CFG = routeConfig();
const config = {
  "config-network": parseNetworkConfig({}),
  "config-domain": parseDomainConfig({ "example.com": "" }),
  "config-features": parseFeaturesConfig({}),
};

const cond = (type: string, status: Condition["status"], reason?: string, message?: string) => ({
  type,
  status,
  ...(reason ? { reason } : {}),
  ...(message ? { message } : {}),
});
const TLS_OFF = cond(
  "CertificateProvisioned",
  "True",
  "TLSNotEnabled",
  "external-domain-tls is not enabled",
);
const NOT_CONFIGURED = ["IngressNotConfigured", "Ingress has not yet been reconciled."] as const;

const cfg = configuration("cfg", "cfg-00001");
const rev1 = revision("cfg-00001");
const rev2 = revision("cfg-00002");
const latest = [{ configurationName: "cfg", latestRevision: true, percent: 100 }];

function withStatus(r: Route, status: Route["status"]): Route {
  return { ...structuredClone(r), status };
}

function ingressOf(r: Route, world: KubeObject[], rollout?: Rollout): Ingress {
  const { config: tc } = buildTrafficConfiguration(r, lookup(world as never[]));
  return makeIngress(
    CFG,
    r,
    tc,
    resolveVisibility(CFG, r, []),
    rollout ?? buildRollout(tc),
    "istio.ingress.networking.knative.dev",
  );
}

function ready(ing: Ingress, lb: Record<string, unknown>, generation = 1): Ingress {
  const o = structuredClone(ing);
  o.metadata.generation = generation;
  o.status = {
    observedGeneration: generation,
    conditions: [{ type: "Ready", status: "True" }],
    publicLoadBalancer: { ingress: [lb] },
    privateLoadBalancer: { ingress: [lb] },
  };
  return o;
}

const goodStatus = (_r: Route, extra: Condition[] = []) => ({
  observedGeneration: 1,
  url: "http://r.default.example.com",
  address: { url: "http://r.default.svc.cluster.local" },
  traffic: [{ revisionName: "cfg-00001", percent: 100, latestRevision: true }],
  conditions: [
    cond("AllTrafficAssigned", "True"),
    TLS_OFF,
    ...extra,
  ].sort((a, b) => (a.type < b.type ? -1 : 1)),
});

const r0 = route("r", latest);
const SAME_LB = { domainInternal: "r.default.example.com" };
const NOW = Date.parse("2026-01-01T00:00:00Z");
const ROLLING = [
  "RolloutInProgress",
  "A gradual rollout of the latest revision(s) is in progress.",
] as const;
const rr = route("r", latest, { annotations: { "serving.knative.dev/rollout-duration": "100s" } });
const placeholderRR = makePlaceholderService(CFG, rr, "");
const started: Rollout = {
  configurations: [{
    configurationName: "cfg",
    percent: 100,
    revisions: [
      { revisionName: "cfg-00001", percent: 99 },
      { revisionName: "cfg-00002", percent: 1 },
    ],
    stepParams: { starttime: NOW * 1e6 },
  }],
};
const placeholder = makePlaceholderService(CFG, r0, "");
const ing0 = ingressOf(r0, [cfg, rev1]);

tableTest(routePlugin(), [
  {
    name: "first reconcile creates the placeholder Service and the Ingress",
    key: "default/r",
    objects: [r0, cfg, rev1],
    config,
    wantCreates: [placeholder, ing0],
    wantStatusUpdates: [
      withStatus(
        r0,
        goodStatus(r0, [
          cond("IngressReady", "Unknown", ...NOT_CONFIGURED),
          cond("Ready", "Unknown", ...NOT_CONFIGURED),
        ]),
      ),
    ],
    wantEvents: [
      'Normal Created Created placeholder service "r"',
      'Normal Created Created Ingress "r"',
    ],
  },
  {
    name: "a stale cache (AlreadyExists) adopts the live placeholder instead of failing",
    key: "default/r",
    objects: [r0, cfg, rev1],
    config,
    reactors: [
      failOnce("create", "services", alreadyExists("services", "r")),
      { verb: "get", resource: "services", fn: () => ({ object: placeholder }) },
    ],
    wantCreates: [placeholder, ing0],
    wantStatusUpdates: [
      withStatus(
        r0,
        goodStatus(r0, [
          cond("IngressReady", "Unknown", ...NOT_CONFIGURED),
          cond("Ready", "Unknown", ...NOT_CONFIGURED),
        ]),
      ),
    ],
    wantEvents: ['Normal Created Created Ingress "r"'],
  },
  {
    name: "a missing configuration names it and creates nothing",
    key: "default/r",
    objects: [route("r", [{ configurationName: "nope", latestRevision: true, percent: 100 }])],
    config,
    wantStatusUpdates: [
      withStatus(route("r", [{ configurationName: "nope", latestRevision: true, percent: 100 }]), {
        observedGeneration: 1,
        url: "http://r.default.example.com",
        conditions: [
          cond(
            "AllTrafficAssigned",
            "False",
            "ConfigurationMissing",
            'Configuration "nope" referenced in traffic not found.',
          ),
          cond("CertificateProvisioned", "Unknown"),
          cond("IngressReady", "Unknown", ...NOT_CONFIGURED),
          cond(
            "Ready",
            "False",
            "ConfigurationMissing",
            'Configuration "nope" referenced in traffic not found.',
          ),
        ],
      }),
    ],
  },
  {
    name: "a missing revision names it",
    key: "default/r",
    objects: [route("r", [{ revisionName: "gone-00001", percent: 100 }])],
    config,
    wantStatusUpdates: [
      withStatus(route("r", [{ revisionName: "gone-00001", percent: 100 }]), {
        observedGeneration: 1,
        url: "http://r.default.example.com",
        conditions: [
          cond(
            "AllTrafficAssigned",
            "False",
            "RevisionMissing",
            'Revision "gone-00001" referenced in traffic not found.',
          ),
          cond("CertificateProvisioned", "Unknown"),
          cond("IngressReady", "Unknown", ...NOT_CONFIGURED),
          cond(
            "Ready",
            "False",
            "RevisionMissing",
            'Revision "gone-00001" referenced in traffic not found.',
          ),
        ],
      }),
    ],
  },
  {
    name: "a ready Ingress makes the Route Ready and rewrites the placeholder from the LB",
    key: "default/r",
    objects: [
      r0,
      cfg,
      rev1,
      { ...placeholder, metadata: { ...placeholder.metadata, uid: "svc" } },
      ready(ing0, { domainInternal: "gw.gateway.svc.cluster.local" }),
    ],
    config,
    wantUpdates: [{
      ...placeholder,
      metadata: { ...placeholder.metadata },
      spec: {
        type: "ExternalName",
        externalName: "gw.gateway.svc.cluster.local",
        sessionAffinity: "None",
        ports: [{ name: "http2", appProtocol: "kubernetes.io/h2c", port: 80, targetPort: 80 }],
      },
    }],
    wantStatusUpdates: [
      withStatus(r0, goodStatus(r0, [cond("IngressReady", "True"), cond("Ready", "True")])),
    ],
  },
  {
    name:
      "an IP load balancer turns the ExternalName placeholder headless in place, with Endpoints",
    key: "default/r",
    objects: [r0, cfg, rev1, placeholder, ready(ing0, { ip: "127.0.0.1" })],
    config,
    wantUpdates: [{
      ...placeholder,
      spec: {
        type: "ClusterIP",
        clusterIP: "None",
        ports: [{ name: "http2", appProtocol: "kubernetes.io/h2c", port: 80, targetPort: 80 }],
      },
    }],
    wantCreates: [
      {
        apiVersion: "v1",
        kind: "Endpoints",
        metadata: placeholder.metadata,
        subsets: [{
          addresses: [{ ip: "127.0.0.1" }],
          ports: [{ name: "http2", appProtocol: "kubernetes.io/h2c", port: 80 }],
        }],
      },
    ],
    wantStatusUpdates: [
      withStatus(r0, goodStatus(r0, [cond("IngressReady", "True"), cond("Ready", "True")])),
    ],
  },
  {
    name: "an Ingress not yet observed keeps IngressReady Unknown",
    key: "default/r",
    objects: [r0, cfg, rev1, placeholder, {
      ...ready(ing0, { domain: "x.y" }, 2),
      metadata: { ...ing0.metadata, generation: 2 },
      status: { observedGeneration: 1, conditions: [{ type: "Ready", status: "True" }] },
    }],
    config,
    wantStatusUpdates: [
      withStatus(
        r0,
        goodStatus(r0, [
          cond("IngressReady", "Unknown", ...NOT_CONFIGURED),
          cond("Ready", "Unknown", ...NOT_CONFIGURED),
        ]),
      ),
    ],
  },
  {
    name: "a new latest ready revision updates the Ingress splits",
    key: "default/r",
    objects: [r0, configuration("cfg", "cfg-00002"), rev1, rev2, placeholder, ready(ing0, SAME_LB)],
    config,
    wantUpdates: [ingressOf(r0, [configuration("cfg", "cfg-00002"), rev2])],
    wantStatusUpdates: [
      withStatus(r0, {
        ...goodStatus(r0, [
          cond("IngressReady", "Unknown", ...NOT_CONFIGURED),
          cond("Ready", "Unknown", ...NOT_CONFIGURED),
        ]),
        traffic: [{ revisionName: "cfg-00002", percent: 100, latestRevision: true }],
      }),
    ],
  },
  {
    name: "with rollout-duration a new revision starts at 1% and IngressReady is RolloutInProgress",
    key: "default/r",
    objects: [
      rr,
      configuration("cfg", "cfg-00002"),
      rev1,
      rev2,
      placeholderRR,
      ready(ingressOf(rr, [cfg, rev1]), SAME_LB),
    ],
    config,
    wantUpdates: [ingressOf(rr, [configuration("cfg", "cfg-00002"), rev2], started)],
    wantStatusUpdates: [withStatus(rr, {
      ...goodStatus(rr, [
        cond("IngressReady", "Unknown", ...ROLLING),
        cond("Ready", "Unknown", ...ROLLING),
      ]),
      traffic: [
        { revisionName: "cfg-00001", percent: 99, latestRevision: true },
        { revisionName: "cfg-00002", percent: 1, latestRevision: true },
      ],
    })],
  },
  {
    name: "once the Ingress is ready the rollout gets steps and the Route is requeued",
    key: "default/r",
    now: new Date(NOW + 2000),
    objects: [
      withStatus(rr, {
        observedGeneration: 1,
        conditions: [cond("IngressReady", "Unknown", ...ROLLING)],
      }),
      configuration("cfg", "cfg-00002"),
      rev1,
      rev2,
      placeholderRR,
      ready(ingressOf(rr, [configuration("cfg", "cfg-00002"), rev2], started), SAME_LB),
    ],
    config,
    wantRequeueAfter: 2000,
    wantUpdates: [ingressOf(rr, [configuration("cfg", "cfg-00002"), rev2], {
      configurations: [{
        ...started.configurations![0],
        stepParams: {
          starttime: NOW * 1e6,
          stepDuration: 2e9,
          stepSize: 2,
          nextStepTime: (NOW + 4000) * 1e6,
        },
      }],
    })],
    check: (client) => {
      const st = client.statusUpdates[0].object!.status as Route["status"];
      const ir = st!.conditions!.find((c) => c.type === "IngressReady")!;
      if (ir.reason !== "RolloutInProgress") throw new Error(`IngressReady ${ir.reason}`);
    },
    wantStatusUpdates: [withStatus(rr, {
      ...goodStatus(rr, [
        cond("IngressReady", "Unknown", ...ROLLING),
        cond("Ready", "Unknown", ...ROLLING),
      ]),
      traffic: [
        { revisionName: "cfg-00001", percent: 99, latestRevision: true },
        { revisionName: "cfg-00002", percent: 1, latestRevision: true },
      ],
    })],
  },
  {
    name: "a placeholder Service owned by someone else is a permanent NotOwned failure",
    key: "default/r",
    objects: [r0, cfg, rev1, {
      ...placeholder,
      metadata: { ...placeholder.metadata, ownerReferences: [] },
    }],
    config,
    wantErr: true,
    wantPermanent: true,
    wantStatusUpdates: [
      withStatus(r0, {
        ...goodStatus(r0, [
          cond(
            "IngressReady",
            "False",
            "NotOwned",
            'There is an existing placeholder Service "r" that we do not own.',
          ),
          cond(
            "Ready",
            "False",
            "NotOwned",
            'There is an existing placeholder Service "r" that we do not own.',
          ),
        ]),
        conditions: [
          cond("AllTrafficAssigned", "True"),
          cond("CertificateProvisioned", "Unknown"),
          cond(
            "IngressReady",
            "False",
            "NotOwned",
            'There is an existing placeholder Service "r" that we do not own.',
          ),
          cond(
            "Ready",
            "False",
            "NotOwned",
            'There is an existing placeholder Service "r" that we do not own.',
          ),
        ],
      }),
    ],
    wantEvents: [
      'Warning NotOwned There is an existing placeholder Service "r" that we do not own.',
    ],
  },
  {
    name: "placeholder Services of removed tags are deleted",
    key: "default/r",
    objects: [
      r0,
      cfg,
      rev1,
      placeholder,
      makePlaceholderService(
        CFG,
        route("r", [{ tag: "old", revisionName: "cfg-00001", percent: 100 }]),
        "old",
      ),
      ready(ing0, { domain: "x.y" }),
    ],
    config,
    wantDeletes: [{ kind: "Service", namespace: "default", name: "old-r" }],
    wantUpdates: [{
      ...placeholder,
      spec: {
        type: "ExternalName",
        externalName: "x.y",
        ports: [{ name: "http2", appProtocol: "kubernetes.io/h2c", port: 80, targetPort: 80 }],
      },
    }],
    wantStatusUpdates: [
      withStatus(r0, goodStatus(r0, [cond("IngressReady", "True"), cond("Ready", "True")])),
    ],
  },
]);
