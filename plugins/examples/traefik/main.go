// Command traefik is a denative ingress-provider plugin for Traefik: it renders
// a Knative Ingress as traefik.io/v1alpha1 IngressRoutes whose routes point at
// weighted TraefikServices (the traffic splits), plus a headers Middleware
// where the Ingress appends request headers.
//
// Build: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o build/traefik.wasm .
package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	denative "denative.dev/kit/go"
)

const apiVersion = "traefik.io/v1alpha1"

// Config is the plugin configuration (validated by the host against configSchema).
type Config struct {
	ExternalEntryPoints []string `json:"externalEntryPoints"`
	LocalEntryPoints    []string `json:"localEntryPoints"`
}

func init() {
	str := map[string]any{"type": "string"}
	denative.Register(denative.Manifest{
		Name:      "traefik",
		Version:   "0.1.0",
		ClassName: "traefik.ingress.networking.knative.dev",
		Provides: []denative.GVK{
			{APIVersion: apiVersion, Kind: "IngressRoute"},
			{APIVersion: apiVersion, Kind: "TraefikService"},
			{APIVersion: apiVersion, Kind: "Middleware"},
		},
		Limits:         denative.Limits{MemoryMaxPages: 512, TimeoutMs: 2000, MaxOutputBytes: 1 << 20},
		MinHostVersion: "0.1.0",
		ConfigSchema: map[string]any{
			"type": "object",
			"properties": map[string]any{
				"externalEntryPoints": map[string]any{"type": "array", "items": str},
				"localEntryPoints":    map[string]any{"type": "array", "items": str},
			},
			"additionalProperties": false,
		},
	}, render)
}

func main() {}

func port(raw json.RawMessage) any {
	if n, err := strconv.Atoi(string(raw)); err == nil {
		return n
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return 80
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func match(hosts []string, p denative.HTTPIngressPath) string {
	hs := make([]string, len(hosts))
	for i, h := range hosts {
		hs[i] = "Host(`" + h + "`)"
	}
	m := hs[0]
	if len(hs) > 1 {
		m = "(" + strings.Join(hs, " || ") + ")"
	}
	if p.Path != "" && p.Path != "/" {
		m += " && PathPrefix(`" + p.Path + "`)"
	}
	for _, k := range sortedKeys(p.Headers) {
		m += " && Header(`" + k + "`, `" + p.Headers[k].Exact + "`)"
	}
	return m
}

func render(req *denative.Request) (denative.Result, error) {
	cfg := Config{ExternalEntryPoints: []string{"web"}, LocalEntryPoints: []string{"web"}}
	if len(req.Config) > 0 {
		if err := json.Unmarshal(req.Config, &cfg); err != nil {
			return denative.Result{}, &denative.Error{Code: "BadConfig", Message: err.Error()}
		}
	}
	ing := req.Ingress
	ns := ing.Metadata.Namespace
	labels := map[string]string{"networking.internal.knative.dev/ingress": ing.Metadata.Name}
	for _, k := range []string{"serving.knative.dev/route", "serving.knative.dev/routeNamespace"} {
		if v, ok := ing.Metadata.Labels[k]; ok {
			labels[k] = v
		}
	}
	meta := func(name string) map[string]any {
		l := map[string]string{}
		for k, v := range labels {
			l[k] = v
		}
		return map[string]any{"name": name, "namespace": ns, "labels": l}
	}
	var objects []denative.Object
	var warnings []string
	routes := map[string][]any{} // visibility → routes
	for ri, rule := range ing.Spec.Rules {
		if rule.HTTP == nil || len(rule.Hosts) == 0 {
			continue
		}
		vis := rule.Visibility
		if vis == "" {
			vis = "ExternalIP"
		}
		for pi, p := range rule.HTTP.Paths {
			base := ing.Metadata.Name + "-" + strconv.Itoa(ri) + "-" + strconv.Itoa(pi)
			var weighted []any
			for _, s := range p.Splits {
				pct := s.Percent
				if pct == 0 && len(p.Splits) == 1 {
					pct = 100
				}
				if len(s.AppendHeaders) > 0 {
					warnings = append(warnings, fmt.Sprintf("%s: per-split appendHeaders for %s are not supported by Traefik weighted services", base, s.ServiceName))
				}
				weighted = append(weighted, map[string]any{
					"name": s.ServiceName, "namespace": s.ServiceNamespace,
					"port": port(s.ServicePort), "weight": pct,
				})
			}
			objects = append(objects, denative.Object{
				"apiVersion": apiVersion, "kind": "TraefikService", "metadata": meta(base),
				"spec": map[string]any{"weighted": map[string]any{"services": weighted}},
			})
			route := map[string]any{
				"kind": "Rule", "match": match(rule.Hosts, p),
				"services": []any{map[string]any{"name": base, "kind": "TraefikService"}},
			}
			headers := map[string]string{}
			for k, v := range p.AppendHeaders {
				headers[k] = v
			}
			if p.RewriteHost != "" {
				headers["Host"] = p.RewriteHost
			}
			if len(headers) > 0 {
				objects = append(objects, denative.Object{
					"apiVersion": apiVersion, "kind": "Middleware", "metadata": meta(base),
					"spec": map[string]any{"headers": map[string]any{"customRequestHeaders": headers}},
				})
				route["middlewares"] = []any{map[string]any{"name": base}}
			}
			routes[vis] = append(routes[vis], route)
		}
	}
	for _, vis := range []string{"ExternalIP", "ClusterLocal"} {
		if len(routes[vis]) == 0 {
			continue
		}
		name, eps := ing.Metadata.Name, cfg.ExternalEntryPoints
		if vis == "ClusterLocal" {
			name, eps = ing.Metadata.Name+"-local", cfg.LocalEntryPoints
		}
		spec := map[string]any{"entryPoints": eps, "routes": routes[vis]}
		if vis == "ExternalIP" {
			for _, t := range ing.Spec.TLS {
				if t.SecretNamespace != "" && t.SecretNamespace != ns {
					warnings = append(warnings, fmt.Sprintf("TLS secret %s/%s is in another namespace; skipped", t.SecretNamespace, t.SecretName))
					continue
				}
				spec["tls"] = map[string]any{"secretName": t.SecretName}
			}
		}
		objects = append(objects, denative.Object{
			"apiVersion": apiVersion, "kind": "IngressRoute", "metadata": meta(name), "spec": spec,
		})
	}
	return denative.Result{Objects: objects, Warnings: warnings}, nil
}
