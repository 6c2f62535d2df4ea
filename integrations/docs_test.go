package integrations

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"reflect"
	"regexp"
	"testing"
	"time"

	"github.com/pacerhq/pacer/pacertype"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite the JSON examples in docs/events.md from the Go types")

const eventsDoc = "../docs/events.md"

// docExampleTime is the time of every example in docs/events.md.
var docExampleTime = time.Date(2025, 3, 4, 10, 11, 12, 0, time.UTC)

// sectionRE matches a type's heading and the first JSON block after it.
var sectionRE = regexp.MustCompile("(?s)### `([a-z.]+)`\n.*?```json\n(.*?)```")

// docExample returns the webhook body documented for t: what a receiver gets.
func docExample(t *testing.T, typ pacertype.EventType) []byte {
	t.Helper()
	data, err := Sample(typ, docExampleTime)
	if err != nil {
		t.Fatal(err)
	}
	body := struct {
		Type      pacertype.EventType `json:"type"`
		Timestamp time.Time           `json:"timestamp"`
		Data      Payload             `json:"data"`
	}{typ, docExampleTime, data}
	b, err := json.MarshalIndent(body, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// TestDocsMatchTypes checks that docs/events.md documents every event type
// with an example that is exactly what the Go types produce, and that the
// example decodes into the types with unknown fields disallowed. Run with
// -update-docs to regenerate the examples after changing a type.
func TestDocsMatchTypes(t *testing.T) {
	doc, err := os.ReadFile(eventsDoc)
	if err != nil {
		t.Fatal(err)
	}
	if *updateDocs {
		doc = sectionRE.ReplaceAllFunc(doc, func(m []byte) []byte {
			sub := sectionRE.FindSubmatchIndex(m)
			typ := pacertype.EventType(m[sub[2]:sub[3]])
			if !typ.Public() {
				return m
			}
			out := append([]byte{}, m[:sub[4]]...)
			out = append(out, docExample(t, typ)...)
			return append(out, "```"...)
		})
		if err := os.WriteFile(eventsDoc, doc, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	found := make(map[pacertype.EventType][]byte)
	for _, m := range sectionRE.FindAllSubmatch(doc, -1) {
		found[pacertype.EventType(m[1])] = m[2]
	}
	for _, typ := range pacertype.EventTypes() {
		t.Run(string(typ), func(t *testing.T) {
			got, ok := found[typ]
			if !ok {
				t.Fatalf("%s has no section with a JSON example in %s", typ, eventsDoc)
			}
			if want := docExample(t, typ); !bytes.Equal(got, want) {
				t.Errorf("example for %s in %s differs from the Go types (run go test -run TestDocsMatchTypes -update-docs):\n got %s\nwant %s", typ, eventsDoc, got, want)
			}
			var body struct {
				Type      pacertype.EventType `json:"type"`
				Timestamp time.Time           `json:"timestamp"`
				Data      json.RawMessage     `json:"data"`
			}
			dec := json.NewDecoder(bytes.NewReader(got))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&body); err != nil {
				t.Fatalf("example does not decode strictly: %v", err)
			}
			data, err := decodeData(body.Type, body.Data, true)
			if err != nil {
				t.Fatalf("example data does not decode strictly: %v", err)
			}
			want, _ := Sample(typ, docExampleTime)
			if !reflect.DeepEqual(data, want) {
				t.Errorf("example data = %#v, want %#v", data, want)
			}
		})
	}
}
