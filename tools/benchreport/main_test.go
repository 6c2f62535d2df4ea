package main

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	in := `goos: linux
goarch: amd64
pkg: github.com/pacerhq/pacer/quota
cpu: AMD EPYC 7B13
BenchmarkReserve/sqlite/ledger=1000000-2         	       1	   1234567 ns/op	       812.0 us/reserve	    2048 B/op
PASS
ok  	github.com/pacerhq/pacer/quota	12.3s
pkg: github.com/pacerhq/pacer/tools
BenchmarkOther 	  100	  10 ns/op
`
	results, cpu, err := parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if cpu != "AMD EPYC 7B13" || len(results) != 2 {
		t.Fatalf("got cpu %q and %d results", cpu, len(results))
	}
	r := results[0]
	if r.pkg != "github.com/pacerhq/pacer/quota" || r.name != "BenchmarkReserve/sqlite/ledger=1000000" || len(r.metrics) != 3 || r.metrics[1] != (metric{"812.0", "us/reserve"}) {
		t.Errorf("got %+v", r)
	}
}

// TestRender: each figure is shown with its goal, what was measured and
// whether the goal is met; a missed goal says why; the document names no
// issue.
func TestRender(t *testing.T) {
	in := `pkg: github.com/pacerhq/pacer/campaign
BenchmarkImport/sqlite/rows=10000-2 	1	346386080 ns/op	4.453 peak-heap-MB	28935 rows/s
BenchmarkImport/sqlite/rows=100000-2 	1	4049158598 ns/op	9.930 peak-heap-MB	14700 rows/s
BenchmarkPropose/sqlite/contacted-here-2 	1	5077602 ns/op	5.816 first-proposal-ms
BenchmarkPropose/sqlite/contacted-elsewhere-unmaintained-2 	1	3994403 ns/op	1159 first-proposal-ms	53.00 p99-ms
pkg: github.com/pacerhq/pacer/quota
BenchmarkReserve/sqlite/ledger=10000-2 	1	73067227 ns/op	366.0 us/reserve
BenchmarkReserve/sqlite/ledger=1000000-2 	1	83720841 ns/op	419.6 us/reserve
pkg: github.com/pacerhq/pacer/integrations/hubspot
BenchmarkSync/accepted=10000+notes-2 	1	7334030 ns/op	200.0 calls/op
pkg: github.com/pacerhq/pacer/integrations/webhook
BenchmarkDeliver/parallel-2 	1	32207733 ns/op	15577 deliveries/s
`
	results, _, err := parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	render(&out, results, "test machine", time.Date(2026, 11, 27, 3, 32, 0, 0, time.UTC))
	doc := out.String()
	tests := []struct {
		name, want string
	}{
		{"machine and time", "from a run on 2026-11-27 03:32 UTC"},
		{"summary", "Summary: 6 goals met, 4 missed."},
		{"met", "| BenchmarkImport/sqlite/rows=10000 | ≥ 20,000 rows/s | 28,935 rows/s | met |"},
		{"missed without a known reason", "| BenchmarkImport/sqlite/rows=100000 | ≥ 20,000 rows/s | 14,700 rows/s | **missed**: no reason is known yet"},
		{"relative goal missed", "| 9.930 peak-heap-MB vs 4.453 peak-heap-MB: 2.23× | **missed**"},
		{"relative goal met", "| 419.6 us/reserve vs 366 us/reserve: 1.15× | met |"},
		{"ns/op shown as ms", "| 5.078 ms per proposal | met |"},
		{"missed with its reason", "| 200 calls/op | **missed**: each accepted connection also gets a note"},
		{"missed for want of a reason", "| 1,159 first-proposal-ms | **missed**: no reason is known yet"},
		{"a second goal of the same benchmark", "| every proposal, the first included, in < 200 ms at p99 | 53 p99-ms | met |"},
		{"the baseline of a relative goal", "| BenchmarkReserve/sqlite/ledger=10000 | none of its own: the baseline BenchmarkReserve/sqlite/ledger=1000000 is compared with | 366 us/reserve | — |"},
		{"no goal", "| BenchmarkDeliver/parallel | none set: reported | 15,577 deliveries/s | — |"},
		{"reproduce", "- `./scripts/test-env.sh go test -run '^$' -bench '^BenchmarkPropose$' -benchtime 1x ./campaign`"},
	}
	for _, tc := range tests {
		if !strings.Contains(doc, tc.want) {
			t.Errorf("%s: the report lacks %q:\n%s", tc.name, tc.want, doc)
		}
	}
	if strings.Contains(strings.ToLower(doc), "issue") {
		t.Errorf("the report names an issue:\n%s", doc)
	}
}

func TestNumber(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		want string
	}{{0, "0"}, {1234567, "1,234,567"}, {5.0776, "5.078"}, {44.5, "44.50"}, {419.6, "419.6"}, {1159.4, "1,159"}, {-1500, "-1,500"}} {
		if got := number(tc.v); got != tc.want {
			t.Errorf("number(%v): got %q, want %q", tc.v, got, tc.want)
		}
	}
}
