package denative

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
)

// The kit's encoder must write exactly what encoding/json writes.
func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	values := []any{
		nil, true, false, 0, -12, int64(math.MaxInt64), uint64(math.MaxUint64), int32(-5), uint32(7),
		0.0, 1.5, -2.25, 1e21, 1e20, 1e-7, 0.000001, 123456789.125, float32(0.1), float32(1e-7),
		"", "plain", "é € 😀", "quote \" back \\ nl \n cr \r tab \t bs \b ff \f nul \x00 \x1f",
		"<b>&amp;</b>", "\u2028\u2029", "bad \xff utf8 \xe2\x82", json.RawMessage(`{"a":1}`),
		map[string]any{"b": 1, "a": []any{"x", 2.5, nil, map[string]string{"z": "1", "y": "2"}}},
		map[string]string{"k": "v", "": "empty"}, []string{"a", "b"}, []any{}, map[string]any{},
		[]map[string]any{{"a": 1}}, map[string]any(nil), []any(nil), []string(nil),
		struct {
			A int    `json:"a"`
			B string `json:"b,omitempty"`
		}{A: 1},
		map[string]any{"nested": map[string]any{"deep": []string{"<", ">"}}},
	}
	for _, v := range values {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := AppendJSON(nil, v)
		if err != nil {
			t.Fatalf("%#v: %v", v, err)
		}
		if string(got) != string(want) {
			t.Errorf("%#v:\n got %s\nwant %s", v, got, want)
		}
	}
	if _, err := AppendJSON(nil, math.NaN()); err == nil {
		t.Error("NaN must fail")
	}
}

func TestAppendResponseMatchesEncodingJSON(t *testing.T) {
	for _, r := range []Response{
		{APIVersion: EnvelopeAPIVersion, Kind: "TransformResponse"},
		{APIVersion: EnvelopeAPIVersion, Kind: "TransformResponse", Objects: []Object{{"a": 1}},
			Warnings: []string{"w <1>"}, Status: map[string]any{"ready": true}},
		{APIVersion: EnvelopeAPIVersion, Kind: "TransformResponse", Error: &Error{Code: "C", Message: "m \"x\""}},
	} {
		want, _ := json.Marshal(r)
		got, err := appendResponse(nil, &r)
		if err != nil || string(got) != string(want) {
			t.Errorf("got %s (%v)\nwant %s", got, err, want)
		}
	}
}

const request = `{"apiVersion":"ingress.denative.dev/v1alpha1","kind":"TransformRequest","operation":"render",
 "unknown":{"deep":[1,2.5e3,-0.5,true,false,null,"s\"",{}]},
 "ingress":{"apiVersion":"networking.internal.knative.dev/v1alpha1","kind":"Ingress",
  "metadata":{"name":"hello","namespace":"default","labels":{"a":"b"},"annotations":{"x":"y\u00e9\ud83d\ude00\ud800"},"uid":"u"},
  "spec":{"tls":[{"hosts":["h"],"secretName":"s","secretNamespace":"default","extra":1}],
   "rules":[{"hosts":["a.example.com","b"],"visibility":"ClusterLocal","http":{"paths":[
    {"path":"/p","rewriteHost":"rw","headers":{"K":{"exact":"v","other":2}},"appendHeaders":{"h":"é \\ \n"},
     "splits":[{"serviceNamespace":"default","serviceName":"s1","servicePort":80,"percent":70,"appendHeaders":{"r":"1"}},
               {"serviceNamespace":"default","serviceName":"s2","servicePort":"http","percent":30}]}]}},
    {"hosts":[],"http":null}],
   "httpOption":"Redirected","future":[{"a":[]}]}},
 "config":{"externalEntryPoints":["websecure"]},"network":{},
 "observed":[{"apiVersion":"v1","kind":"X","metadata":{"name":"o"},"n":[1,2]}]}`

// The kit's decoder must fill the request as encoding/json does.
func TestDecodeRequestMatchesEncodingJSON(t *testing.T) {
	var want, got Request
	if err := json.Unmarshal([]byte(request), &want); err != nil {
		t.Fatal(err)
	}
	if err := DecodeRequest([]byte(request), &got); err != nil {
		t.Fatal(err)
	}
	// RawMessage keeps the original spelling in both; compare decoded.
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestDecodeRequestRefusesBadJSON(t *testing.T) {
	for _, bad := range []string{``, `{`, `{"operation":}`, `{"operation":"x"} x`, `[1]`, `{"a":tru}`,
		`{"operation":"a` + "\x01" + `"}`, `{"ingress":{"spec":{"rules":[{"http":{"paths":[{"splits":[{"percent":1.5}]}]}}]}}}`} {
		var r Request
		if err := DecodeRequest([]byte(bad), &r); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
