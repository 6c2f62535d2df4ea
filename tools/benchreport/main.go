// Command benchreport turns `go test -bench` output (on standard input)
// into docs/BENCHMARKS.md (on standard output): for every figure, its goal,
// what was measured, whether the goal is met or missed and, when missed,
// why; then the machine and the commands that reproduce the figures.
// `make bench` runs it.
//
// The goals live in one table, goals below. To rewrite the document from an
// earlier run's output, give that run's machine and time:
//
//	go run ./tools/benchreport -machine "AMD EPYC, 2 cores, …" -at 2026-11-27T03:32:00Z < bench.out > docs/BENCHMARKS.md
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// result is one benchmark line: its package, name and metrics.
type result struct {
	pkg     string
	name    string
	metrics []metric
}

type metric struct {
	value string
	unit  string
}

// find returns the value of the metric in unit.
func (r result) find(unit string) (float64, bool) {
	for _, m := range r.metrics {
		if m.unit == unit {
			v, err := strconv.ParseFloat(m.value, 64)
			return v, err == nil
		}
	}
	return 0, false
}

// goal is a target for the benchmarks whose names match: a metric compared
// with a bound, or (base set) with the same metric of a smaller run, for
// "does not grow with size".
type goal struct {
	match *regexp.Regexp
	// unit is the metric judged (ns/op, rows/s, …).
	unit string
	// op is "<", "<=" or ">="; bound is in the metric's unit, or a ratio
	// when base is set.
	op    string
	bound float64
	// base names the run to compare with, from the benchmark's name.
	base func(name string) string
	// scale and shown write the measured figure for people (ns/op as ms).
	scale float64
	shown string
	// text is the goal as people read it.
	text string
	// missed says why the goal is missed, where the reason is known.
	missed string
}

func ratioOf(from, to string) func(string) string {
	return func(name string) string { return strings.Replace(name, from, to, 1) }
}

// goals are the figures Pacer aims for. A benchmark that matches none is
// still reported, as measured without a goal.
var goals = []goal{
	{match: regexp.MustCompile(`^BenchmarkAckLatency/`), unit: "p99-ms", op: "<", bound: 100,
		text: "Slack ack p99 < 100 ms with 50 concurrent interactions"},
	{match: regexp.MustCompile(`^BenchmarkReserve/[^/]+/ledger=1000000$`), unit: "us/reserve", op: "<=", bound: 1.5,
		base: ratioOf("ledger=1000000", "ledger=10000"),
		text: "Reserve with 10,000 accounts costs no more at 1,000,000 ledger rows than at 10,000 (within 1.5×, the run-to-run spread)"},
	{match: regexp.MustCompile(`^BenchmarkImport/`), unit: "rows/s", op: ">=", bound: 20000,
		text: "≥ 20,000 rows/s"},
	{match: regexp.MustCompile(`^BenchmarkImport/[^/]+/rows=100000$`), unit: "peak-heap-MB", op: "<=", bound: 1.5,
		base: ratioOf("rows=100000", "rows=10000"),
		text: "peak heap flat in the file's size: at 100,000 rows within 1.5× of 10,000"},
	{match: regexp.MustCompile(`^BenchmarkPropose/`), unit: "ns/op", op: "<", bound: 200e6, scale: 1e-6, shown: "ms per proposal",
		text: "a proposal over 1,000,000 prospects with 100,000 contacted in < 200 ms"},
	{match: regexp.MustCompile(`^BenchmarkPropose/`), unit: "p99-ms", op: "<", bound: 200,
		text: "every proposal, the first included, in < 200 ms at p99"},
	{match: regexp.MustCompile(`^BenchmarkPropose/`), unit: "first-proposal-ms", op: "<", bound: 200,
		text: "the first proposal too in < 200 ms"},
	{match: regexp.MustCompile(`^BenchmarkInviteWithNote$`), unit: "adapter/bare", op: "<=", bound: 1.3,
		text: "the adapter's invite-with-note flow ≤ 1.3× a bare go-rod script"},
	{match: regexp.MustCompile(`^BenchmarkSync/accepted=\d+(\+found=\d+)?$`), unit: "calls/op", op: "<=", bound: 110,
		text: "≤ 110 HubSpot calls per 10,000 accepted connections at 100 requests / 10 s"},
	{match: regexp.MustCompile(`^BenchmarkSync/accepted=\d+\+notes$`), unit: "calls/op", op: "<=", bound: 110,
		text: "≤ 110 HubSpot calls per 10,000 accepted connections at 100 requests / 10 s, their notes included",
		missed: "each accepted connection also gets a note, and HubSpot creates at most 100 notes per call: 100 contact calls and 100 note calls, " +
			"where no API writes contacts and notes together"},
	{match: regexp.MustCompile(`^BenchmarkAcceptedThroughRiver/`), unit: "upsert-calls/op", op: "<=", bound: 110,
		text: "10,000 accepted connections through River: ≤ 110 contact upsert calls"},
}

// reported names, for the benchmarks without a goal, the figure to show
// first; the others follow.
var reported = map[string]string{
	"BenchmarkFlowsPerMinute":       "flows/min",
	"BenchmarkContextMemory":        "MiB-PSS/context",
	"BenchmarkRunner":               "actions/min",
	"BenchmarkDeliver":              "deliveries/s",
	"BenchmarkWebhooksThroughRiver": "deliveries/s",
}

var (
	benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+(\d+)\s+(.+)$`)
	pkgLine   = regexp.MustCompile(`^pkg: (\S+)`)
	cpuLine   = regexp.MustCompile(`^cpu: (.+)`)
)

func main() {
	machineFlag := flag.String("machine", "", "the machine the figures were measured on (default: this one)")
	atFlag := flag.String("at", "", "when the figures were measured, RFC 3339 (default: now)")
	keepFlag := flag.String("keep", "", "a previous report whose soak section (written by `make soak`) is carried over")
	flag.Parse()
	results, cpu, err := parse(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
	if len(results) == 0 {
		fmt.Fprintln(os.Stderr, "benchreport: no benchmark results on standard input; run `make bench`")
		os.Exit(1)
	}
	at := time.Now()
	if *atFlag != "" {
		if at, err = time.Parse(time.RFC3339, *atFlag); err != nil {
			fmt.Fprintf(os.Stderr, "benchreport: -at %q is not a time such as 2026-11-27T03:32:00Z\n", *atFlag)
			os.Exit(1)
		}
	}
	m := *machineFlag
	if m == "" {
		m = machine(cpu)
	}
	render(os.Stdout, results, m, at)
	if *keepFlag != "" {
		if old, err := os.ReadFile(*keepFlag); err == nil {
			if soak := soakSection(string(old)); soak != "" {
				fmt.Fprintf(os.Stdout, "\n%s\n", soak)
			}
		}
	}
}

// soakSection returns the soak report a previous document holds, marks
// included, or "": the soak takes an hour and runs apart from the
// benchmarks, so regenerating these must not lose it.
func soakSection(doc string) string {
	const begin, end = "<!-- soak:begin -->", "<!-- soak:end -->"
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j < i {
		return ""
	}
	return doc[i : j+len(end)]
}

func parse(r io.Reader) ([]result, string, error) {
	var (
		results []result
		pkg     string
		cpu     string
	)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := pkgLine.FindStringSubmatch(line); m != nil {
			pkg = m[1]
			continue
		}
		if m := cpuLine.FindStringSubmatch(line); m != nil {
			cpu = m[1]
			continue
		}
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		fields := strings.Fields(m[3])
		res := result{pkg: pkg, name: m[1]}
		for i := 0; i+1 < len(fields); i += 2 {
			res.metrics = append(res.metrics, metric{value: fields[i], unit: fields[i+1]})
		}
		results = append(results, res)
	}
	return results, cpu, sc.Err()
}

// machine describes where the figures were measured.
func machine(cpu string) string {
	if cpu == "" {
		cpu = "unknown CPU"
	}
	mem := ""
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		if _, err := fmt.Sscanf(strings.SplitN(string(data), "\n", 2)[0], "MemTotal: %d kB", &kb); err == nil {
			mem = fmt.Sprintf(", %.0f GiB RAM", float64(kb)/(1<<20))
		}
	}
	chromium := ""
	if out, err := exec.Command(chromeBin(), "--version").Output(); err == nil {
		chromium = ", " + strings.TrimSpace(string(out))
	}
	return fmt.Sprintf("%s, %d cores%s, %s %s/%s%s", cpu, runtime.NumCPU(), mem, runtime.Version(), runtime.GOOS, runtime.GOARCH, chromium)
}

func chromeBin() string {
	if bin := os.Getenv("CHROME_BIN"); bin != "" {
		return bin
	}
	return "chromium"
}

// row is one figure of the report.
type row struct {
	bench, goal, measured, verdict string
}

// judge writes the rows of one benchmark: one per goal that applies, or
// one saying it has none.
func judge(r result, byName map[string]result) []row {
	var rows []row
	for _, g := range goals {
		if !g.match.MatchString(r.name) {
			continue
		}
		v, ok := r.find(g.unit)
		if !ok {
			rows = append(rows, row{r.name, g.text, "no " + g.unit + " figure", "not measured"})
			continue
		}
		measured := figure(v, g)
		if g.base != nil {
			base, found := byName[g.base(r.name)]
			bv, ok := base.find(g.unit)
			if !found || !ok || bv == 0 {
				rows = append(rows, row{r.name, g.text, measured, "cannot tell: no " + g.base(r.name) + " figure to compare with"})
				continue
			}
			measured = fmt.Sprintf("%s vs %s: %.2f×", measured, figure(bv, g), v/bv)
			v = v / bv
		}
		verdict := "met"
		if !holds(v, g.op, g.bound) {
			verdict = "**missed**: " + g.missed
			if g.missed == "" {
				verdict += "no reason is known yet; look into it before the next release"
			}
		}
		rows = append(rows, row{r.name, g.text, measured, verdict})
	}
	if len(rows) == 0 {
		what := "none set: reported"
		if of := baseOf(r.name, byName); of != "" {
			what = "none of its own: the baseline " + of + " is compared with"
		}
		rows = append(rows, row{r.name, what, reportedFigure(r), "—"})
	}
	return rows
}

// baseOf names the benchmark that a relative goal compares with name, or "".
func baseOf(name string, byName map[string]result) string {
	var of []string
	for other := range byName {
		for _, g := range goals {
			if g.base != nil && g.match.MatchString(other) && g.base(other) == name {
				of = append(of, other)
			}
		}
	}
	sort.Strings(of)
	return strings.Join(of, ", ")
}

func holds(v float64, op string, bound float64) bool {
	switch op {
	case "<":
		return v < bound
	case "<=":
		return v <= bound
	case ">=":
		return v >= bound
	}
	return false
}

// figure writes a measured value in the goal's terms.
func figure(v float64, g goal) string {
	unit := g.unit
	if g.scale != 0 {
		v, unit = v*g.scale, g.shown
	}
	return number(v) + " " + unit
}

// number writes a figure with thousands separators and at most three
// significant decimals.
func number(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return thousands(strconv.FormatFloat(v, 'f', 0, 64))
	}
	prec := 0
	switch a := math.Abs(v); {
	case a < 10:
		prec = 3
	case a < 100:
		prec = 2
	case a < 1000:
		prec = 1
	}
	s := strconv.FormatFloat(v, 'f', prec, 64)
	whole, frac, hasFrac := strings.Cut(s, ".")
	if hasFrac {
		return thousands(whole) + "." + frac
	}
	return thousands(whole)
}

func thousands(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// reportedFigure is what a benchmark without a goal measured: its main
// figure first.
func reportedFigure(r result) string {
	top := strings.SplitN(r.name, "/", 2)[0]
	main := reported[top]
	var figs []string
	for _, m := range r.metrics {
		text := m.value + " " + m.unit
		if v, err := strconv.ParseFloat(m.value, 64); err == nil {
			text = number(v) + " " + m.unit
		}
		if m.unit == main {
			figs = append([]string{text}, figs...)
			continue
		}
		if m.unit == "ns/op" || m.unit == "B/op" || m.unit == "allocs/op" {
			continue
		}
		figs = append(figs, text)
	}
	return strings.Join(figs, ", ")
}

func render(w io.Writer, results []result, machine string, at time.Time) {
	fmt.Fprintf(w, "# Benchmarks\n\n")
	fmt.Fprintf(w, "Written by `make bench` (tools/benchreport) from a run on %s. Do not edit: run `make bench` again.\n\n", at.UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(w, "Machine: %s.\n\n", machine)
	fmt.Fprintf(w, "Each benchmark runs once per `make bench` (`-benchtime 1x`): a figure is what one run measured, on a shared machine, so expect some spread between runs. "+
		"Every figure is shown against its goal: met, or **missed** with the reason. The goals are kept in one table, in tools/benchreport.\n\n")
	byName := map[string]result{}
	byPkg := map[string][]result{}
	var pkgs []string
	for _, r := range results {
		byName[r.name] = r
		if _, ok := byPkg[r.pkg]; !ok {
			pkgs = append(pkgs, r.pkg)
		}
		byPkg[r.pkg] = append(byPkg[r.pkg], r)
	}
	sort.Strings(pkgs)
	met, missed := 0, 0
	var body strings.Builder
	for _, pkg := range pkgs {
		rel := "./" + strings.TrimPrefix(strings.TrimPrefix(pkg, "github.com/pacerhq/pacer"), "/")
		fmt.Fprintf(&body, "## %s\n\n", rel)
		fmt.Fprintf(&body, "| benchmark | goal | measured | verdict |\n|---|---|---|---|\n")
		var tops []string
		for _, r := range byPkg[pkg] {
			for _, rw := range judge(r, byName) {
				switch {
				case rw.verdict == "met":
					met++
				case strings.HasPrefix(rw.verdict, "**missed**"):
					missed++
				}
				fmt.Fprintf(&body, "| %s | %s | %s | %s |\n", rw.bench, rw.goal, rw.measured, rw.verdict)
			}
			if top := strings.SplitN(r.name, "/", 2)[0]; len(tops) == 0 || tops[len(tops)-1] != top {
				tops = append(tops, top)
			}
		}
		fmt.Fprintf(&body, "\nAll figures of a run, and the same run again:\n\n")
		for _, top := range tops {
			fmt.Fprintf(&body, "- `./scripts/test-env.sh go test -run '^$' -bench '^%s$' -benchtime 1x %s`\n", top, rel)
		}
		fmt.Fprintln(&body)
	}
	fmt.Fprintf(w, "Summary: %d goals met, %d missed.\n\n", met, missed)
	io.WriteString(w, body.String())
}
