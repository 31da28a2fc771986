package denative

import (
	"encoding/json"
	"errors"
	"strconv"
	"unicode/utf8"
)

// The kit reads requests with this small decoder instead of encoding/json's
// reflection, which is slow under wasm. It decodes straight into the typed
// request structs, skips unknown fields, and matches field names exactly
// (the host writes them exactly as documented).

type decoder struct {
	b   []byte
	i   int
	err error
}

func (d *decoder) fail(msg string) {
	if d.err == nil {
		d.err = errors.New(msg + " at offset " + strconv.Itoa(d.i))
	}
	d.i = len(d.b)
}

func (d *decoder) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// peek returns the next significant byte (0 at the end).
func (d *decoder) peek() byte {
	d.ws()
	if d.i < len(d.b) {
		return d.b[d.i]
	}
	return 0
}

func (d *decoder) expect(c byte) {
	if d.peek() != c {
		d.fail("expected " + string(c))
		return
	}
	d.i++
}

func (d *decoder) lit(word string) bool {
	if len(d.b)-d.i >= len(word) && string(d.b[d.i:d.i+len(word)]) == word {
		d.i += len(word)
		return true
	}
	d.fail("invalid literal")
	return false
}

// null consumes a null and reports whether there was one.
func (d *decoder) null() bool {
	if d.peek() == 'n' {
		return d.lit("null")
	}
	return false
}

// object calls member for each key; member must consume the value.
func (d *decoder) object(member func(key string)) {
	if d.null() {
		return
	}
	d.expect('{')
	if d.peek() == '}' {
		d.i++
		return
	}
	for d.err == nil {
		if d.peek() != '"' {
			d.fail("expected a key")
			return
		}
		key := d.str()
		d.expect(':')
		member(key)
		switch d.peek() {
		case ',':
			d.i++
		case '}':
			d.i++
			return
		default:
			d.fail("expected , or }")
		}
	}
}

// array calls item for each element; item must consume it.
func (d *decoder) array(item func()) {
	if d.null() {
		return
	}
	d.expect('[')
	if d.peek() == ']' {
		d.i++
		return
	}
	for d.err == nil {
		item()
		switch d.peek() {
		case ',':
			d.i++
		case ']':
			d.i++
			return
		default:
			d.fail("expected , or ]")
		}
	}
}

func (d *decoder) str() string {
	if d.null() {
		return ""
	}
	if d.peek() != '"' {
		d.fail("expected a string")
		return ""
	}
	start := d.i + 1
	ascii := true
	for j := start; j < len(d.b); j++ {
		c := d.b[j]
		switch {
		case c == '"':
			d.i = j + 1
			if ascii || utf8.Valid(d.b[start:j]) {
				return string(d.b[start:j])
			}
			return d.slowStr(start - 1)
		case c == '\\':
			return d.slowStr(start - 1)
		case c < 0x20:
			d.i = j
			d.fail("control character in string")
			return ""
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	d.fail("unterminated string")
	return ""
}

// slowStr decodes the string token at `from` (escapes, invalid UTF-8) with encoding/json.
func (d *decoder) slowStr(from int) string {
	end := from + 1
	for end < len(d.b) && d.b[end] != '"' {
		if d.b[end] == '\\' {
			end++
		}
		end++
	}
	if end >= len(d.b) {
		d.i = from
		d.fail("unterminated string")
		return ""
	}
	var s string
	if err := json.Unmarshal(d.b[from:end+1], &s); err != nil {
		d.i = from
		d.fail(err.Error())
		return ""
	}
	d.i = end + 1
	return s
}

func (d *decoder) boolean() bool {
	switch d.peek() {
	case 't':
		return d.lit("true")
	case 'f':
		d.lit("false")
	case 'n':
		d.lit("null")
	default:
		d.fail("expected a boolean")
	}
	return false
}

func (d *decoder) numberToken() []byte {
	d.ws()
	start := d.i
	for d.i < len(d.b) {
		c := d.b[d.i]
		if c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
			d.i++
		} else {
			break
		}
	}
	if start == d.i {
		d.fail("expected a number")
	}
	return d.b[start:d.i]
}

func (d *decoder) integer() int {
	if d.null() {
		return 0
	}
	tok := d.numberToken()
	n, err := strconv.Atoi(string(tok))
	if err != nil && d.err == nil {
		d.fail("expected an integer")
	}
	return n
}

// skip consumes any value.
func (d *decoder) skip() {
	switch d.peek() {
	case '{':
		d.object(func(string) { d.skip() })
	case '[':
		d.array(d.skip)
	case '"':
		d.str()
	case 't', 'f':
		d.boolean()
	case 'n':
		d.lit("null")
	default:
		d.numberToken()
	}
}

// raw returns a copy of the next value's text.
func (d *decoder) raw() json.RawMessage {
	d.ws()
	start := d.i
	d.skip()
	if d.err != nil {
		return nil
	}
	return append(json.RawMessage(nil), d.b[start:d.i]...)
}

// value decodes any value the way encoding/json does into an `any`.
func (d *decoder) value() any {
	switch d.peek() {
	case '{':
		m := map[string]any{}
		d.object(func(k string) { m[k] = d.value() })
		return m
	case '[':
		a := []any{}
		d.array(func() { a = append(a, d.value()) })
		return a
	case '"':
		return d.str()
	case 't', 'f':
		return d.boolean()
	case 'n':
		d.lit("null")
		return nil
	}
	tok := d.numberToken()
	f, err := strconv.ParseFloat(string(tok), 64)
	if err != nil {
		d.fail("bad number")
	}
	return f
}

func (d *decoder) strings() []string {
	if d.null() {
		return nil
	}
	out := []string{}
	d.array(func() { out = append(out, d.str()) })
	return out
}

func (d *decoder) stringMap() map[string]string {
	if d.null() {
		return nil
	}
	m := map[string]string{}
	d.object(func(k string) { m[k] = d.str() })
	return m
}

func (d *decoder) meta(m *ObjectMeta) {
	d.object(func(k string) {
		switch k {
		case "name":
			m.Name = d.str()
		case "namespace":
			m.Namespace = d.str()
		case "labels":
			m.Labels = d.stringMap()
		case "annotations":
			m.Annotations = d.stringMap()
		default:
			d.skip()
		}
	})
}

func (d *decoder) split(s *IngressBackendSplit) {
	d.object(func(k string) {
		switch k {
		case "serviceNamespace":
			s.ServiceNamespace = d.str()
		case "serviceName":
			s.ServiceName = d.str()
		case "servicePort":
			s.ServicePort = d.raw()
		case "percent":
			s.Percent = d.integer()
		case "appendHeaders":
			s.AppendHeaders = d.stringMap()
		default:
			d.skip()
		}
	})
}

func (d *decoder) path(p *HTTPIngressPath) {
	d.object(func(k string) {
		switch k {
		case "path":
			p.Path = d.str()
		case "rewriteHost":
			p.RewriteHost = d.str()
		case "headers":
			if d.null() {
				return
			}
			p.Headers = map[string]HeaderMatch{}
			d.object(func(name string) {
				var m HeaderMatch
				d.object(func(f string) {
					if f == "exact" {
						m.Exact = d.str()
					} else {
						d.skip()
					}
				})
				p.Headers[name] = m
			})
		case "appendHeaders":
			p.AppendHeaders = d.stringMap()
		case "splits":
			if d.peek() == '[' {
				p.Splits = []IngressBackendSplit{}
			}
			d.array(func() {
				p.Splits = append(p.Splits, IngressBackendSplit{})
				d.split(&p.Splits[len(p.Splits)-1])
			})
		default:
			d.skip()
		}
	})
}

func (d *decoder) rule(r *IngressRule) {
	d.object(func(k string) {
		switch k {
		case "hosts":
			r.Hosts = d.strings()
		case "visibility":
			r.Visibility = d.str()
		case "http":
			if d.null() {
				return
			}
			r.HTTP = &HTTPIngressRule{}
			d.object(func(f string) {
				if f != "paths" {
					d.skip()
					return
				}
				if d.peek() == '[' {
					r.HTTP.Paths = []HTTPIngressPath{}
				}
				d.array(func() {
					r.HTTP.Paths = append(r.HTTP.Paths, HTTPIngressPath{})
					d.path(&r.HTTP.Paths[len(r.HTTP.Paths)-1])
				})
			})
		default:
			d.skip()
		}
	})
}

func (d *decoder) ingress(ing *Ingress) {
	d.object(func(k string) {
		switch k {
		case "apiVersion":
			ing.APIVersion = d.str()
		case "kind":
			ing.Kind = d.str()
		case "metadata":
			d.meta(&ing.Metadata)
		case "spec":
			d.object(func(f string) {
				switch f {
				case "tls":
					if d.peek() == '[' {
						ing.Spec.TLS = []IngressTLS{}
					}
					d.array(func() {
						var t IngressTLS
						d.object(func(g string) {
							switch g {
							case "hosts":
								t.Hosts = d.strings()
							case "secretName":
								t.SecretName = d.str()
							case "secretNamespace":
								t.SecretNamespace = d.str()
							default:
								d.skip()
							}
						})
						ing.Spec.TLS = append(ing.Spec.TLS, t)
					})
				case "rules":
					if d.peek() == '[' {
						ing.Spec.Rules = []IngressRule{}
					}
					d.array(func() {
						ing.Spec.Rules = append(ing.Spec.Rules, IngressRule{})
						d.rule(&ing.Spec.Rules[len(ing.Spec.Rules)-1])
					})
				case "httpOption":
					ing.Spec.HTTPOption = d.str()
				default:
					d.skip()
				}
			})
		default:
			d.skip()
		}
	})
}

// DecodeRequest parses a TransformRequest envelope.
func DecodeRequest(b []byte, req *Request) error {
	d := &decoder{b: b}
	d.object(func(k string) {
		switch k {
		case "apiVersion":
			req.APIVersion = d.str()
		case "kind":
			req.Kind = d.str()
		case "operation":
			req.Operation = d.str()
		case "ingress":
			d.ingress(&req.Ingress)
		case "config":
			req.Config = d.raw()
		case "network":
			req.Network = d.raw()
		case "observed":
			if d.peek() == '[' {
				req.Observed = []Object{}
			}
			d.array(func() {
				o, _ := d.value().(map[string]any)
				req.Observed = append(req.Observed, o)
			})
		default:
			d.skip()
		}
	})
	if d.err == nil && d.peek() != 0 {
		d.fail("trailing characters")
	}
	return d.err
}
