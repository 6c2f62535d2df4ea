package main

import (
	"strings"
	"testing"
	"time"
)

func TestParseAndRender(t *testing.T) {
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
	if r.name != "BenchmarkReserve/sqlite/ledger=1000000" || len(r.metrics) != 3 || r.metrics[1] != (metric{"812.0", "us/reserve"}) {
		t.Errorf("got %+v", r)
	}
	var out strings.Builder
	render(&out, results, "test machine", time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC))
	for _, want := range []string{
		"Machine: test machine.",
		"## ./quota",
		"| BenchmarkReserve/sqlite/ledger=1000000 | 1234567 ns/op, 812.0 us/reserve, 2048 B/op | Reserve with 10,000 accounts",
		"-bench '^BenchmarkReserve$' -benchtime 1x ./quota`",
		"| BenchmarkOther | 10 ns/op |  |",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}
