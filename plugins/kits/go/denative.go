// Package denative is the Go authoring kit for denative ingress-provider
// plugins (ABI denative-json/1). It hides the wasm exports, the memory
// protocol and the JSON envelopes: a plugin calls Register from an init
// function with its manifest and a render function.
//
// Build with:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o plugin.wasm .
package denative

import (
	"encoding/json"
	"fmt"
	"os"
	"unsafe"
)

// EnvelopeAPIVersion is the request/response envelope version.
const EnvelopeAPIVersion = "ingress.denative.dev/v1alpha1"

// GVK names a kind the plugin may produce.
type GVK struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
}

// ABI names the binary ABI the plugin implements.
type ABI struct {
	Name  string `json:"name"`
	Major int    `json:"major"`
	Minor int    `json:"minor"`
}

// Limits the plugin asks for (the host clamps them).
type Limits struct {
	MemoryMaxPages int `json:"memoryMaxPages,omitempty"`
	TimeoutMs      int `json:"timeoutMs,omitempty"`
	MaxOutputBytes int `json:"maxOutputBytes,omitempty"`
}

// Manifest is the plugin manifest (plugins.denative.dev/v1alpha1 PluginManifest).
// APIVersion, Kind, Type and ABI are filled in by Register when empty.
type Manifest struct {
	APIVersion     string         `json:"apiVersion"`
	Kind           string         `json:"kind"`
	Name           string         `json:"name"`
	Version        string         `json:"version"`
	Type           string         `json:"type"`
	ClassName      string         `json:"className"`
	ABI            ABI            `json:"abi"`
	Provides       []GVK          `json:"provides"`
	Operations     []string       `json:"operations"`
	Limits         Limits         `json:"limits"`
	MinHostVersion string         `json:"minHostVersion"`
	ConfigSchema   map[string]any `json:"configSchema,omitempty"`
}

// Object is a rendered Kubernetes object.
type Object = map[string]any

// ObjectMeta is the subset of metadata a plugin reads.
type ObjectMeta struct {
	Name        string            `json:"name"`
	Namespace   string            `json:"namespace"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// Ingress is a networking.internal.knative.dev/v1alpha1 Ingress.
type Ingress struct {
	APIVersion string      `json:"apiVersion"`
	Kind       string      `json:"kind"`
	Metadata   ObjectMeta  `json:"metadata"`
	Spec       IngressSpec `json:"spec"`
}

// IngressSpec is the Ingress spec.
type IngressSpec struct {
	TLS        []IngressTLS  `json:"tls,omitempty"`
	Rules      []IngressRule `json:"rules,omitempty"`
	HTTPOption string        `json:"httpOption,omitempty"`
}

// IngressTLS is one TLS entry.
type IngressTLS struct {
	Hosts           []string `json:"hosts,omitempty"`
	SecretName      string   `json:"secretName,omitempty"`
	SecretNamespace string   `json:"secretNamespace,omitempty"`
}

// IngressRule is one rule.
type IngressRule struct {
	Hosts      []string         `json:"hosts,omitempty"`
	Visibility string           `json:"visibility,omitempty"`
	HTTP       *HTTPIngressRule `json:"http,omitempty"`
}

// HTTPIngressRule holds the paths of a rule.
type HTTPIngressRule struct {
	Paths []HTTPIngressPath `json:"paths"`
}

// HeaderMatch matches a header value exactly.
type HeaderMatch struct {
	Exact string `json:"exact"`
}

// HTTPIngressPath is one path with its weighted splits.
type HTTPIngressPath struct {
	Path          string                 `json:"path,omitempty"`
	RewriteHost   string                 `json:"rewriteHost,omitempty"`
	Headers       map[string]HeaderMatch `json:"headers,omitempty"`
	AppendHeaders map[string]string      `json:"appendHeaders,omitempty"`
	Splits        []IngressBackendSplit  `json:"splits"`
}

// IngressBackendSplit is one weighted backend.
type IngressBackendSplit struct {
	ServiceNamespace string            `json:"serviceNamespace"`
	ServiceName      string            `json:"serviceName"`
	ServicePort      json.RawMessage   `json:"servicePort"`
	Percent          int               `json:"percent,omitempty"`
	AppendHeaders    map[string]string `json:"appendHeaders,omitempty"`
}

// Request is the TransformRequest envelope.
type Request struct {
	APIVersion string          `json:"apiVersion"`
	Kind       string          `json:"kind"`
	Operation  string          `json:"operation"`
	Ingress    Ingress         `json:"ingress"`
	Config     json.RawMessage `json:"config"`
	Network    json.RawMessage `json:"network"`
	Observed   []Object        `json:"observed,omitempty"`
}

// Error is a domain error; return it from Render to answer with an error envelope.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Response is the TransformResponse envelope.
type Response struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Objects    []Object `json:"objects,omitempty"`
	Status     any      `json:"status,omitempty"`
	Warnings   []string `json:"warnings,omitempty"`
	Error      *Error   `json:"error"`
}

// Result is what a render returns: objects and optional warnings.
type Result struct {
	Objects  []Object
	Warnings []string
}

// RenderFunc renders an Ingress.
type RenderFunc func(req *Request) (Result, error)

var (
	manifest []byte
	render   RenderFunc
	pinned   = map[uint32][]byte{}
)

// Register installs the plugin. Call it from an init function.
func Register(m Manifest, fn RenderFunc) {
	if m.APIVersion == "" {
		m.APIVersion = "plugins.denative.dev/v1alpha1"
	}
	if m.Kind == "" {
		m.Kind = "PluginManifest"
	}
	if m.Type == "" {
		m.Type = "ingress-provider"
	}
	if m.ABI.Name == "" {
		m.ABI = ABI{Name: "denative-json", Major: 1, Minor: 0}
	}
	if len(m.Operations) == 0 {
		m.Operations = []string{"render"}
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	manifest = b
	render = fn
}

// Log writes a line to the host log (stderr).
func Log(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}

func ptrOf(b []byte) uint32 {
	if len(b) == 0 {
		return 0
	}
	return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
}

// keep pins a buffer until the host frees it and returns the packed ptr/len.
func keep(b []byte) uint64 {
	if len(b) == 0 {
		b = []byte("{}")
	}
	p := ptrOf(b)
	pinned[p] = b
	return uint64(p)<<32 | uint64(len(b))
}

//go:wasmexport denative_abi_v1
func abiV1() {}

//go:wasmexport denative_alloc
func alloc(n uint32) uint32 {
	if n == 0 {
		n = 1
	}
	b := make([]byte, n)
	p := ptrOf(b)
	pinned[p] = b
	return p
}

//go:wasmexport denative_free
func free(p, _ uint32) {
	delete(pinned, p)
}

//go:wasmexport denative_describe
func describe() uint64 {
	out := make([]byte, len(manifest))
	copy(out, manifest)
	return keep(out)
}

//go:wasmexport denative_transform
func transform(p, n uint32) uint64 {
	in := pinned[p]
	if uint32(len(in)) < n {
		return respond(Response{Error: &Error{Code: "BadRequest", Message: "unknown input buffer"}})
	}
	var req Request
	if err := DecodeRequest(in[:n], &req); err != nil {
		return respond(Response{Error: &Error{Code: "BadRequest", Message: err.Error()}})
	}
	if req.Operation != "render" {
		return respond(Response{Error: &Error{Code: "Unsupported", Message: "operation " + req.Operation}})
	}
	res, err := render(&req)
	if err != nil {
		e, ok := err.(*Error)
		if !ok {
			e = &Error{Code: "RenderFailed", Message: err.Error()}
		}
		return respond(Response{Error: e})
	}
	if res.Objects == nil {
		res.Objects = []Object{}
	}
	return respond(Response{Objects: res.Objects, Warnings: res.Warnings})
}

func respond(r Response) uint64 {
	r.APIVersion = EnvelopeAPIVersion
	r.Kind = "TransformResponse"
	b, err := appendResponse(make([]byte, 0, 16<<10), &r)
	if err != nil {
		b, _ = appendResponse(nil, &Response{APIVersion: EnvelopeAPIVersion, Kind: "TransformResponse",
			Error: &Error{Code: "EncodeFailed", Message: err.Error()}})
	}
	return keep(b)
}

// appendResponse writes r as encoding/json would (field order, omitempty).
func appendResponse(b []byte, r *Response) ([]byte, error) {
	var err error
	b = append(b, `{"apiVersion":`...)
	b = appendString(b, r.APIVersion)
	b = append(b, `,"kind":`...)
	b = appendString(b, r.Kind)
	if len(r.Objects) > 0 {
		b = append(b, `,"objects":[`...)
		for i, o := range r.Objects {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = AppendJSON(b, o); err != nil {
				return b, err
			}
		}
		b = append(b, ']')
	}
	if r.Status != nil {
		b = append(b, `,"status":`...)
		if b, err = AppendJSON(b, r.Status); err != nil {
			return b, err
		}
	}
	if len(r.Warnings) > 0 {
		b = append(b, `,"warnings":`...)
		b, _ = AppendJSON(b, r.Warnings)
	}
	b = append(b, `,"error":`...)
	if r.Error == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, `{"code":`...)
		b = appendString(b, r.Error.Code)
		b = append(b, `,"message":`...)
		b = appendString(b, r.Error.Message)
		b = append(b, '}')
	}
	return append(b, '}'), nil
}
