/**
 * Ingress and ServerlessService defaults and validation
 * (`networking/pkg/apis/networking/v1alpha1/*_{defaults,validation}.go`).
 * @module
 */
import { deepCopy } from "../../../runtime/mod.ts";
import {
  also,
  CURRENT_FIELD,
  errInvalidValue,
  errMissingField,
  FieldError,
  via,
} from "../../field_error.ts";
import { isDNS1123Label } from "../../k8s_names.ts";
import type { Ingress, IngressBackendSplit, ServerlessService } from "./types.ts";

/** Ingress.SetDefaults: visibility ExternalIP; a lone 0% split becomes 100%. */
export function setIngressDefaults(ing: Ingress): Ingress {
  const i = deepCopy(ing);
  for (const rule of i.spec?.rules ?? []) {
    if (!rule.visibility) rule.visibility = "ExternalIP";
    for (const p of rule.http?.paths ?? []) {
      if (p.splits?.length === 1 && !p.splits[0].percent) p.splits[0].percent = 100;
    }
  }
  return i;
}

function isEmpty(v: object | undefined): boolean {
  return !v || Object.values(v).every((x) => x === undefined);
}

function validateSplit(s: IngressBackendSplit): FieldError | undefined {
  if (isEmpty(s)) return errMissingField(CURRENT_FIELD);
  let errs: FieldError | undefined;
  const pct = s.percent ?? 0;
  if (pct < 0 || pct > 100) errs = errInvalidValue(pct, "percent");
  if (!s.serviceName) errs = also(errs, errMissingField("serviceName"));
  if (!s.serviceNamespace) errs = also(errs, errMissingField("serviceNamespace"));
  else if (isDNS1123Label(s.serviceNamespace).length) {
    errs = also(errs, errInvalidValue(s.serviceNamespace, "serviceNamespace"));
  }
  if (s.servicePort === undefined || s.servicePort === 0 || s.servicePort === "") {
    errs = also(errs, errMissingField("servicePort"));
  }
  return errs;
}

/** Ingress.Validate. */
export function validateIngress(ing: Ingress): FieldError | undefined {
  const spec = ing.spec;
  if (!spec || (!spec.rules?.length && !spec.tls?.length && !spec.httpOption)) {
    return errMissingField(CURRENT_FIELD).viaField("spec");
  }
  let errs: FieldError | undefined;
  if (!spec.rules?.length) errs = errMissingField("rules");
  spec.rules?.forEach((r, ri) => {
    let re: FieldError | undefined;
    if (!r.http) re = errMissingField("http");
    else if (!r.http.paths?.length) re = errMissingField("paths").viaField("http");
    else {
      r.http.paths.forEach((p, pi) => {
        let pe: FieldError | undefined;
        if (isEmpty(p)) pe = errMissingField(CURRENT_FIELD);
        else if (!p.splits) pe = errMissingField("splits");
        else {
          let total = 0;
          for (let si = 0; si < p.splits.length; si++) {
            const se = validateSplit(p.splits[si]);
            if (se) {
              pe = se.viaFieldIndex("splits", si);
              break;
            }
            total += p.splits[si].percent ?? 0;
          }
          if (!pe && (p.splits.length !== 1 || total !== 0) && total !== 100) {
            pe = new FieldError(`Traffic split percentage must total to 100, but was ${total}`, [
              "splits",
            ]);
          }
        }
        re = also(re, pe?.viaFieldIndex("paths", pi).viaField("http"));
      });
    }
    if (r.visibility && r.visibility !== "ExternalIP" && r.visibility !== "ClusterLocal") {
      re = also(re, errInvalidValue(r.visibility, "visibility"));
    }
    errs = also(errs, re?.viaFieldIndex("rules", ri));
  });
  spec.tls?.forEach((t, ti) => {
    let te: FieldError | undefined;
    if (isEmpty(t)) te = errMissingField(CURRENT_FIELD);
    else {
      if (!t.secretName) te = errMissingField("secretName");
      if (!t.secretNamespace) te = also(te, errMissingField("secretNamespace"));
    }
    errs = also(errs, te?.viaFieldIndex("tls", ti));
  });
  if (spec.httpOption && spec.httpOption !== "Enabled" && spec.httpOption !== "Redirected") {
    errs = also(errs, errInvalidValue(spec.httpOption, "httpOption"));
  }
  return via(errs, "spec");
}

/** ServerlessService.SetDefaults (none beyond the spec as written). */
export function setServerlessServiceDefaults(sks: ServerlessService): ServerlessService {
  return deepCopy(sks);
}

/** ServerlessService.Validate. */
export function validateServerlessService(sks: ServerlessService): FieldError | undefined {
  const s = sks.spec;
  if (!s) return errMissingField("spec");
  let errs: FieldError | undefined;
  if (s.mode !== undefined && s.mode !== "Serve" && s.mode !== "Proxy") {
    errs = errInvalidValue(s.mode, "mode");
  }
  const ref = s.objectRef ?? {};
  if (!ref.apiVersion) errs = also(errs, errMissingField("objectRef.apiVersion"));
  if (!ref.kind) errs = also(errs, errMissingField("objectRef.kind"));
  if (!ref.name) errs = also(errs, errMissingField("objectRef.name"));
  if (s.protocolType && s.protocolType !== "http1" && s.protocolType !== "h2c") {
    errs = also(errs, errInvalidValue(s.protocolType, "protocolType"));
  }
  if (s.numActivators !== undefined && s.numActivators < 0) {
    errs = also(errs, errInvalidValue(s.numActivators, "numActivators"));
  }
  return via(errs, "spec");
}
