package e2e

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pacerhq/pacer/cmd/pacer/pacertest"
)

// pacerBin is the pacer binary, built once for the whole run the way users
// and CI build it.
var pacerBin string

func TestMain(m *testing.M) {
	os.Exit(pacertest.Main(m, &pacerBin))
}

// run runs a one-shot pacer command to its end, with exactly env.
func run(t *testing.T, dir string, env []string, args ...string) pacertest.Result {
	t.Helper()
	return pacertest.Run(t, pacerBin, dir, env, "", args...)
}

// process is a long-running pacer process (sim, serve).
type process struct {
	name string
	cmd  *exec.Cmd
	out  *pacertest.Buffer
	done chan struct{}
	err  error
}

// start starts pacer with args; the test's end kills it if it still runs.
func start(t *testing.T, name, dir string, env []string, args ...string) *process {
	t.Helper()
	p := &process{name: name, out: &pacertest.Buffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(pacerBin, args...)
	p.cmd.Dir = dir
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start pacer %s: %v", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// running reports whether the process has not exited.
func (p *process) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// stop sends SIGTERM and waits up to within for the exit. It returns how
// long the process took and its exit error; past within it kills it.
func (p *process) stop(within time.Duration) (time.Duration, error) {
	began := time.Now()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return time.Since(began), p.err
	case <-time.After(within):
		_ = p.cmd.Process.Kill()
		<-p.done
		return time.Since(began), fmt.Errorf("pacer %s was still running %s after SIGTERM", p.name, within)
	}
}

// waitFor polls cond every interval until it holds or within has passed;
// then it fails the test with what.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", within, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitHTTP waits until url answers 200.
func waitHTTP(t *testing.T, url string, within time.Duration) {
	t.Helper()
	waitFor(t, within, url+" to answer 200", func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
