// Command benchreport turns `go test -bench` output (on standard input)
// into docs/BENCHMARKS.md (on standard output): every figure with the
// machine it was measured on, the command that reproduces it and, for the
// figures an issue set a goal for, the goal beside it. `make bench` runs it.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"sort"
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

// goal is the target an issue set for a benchmark, matched by name prefix.
type goal struct {
	prefix string
	text   string
}

// goals lists the figures the issues asked for. A benchmark without one is
// still reported.
var goals = []goal{
	{"BenchmarkAckLatency", "Slack ack p99 < 100 ms with 50 concurrent interactions (issue 5)"},
	{"BenchmarkReserve", "Reserve with 10,000 accounts: cost flat from 10k to 1M ledger rows (issue 3)"},
	{"BenchmarkImport", "≥ 20,000 rows/s, memory flat in the file's size (issue 4)"},
	{"BenchmarkPropose", "< 200 ms over 1,000,000 prospects with 100,000 contacted (issue 4)"},
	{"BenchmarkInviteWithNote", "adapter ≤ 1.3× a bare go-rod script (issue 6)"},
	{"BenchmarkFlowsPerMinute", "flows per minute with 1 and 4 accounts (issue 6)"},
	{"BenchmarkContextMemory", "added memory (PSS) per active account context (issue 6)"},
	{"BenchmarkRunner", "runner actions per minute at concurrency 1 and 4, with peak memory (issue 7)"},
	{"BenchmarkSync", "≤ 110 HubSpot calls per 10,000 contacts at 100 requests / 10 s (issue 8)"},
	{"BenchmarkAcceptedThroughRiver", "10,000 accepted connections through River: ≤ 110 upsert calls (issue 8)"},
	{"BenchmarkDeliver", "webhook deliveries per second to a local receiver (issue 8)"},
	{"BenchmarkWebhooksThroughRiver", "webhook deliveries per second through River (issue 8)"},
}

var (
	benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+(\d+)\s+(.+)$`)
	pkgLine   = regexp.MustCompile(`^pkg: (\S+)`)
	cpuLine   = regexp.MustCompile(`^cpu: (.+)`)
)

func main() {
	results, cpu, err := parse(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
	if len(results) == 0 {
		fmt.Fprintln(os.Stderr, "benchreport: no benchmark results on standard input")
		os.Exit(1)
	}
	render(os.Stdout, results, machine(cpu), time.Now())
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

func goalFor(name string) string {
	for _, g := range goals {
		if strings.HasPrefix(name, g.prefix) {
			return g.text
		}
	}
	return ""
}

func render(w io.Writer, results []result, machine string, at time.Time) {
	fmt.Fprintf(w, "# Benchmarks\n\n")
	fmt.Fprintf(w, "Written by `make bench` on %s. Do not edit: run `make bench` again.\n\n", at.UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(w, "Machine: %s.\n\n", machine)
	fmt.Fprintf(w, "Each benchmark runs once per `make bench` (`-benchtime 1x`): the figures are what one run measured, on a shared machine, so expect some spread between runs. Reproduce one with the command beside it.\n\n")
	byPkg := map[string][]result{}
	var pkgs []string
	for _, r := range results {
		if _, ok := byPkg[r.pkg]; !ok {
			pkgs = append(pkgs, r.pkg)
		}
		byPkg[r.pkg] = append(byPkg[r.pkg], r)
	}
	sort.Strings(pkgs)
	for _, pkg := range pkgs {
		rel := "./" + strings.TrimPrefix(strings.TrimPrefix(pkg, "github.com/pacerhq/pacer"), "/")
		fmt.Fprintf(w, "## %s\n\n", rel)
		fmt.Fprintf(w, "| benchmark | figures | goal | reproduce |\n|---|---|---|---|\n")
		for _, r := range byPkg[pkg] {
			var figs []string
			for _, m := range r.metrics {
				figs = append(figs, m.value+" "+m.unit)
			}
			top := strings.SplitN(r.name, "/", 2)[0]
			cmd := fmt.Sprintf("`./scripts/test-env.sh go test -run '^$' -bench '^%s$' -benchtime 1x %s`", top, rel)
			fmt.Fprintf(w, "| %s | %s | %s | %s |\n", r.name, strings.Join(figs, ", "), goalFor(r.name), cmd)
		}
		fmt.Fprintln(w)
	}
}
