import type { Condition, KubeObject } from "../../../runtime/mod.ts";
import type { Configuration, Route, Service } from "../../../apis/mod.ts";
import { servicePlugin } from "../../../controllers/service/mod.ts";
import { makeConfiguration, makeRoute } from "../../../controllers/service/resources.ts";
import { failOnce, tableTest } from "../../table.ts";

const NS = "default";

function svc(
  opts: {
    gen?: number;
    annotations?: Record<string, string>;
    status?: Service["status"];
    traffic?: Service["spec"]["traffic"];
    image?: string;
  } = {},
): Service {
  return {
    apiVersion: "serving.knative.dev/v1",
    kind: "Service",
    metadata: {
      name: "hello",
      namespace: NS,
      uid: "svc-uid",
      generation: opts.gen ?? 1,
      ...(opts.annotations ? { annotations: opts.annotations } : {}),
    },
    spec: {
      template: { spec: { containers: [{ image: opts.image ?? "img" }] } },
      traffic: opts.traffic ?? [{ latestRevision: true, percent: 100 }],
    },
    ...(opts.status ? { status: opts.status } : {}),
  };
}

const cond = (
  type: string,
  status: Condition["status"],
  reason?: string,
  message?: string,
): Condition => {
  const c: Condition = { type, status };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
};

function config(
  over: { status?: Configuration["status"]; gen?: number; owned?: boolean; image?: string } = {},
): Configuration {
  const c = makeConfiguration(svc({ image: over.image }));
  c.metadata.generation = over.gen ?? 1;
  c.metadata.uid = "cfg-uid";
  if (over.owned === false) c.metadata.ownerReferences = [];
  if (over.status) c.status = over.status;
  return c;
}

function route(over: { status?: Route["status"]; gen?: number; owned?: boolean } = {}): Route {
  const r = makeRoute(svc());
  r.metadata.generation = over.gen ?? 1;
  r.metadata.uid = "route-uid";
  if (over.owned === false) r.metadata.ownerReferences = [];
  if (over.status) r.status = over.status;
  return r;
}

const readyConfig = () =>
  config({
    status: {
      observedGeneration: 1,
      latestCreatedRevisionName: "hello-00001",
      latestReadyRevisionName: "hello-00001",
      conditions: [cond("Ready", "True")],
    },
  });

const readyRouteStatus = (rev = "hello-00001"): Route["status"] => ({
  observedGeneration: 1,
  url: "http://hello.default.example.com",
  address: { url: "http://hello.default.svc.cluster.local" },
  traffic: [{ revisionName: rev, latestRevision: true, percent: 100 }],
  conditions: [cond("Ready", "True")],
});

const withStatus = (s: Service, status: Service["status"]): KubeObject => ({ ...s, status });

tableTest(servicePlugin, [
  {
    name: "first reconcile creates the Configuration and the Route",
    key: "default/hello",
    objects: [svc()],
    wantCreates: [makeConfiguration(svc()), makeRoute(svc())],
    wantEvents: [
      'Normal Created Created Configuration "hello"',
      'Normal Created Created Route "hello"',
    ],
    wantStatusUpdates: [withStatus(svc(), {
      observedGeneration: 1,
      conditions: [
        cond(
          "ConfigurationsReady",
          "Unknown",
          "OutOfDate",
          "The Configuration is still working to reflect the latest desired specification.",
        ),
        cond(
          "Ready",
          "Unknown",
          "OutOfDate",
          "The Route is still working to reflect the latest desired specification.",
        ),
        cond(
          "RoutesReady",
          "Unknown",
          "OutOfDate",
          "The Route is still working to reflect the latest desired specification.",
        ),
      ],
    })],
  },
  {
    name: "ready children make the Service Ready and copy url, address, traffic and revisions",
    key: "default/hello",
    objects: [svc(), readyConfig(), route({ status: readyRouteStatus() })],
    wantStatusUpdates: [withStatus(svc(), {
      observedGeneration: 1,
      latestCreatedRevisionName: "hello-00001",
      latestReadyRevisionName: "hello-00001",
      url: "http://hello.default.example.com",
      address: { url: "http://hello.default.svc.cluster.local" },
      traffic: [{ revisionName: "hello-00001", latestRevision: true, percent: 100 }],
      conditions: [
        cond("ConfigurationsReady", "True"),
        cond("Ready", "True"),
        cond("RoutesReady", "True"),
      ],
    })],
  },
  {
    name: "a failed Configuration fails the Service with its reason and message",
    key: "default/hello",
    objects: [
      svc(),
      config({
        status: {
          observedGeneration: 1,
          latestCreatedRevisionName: "hello-00001",
          conditions: [
            cond(
              "Ready",
              "False",
              "RevisionFailed",
              'Revision "hello-00001" failed with message: Unable to fetch image "img": x.',
            ),
          ],
        },
      }),
      route({ status: { observedGeneration: 1, conditions: [cond("Ready", "Unknown")] } }),
    ],
    wantStatusUpdates: [withStatus(svc(), {
      observedGeneration: 1,
      latestCreatedRevisionName: "hello-00001",
      conditions: [
        cond(
          "ConfigurationsReady",
          "False",
          "RevisionFailed",
          'Revision "hello-00001" failed with message: Unable to fetch image "img": x.',
        ),
        cond(
          "Ready",
          "False",
          "RevisionFailed",
          'Revision "hello-00001" failed with message: Unable to fetch image "img": x.',
        ),
        cond("RoutesReady", "Unknown"),
      ],
    })],
  },
  {
    name: "traffic not yet on the latest ready revision",
    key: "default/hello",
    objects: [
      svc(),
      config({
        status: {
          observedGeneration: 1,
          latestCreatedRevisionName: "hello-00002",
          latestReadyRevisionName: "hello-00002",
          conditions: [cond("Ready", "True")],
        },
      }),
      route({ status: readyRouteStatus("hello-00001") }),
    ],
    wantStatusUpdates: [withStatus(svc(), {
      observedGeneration: 1,
      latestCreatedRevisionName: "hello-00002",
      latestReadyRevisionName: "hello-00002",
      url: "http://hello.default.example.com",
      address: { url: "http://hello.default.svc.cluster.local" },
      traffic: [{ revisionName: "hello-00001", latestRevision: true, percent: 100 }],
      conditions: [
        cond("ConfigurationsReady", "True"),
        cond(
          "Ready",
          "Unknown",
          "TrafficNotMigrated",
          "Traffic is not yet migrated to the latest revision.",
        ),
        cond(
          "RoutesReady",
          "Unknown",
          "TrafficNotMigrated",
          "Traffic is not yet migrated to the latest revision.",
        ),
      ],
    })],
  },
  {
    name: "a template change updates the Configuration",
    key: "default/hello",
    objects: [svc({ gen: 2, image: "img2" }), readyConfig(), route({ status: readyRouteStatus() })],
    wantUpdates: [config({
      image: "img2",
      status: readyConfig().status,
    })],
    wantStatusUpdates: [withStatus(svc({ gen: 2, image: "img2" }), {
      observedGeneration: 2,
      url: "http://hello.default.example.com",
      address: { url: "http://hello.default.svc.cluster.local" },
      traffic: [{ revisionName: "hello-00001", latestRevision: true, percent: 100 }],
      conditions: [
        cond(
          "ConfigurationsReady",
          "Unknown",
          "OutOfDate",
          "The Configuration is still working to reflect the latest desired specification.",
        ),
        cond(
          "Ready",
          "Unknown",
          "OutOfDate",
          "The Configuration is still working to reflect the latest desired specification.",
        ),
        cond("RoutesReady", "True"),
      ],
    })],
  },
  {
    name: "a Configuration we do not own",
    key: "default/hello",
    objects: [svc(), config({ owned: false })],
    wantErr: true,
    wantEvents: ['Warning InternalError service: "hello" does not own configuration: "hello"'],
    wantStatusUpdates: [withStatus(svc(), {
      observedGeneration: 1,
      conditions: [
        cond(
          "ConfigurationsReady",
          "False",
          "NotOwned",
          'There is an existing Configuration "hello" that we do not own.',
        ),
        cond(
          "Ready",
          "False",
          "NotOwned",
          'There is an existing Configuration "hello" that we do not own.',
        ),
        cond("RoutesReady", "Unknown"),
      ],
    })],
  },
  {
    name: "a Route we do not own",
    key: "default/hello",
    objects: [svc(), readyConfig(), route({ owned: false })],
    wantErr: true,
    wantEvents: ['Warning InternalError service: "hello" does not own route: "hello"'],
    wantStatusUpdates: [withStatus(svc(), {
      observedGeneration: 1,
      latestCreatedRevisionName: "hello-00001",
      latestReadyRevisionName: "hello-00001",
      conditions: [
        cond("ConfigurationsReady", "True"),
        cond(
          "Ready",
          "False",
          "NotOwned",
          'There is an existing Route "hello" that we do not own.',
        ),
        cond(
          "RoutesReady",
          "False",
          "NotOwned",
          'There is an existing Route "hello" that we do not own.',
        ),
      ],
    })],
  },
  {
    name: "a v1alpha1 manual Service stops managing its children",
    key: "default/hello",
    objects: [svc({ annotations: { "serving.denative.dev/v1alpha1-mode": "manual" } })],
    wantStatusUpdates: [
      withStatus(svc({ annotations: { "serving.denative.dev/v1alpha1-mode": "manual" } }), {
        observedGeneration: 1,
        conditions: [
          cond(
            "ConfigurationsReady",
            "Unknown",
            "Manual",
            "Service is set to Manual, and is not managing underlying resources.",
          ),
          cond(
            "Ready",
            "Unknown",
            "Manual",
            "Service is set to Manual, and is not managing underlying resources.",
          ),
          cond(
            "RoutesReady",
            "Unknown",
            "Manual",
            "Service is set to Manual, and is not managing underlying resources.",
          ),
        ],
      }),
    ],
  },
  {
    name: "Configuration creation fails: error, retried",
    key: "default/hello",
    objects: [svc()],
    reactors: [failOnce("create", "configurations", new Error("boom"))],
    wantErr: true,
    wantCreates: [makeConfiguration(svc())],
    wantEvents: ["Warning InternalError boom"],
    wantStatusUpdates: [withStatus(svc(), {
      observedGeneration: 1,
      conditions: [
        cond("ConfigurationsReady", "Unknown"),
        cond(
          "Ready",
          "Unknown",
          "NewObservedGenFailure",
          "unsuccessfully observed a new generation",
        ),
        cond("RoutesReady", "Unknown"),
      ],
    })],
  },
  {
    name: "a BYO revision name taken by another Configuration's Revision",
    key: "default/hello",
    objects: [
      byoSvc(),
      {
        ...makeConfiguration(byoSvc()),
        metadata: { ...makeConfiguration(byoSvc()).metadata, uid: "cfg-uid" },
        status: { observedGeneration: 1, conditions: [cond("Ready", "Unknown")] },
      },
      {
        apiVersion: "serving.knative.dev/v1",
        kind: "Revision",
        metadata: {
          name: "hello-mine",
          namespace: NS,
          labels: { "serving.knative.dev/configurationGeneration": "1" },
          ownerReferences: [{
            apiVersion: "serving.knative.dev/v1",
            kind: "Configuration",
            name: "other",
            uid: "other-uid",
            controller: true,
          }],
        },
        spec: { containers: [{ image: "img" }] },
      },
    ],
    wantStatusUpdates: [withStatus(byoSvc(), {
      observedGeneration: 1,
      conditions: [
        cond("ConfigurationsReady", "Unknown"),
        cond("Ready", "False", "RevisionNameTaken", 'The revision name "hello-mine" is taken.'),
        cond(
          "RoutesReady",
          "False",
          "RevisionNameTaken",
          'The revision name "hello-mine" is taken.',
        ),
      ],
    })],
  },
]);

function byoSvc(): Service {
  const s = svc();
  s.spec.template.metadata = { name: "hello-mine" };
  return s;
}
