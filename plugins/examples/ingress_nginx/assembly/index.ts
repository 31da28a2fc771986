// ingress-nginx provider plugin for denative, in AssemblyScript.
//
// Renders a Knative Ingress as networking.k8s.io/v1 Ingress objects for
// ingress-nginx: one Ingress per rule and path pointing at the largest split,
// and for a weighted split a second "canary" Ingress with the annotations
// nginx.ingress.kubernetes.io/canary and canary-weight.
import {
  JSONValue,
  register,
  Request,
  Response,
} from "../../../kits/assemblyscript/assembly/index";
export {
  denative_abi_v1,
  denative_alloc,
  denative_describe,
  denative_free,
  denative_transform,
} from "../../../kits/assemblyscript/assembly/index";

const NGINX = "nginx.ingress.kubernetes.io/";

const MANIFEST = `{
  "apiVersion": "plugins.denative.dev/v1alpha1",
  "kind": "PluginManifest",
  "name": "ingress-nginx",
  "version": "0.1.0",
  "type": "ingress-provider",
  "className": "nginx.ingress.networking.knative.dev",
  "abi": {"name": "denative-json", "major": 1, "minor": 0},
  "provides": [{"apiVersion": "networking.k8s.io/v1", "kind": "Ingress"}],
  "operations": ["render"],
  "limits": {"memoryMaxPages": 64, "timeoutMs": 1000, "maxOutputBytes": 1048576},
  "minHostVersion": "0.1.0",
  "configSchema": {
    "type": "object",
    "properties": {
      "ingressClassName": {"type": "string"},
      "localIngressClassName": {"type": "string"},
      "allowSnippets": {"type": "boolean"}
    },
    "additionalProperties": false
  }
}`;

class Split {
  constructor(
    public name: string,
    public port: JSONValue,
    public percent: f64,
    public headers: JSONValue,
  ) {}
}

function strMap(v: JSONValue): JSONValue {
  const out = JSONValue.obj();
  for (let i = 0; i < v.keys.length; i++) out.setStr(v.keys[i], v.items[i].asString());
  return out;
}

function backend(s: Split): JSONValue {
  const port = JSONValue.obj();
  if (s.port.kind == 3) port.setStr("name", s.port.s);
  else port.setNum("number", s.port.asNumber(80));
  return JSONValue.obj().set(
    "service",
    JSONValue.obj().setStr("name", s.name).set("port", port),
  );
}

function snippet(pathHeaders: JSONValue, split: Split): string {
  let out = "";
  const all = JSONValue.obj();
  for (let i = 0; i < pathHeaders.keys.length; i++) {
    all.set(pathHeaders.keys[i], pathHeaders.items[i]);
  }
  for (let i = 0; i < split.headers.keys.length; i++) {
    all.set(split.headers.keys[i], split.headers.items[i]);
  }
  for (let i = 0; i < all.keys.length; i++) {
    out += "proxy_set_header " + all.keys[i] + ' "' + all.items[i].asString() + '";\n';
  }
  return out;
}

function makeIngress(
  name: string,
  ns: string,
  labels: JSONValue,
  annotations: JSONValue,
  className: string,
  hosts: JSONValue,
  path: string,
  split: Split,
  tls: JSONValue,
): JSONValue {
  const rules = JSONValue.arr();
  for (let h = 0; h < hosts.length; h++) {
    const p = JSONValue.obj()
      .setStr("path", path)
      .setStr("pathType", "Prefix")
      .set("backend", backend(split));
    rules.push(
      JSONValue.obj()
        .setStr("host", hosts.at(h).asString())
        .set("http", JSONValue.obj().set("paths", JSONValue.arr().push(p))),
    );
  }
  const spec = JSONValue.obj().setStr("ingressClassName", className).set("rules", rules);
  if (tls.length > 0) spec.set("tls", tls);
  const meta = JSONValue.obj().setStr("name", name).setStr("namespace", ns).set("labels", labels);
  if (annotations.length > 0) meta.set("annotations", annotations);
  return JSONValue.obj()
    .setStr("apiVersion", "networking.k8s.io/v1")
    .setStr("kind", "Ingress")
    .set("metadata", meta)
    .set("spec", spec);
}

function render(req: Request): Response {
  const res = new Response();
  const ing = req.ingress;
  const meta = ing.get("metadata");
  const name = meta.get("name").asString();
  const ns = meta.get("namespace").asString();
  const spec = ing.get("spec");
  const cfg = req.config;
  const className = cfg.get("ingressClassName").asString("nginx");
  const localClass = cfg.get("localIngressClassName").asString("");
  const snippets = cfg.get("allowSnippets").kind == 1 && cfg.get("allowSnippets").b;

  const labels = JSONValue.obj().setStr("networking.internal.knative.dev/ingress", name);
  const inLabels = meta.get("labels");
  const copied = ["serving.knative.dev/route", "serving.knative.dev/routeNamespace"];
  for (let i = 0; i < copied.length; i++) {
    if (inLabels.has(copied[i])) labels.setStr(copied[i], inLabels.get(copied[i]).asString());
  }

  const tls = JSONValue.arr();
  const tlsIn = spec.get("tls");
  for (let i = 0; i < tlsIn.length; i++) {
    const t = tlsIn.at(i);
    const sns = t.get("secretNamespace").asString(ns);
    if (sns != ns && sns != "") {
      res.warn(
        "TLS secret " + sns + "/" + t.get("secretName").asString() +
          " is in another namespace; skipped",
      );
      continue;
    }
    tls.push(JSONValue.obj().set("hosts", t.get("hosts")).set("secretName", t.get("secretName")));
  }
  const redirect = spec.get("httpOption").asString("Enabled") == "Redirected";

  const rules = spec.get("rules");
  for (let r = 0; r < rules.length; r++) {
    const rule = rules.at(r);
    const local = rule.get("visibility").asString("ExternalIP") == "ClusterLocal";
    if (local && localClass.length == 0) {
      res.warn(
        "rule " + r.toString() +
          " is ClusterLocal and no localIngressClassName is configured; skipped",
      );
      continue;
    }
    const cls = local ? localClass : className;
    const hosts = rule.get("hosts");
    const paths = rule.get("http").get("paths");
    for (let p = 0; p < paths.length; p++) {
      const path = paths.at(p);
      if (path.get("headers").length > 0) {
        res.warn(
          "rule " + r.toString() + " path " + p.toString() +
            " matches headers, which ingress-nginx cannot express; skipped",
        );
        continue;
      }
      const splitsIn = path.get("splits");
      const splits: Array<Split> = [];
      for (let s = 0; s < splitsIn.length; s++) {
        const sp = splitsIn.at(s);
        let pct = sp.get("percent").asNumber(0);
        if (splitsIn.length == 1 && pct == 0) pct = 100;
        const sns = sp.get("serviceNamespace").asString(ns);
        if (sns != ns) {
          return Response.error(
            "CrossNamespace",
            "split to " + sns + "/" + sp.get("serviceName").asString() +
              ": ingress-nginx backends must be in the Ingress's namespace",
          );
        }
        if (pct > 0) {
          splits.push(
            new Split(
              sp.get("serviceName").asString(),
              sp.get("servicePort"),
              pct,
              sp.get("appendHeaders"),
            ),
          );
        }
      }
      if (splits.length == 0) continue;
      if (splits.length > 2) {
        return Response.error(
          "UnsupportedSplit",
          "ingress-nginx supports at most two weighted backends per path, got " +
            splits.length.toString(),
        );
      }
      if (splits.length == 2 && splits[1].percent > splits[0].percent) {
        const t = splits[0];
        splits[0] = splits[1];
        splits[1] = t;
      }
      const prefix = path.get("path").asString("/");
      const base = name + "-" + r.toString() + "-" + p.toString();
      const rewrite = path.get("rewriteHost").asString("");
      const pathHeaders = path.get("appendHeaders");
      for (let s = 0; s < splits.length; s++) {
        const ann = JSONValue.obj();
        if (!local && tls.length > 0) {
          ann.setStr(NGINX + "ssl-redirect", redirect ? "true" : "false");
        }
        if (rewrite.length > 0) ann.setStr(NGINX + "upstream-vhost", rewrite);
        const sn = snippet(pathHeaders, splits[s]);
        if (sn.length > 0) {
          if (snippets) ann.setStr(NGINX + "configuration-snippet", sn);
          else if (s == 0) res.warn(base + ": appendHeaders need allowSnippets; not applied");
        }
        if (s == 1) {
          ann.setStr(NGINX + "canary", "true");
          ann.setStr(NGINX + "canary-weight", (<i64> splits[1].percent).toString());
          ann.setStr(NGINX + "canary-weight-total", "100");
        }
        res.add(
          makeIngress(
            s == 0 ? base : base + "-canary",
            ns,
            strMap(labels),
            ann,
            cls,
            hosts,
            prefix,
            splits[s],
            local ? JSONValue.arr() : tls,
          ),
        );
      }
    }
  }
  return res;
}

register(MANIFEST, render);
