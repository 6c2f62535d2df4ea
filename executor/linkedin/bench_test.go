package linkedin

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/proto"
	"github.com/go-rod/rod/lib/utils"

	"github.com/pacerhq/pacer/executor"
	"github.com/pacerhq/pacer/executor/browser/browsertest"
	"github.com/pacerhq/pacer/executor/session"
	"github.com/pacerhq/pacer/executor/sim"
)

const benchNote = "Hi, I enjoyed your talk at the meetup and would like to connect."

// benchSim is a simulator without limits, so benchmarks can invite as often
// as they like.
func benchSim(b *testing.B) *bundle {
	b.Helper()
	return setup(b, sim.Options{WeeklyLimit: -1, NotesPerMonth: -1, Logger: discardLogger()})
}

var benchSeq atomic.Int64

func benchSlug(kind string) string {
	return fmt.Sprintf("bench-%s-%d-more", kind, benchSeq.Add(1))
}

// bareInvite is what a bare go-rod script does for the same invitation: the
// same clicks with hard-coded selectors, no state reading, no safety checks,
// polling at the adapter's interval.
func bareInvite(ctx context.Context, p *rod.Page, base, slug string) error {
	p = p.Context(ctx).Sleeper(func() utils.Sleeper { return utils.BackoffSleeper(defaultPoll, defaultPoll, nil) })
	if err := p.Navigate(base + "/in/" + slug + "/"); err != nil {
		return err
	}
	more, err := p.Element(`main#workspace section[componentkey$="Topcard"] button[aria-expanded]`)
	if err != nil {
		return err
	}
	if err := p.WaitLoad(); err != nil {
		return err
	}
	if err := more.Click(proto.InputMouseButtonLeft, 1); err != nil {
		return err
	}
	connect, err := p.Element(`div[data-floating-ui-portal] a[href="/preload/custom-invite/?vanityName=` + slug + `"]`)
	if err != nil {
		return err
	}
	if err := connect.Click(proto.InputMouseButtonLeft, 1); err != nil {
		return err
	}
	host, err := p.Element(`#interop-outlet`)
	if err != nil {
		return err
	}
	var root *rod.Element
	if err := utils.Retry(ctx, utils.BackoffSleeper(defaultPoll, defaultPoll, nil), func() (bool, error) {
		root, err = host.ShadowRoot()
		if err != nil {
			return false, nil
		}
		has, _, _ := root.Has(`button[aria-label="Add a note"]`)
		return has, nil
	}); err != nil {
		return err
	}
	add, err := root.Element(`button[aria-label="Add a note"]`)
	if err != nil {
		return err
	}
	if err := add.Click(proto.InputMouseButtonLeft, 1); err != nil {
		return err
	}
	note, err := root.Element(`textarea#custom-message`)
	if err != nil {
		return err
	}
	if err := note.Input(benchNote); err != nil {
		return err
	}
	send, err := root.Element(`button[aria-label="Send invitation"]`)
	if err != nil {
		return err
	}
	if err := send.Click(proto.InputMouseButtonLeft, 1); err != nil {
		return err
	}
	_, err = p.Element(`main#workspace section[componentkey$="Topcard"] a[aria-label^="Pending"]`)
	return err
}

// BenchmarkInviteWithNote times one invite-with-note flow on the
// simulator, Pacer's adapter against a bare go-rod script doing the same
// clicks, alternating the two so both see the same conditions.
func BenchmarkInviteWithNote(b *testing.B) {
	bd := benchSim(b)
	ss := bd.session(b, "bench-adapter")
	bare := bd.session(b, "bench-bare")
	ctx := context.Background()
	barePage, err := bare.pageFor(ctx)
	if err != nil {
		b.Fatal(err)
	}
	// Warm both tabs up once.
	if _, err := ss.Invite(ctx, benchSlug("warm"), executor.InviteOptions{Note: benchNote}); err != nil {
		b.Fatal(err)
	}
	if err := bareInvite(ctx, barePage, bd.srv.URL, benchSlug("warm")); err != nil {
		b.Fatal(err)
	}
	// Each iteration runs pairsPerIter pairs, so even -benchtime 1x (make
	// bench) averages a few flows.
	const pairsPerIter = 3
	var adapterT, bareT time.Duration
	flows := 0
	for b.Loop() {
		for range pairsPerIter {
			start := time.Now()
			if err := bareInvite(ctx, barePage, bd.srv.URL, benchSlug("bare")); err != nil {
				b.Fatal(err)
			}
			bareT += time.Since(start)
			start = time.Now()
			if _, err := ss.Invite(ctx, benchSlug("adapter"), executor.InviteOptions{Note: benchNote}); err != nil {
				b.Fatal(err)
			}
			adapterT += time.Since(start)
			flows++
		}
	}
	n := float64(flows)
	b.ReportMetric(float64(adapterT.Milliseconds())/n, "adapter-ms/flow")
	b.ReportMetric(float64(bareT.Milliseconds())/n, "bare-ms/flow")
	b.ReportMetric(float64(adapterT)/float64(bareT), "adapter/bare")
	if got := len(bd.sim.Received().Invitations); got != 2*flows+2 {
		b.Errorf("the simulator received %d invitations, want %d", got, 2*flows+2)
	}
}

// BenchmarkFlowsPerMinute runs invite-with-note flows with 1 and 4
// accounts acting at once in one browser.
func BenchmarkFlowsPerMinute(b *testing.B) {
	for _, accounts := range []int{1, 4} {
		b.Run(fmt.Sprintf("accounts=%d", accounts), func(b *testing.B) {
			bd := benchSim(b)
			sessions := make([]*Session, accounts)
			for i := range sessions {
				sessions[i] = bd.session(b, fmt.Sprintf("bench-flows-%d-%d", accounts, i))
				if _, err := sessions[i].Invite(context.Background(), benchSlug("warm"), executor.InviteOptions{Note: benchNote}); err != nil {
					b.Fatal(err)
				}
			}
			// Each iteration, every account runs flowsPerAccount flows, all
			// accounts at once.
			const flowsPerAccount = 3
			var elapsed time.Duration
			flows := 0
			for b.Loop() {
				start := time.Now()
				var wg sync.WaitGroup
				for _, ss := range sessions {
					wg.Go(func() {
						for range flowsPerAccount {
							if _, err := ss.Invite(context.Background(), benchSlug("flow"), executor.InviteOptions{Note: benchNote}); err != nil {
								b.Error(err)
								return
							}
						}
					})
				}
				wg.Wait()
				elapsed += time.Since(start)
				flows += flowsPerAccount * accounts
			}
			b.ReportMetric(float64(flows)/elapsed.Minutes(), "flows/min")
		})
	}
}

// BenchmarkContextMemory measures the memory (PSS, summed over the
// browser's processes) each active account context adds: a context with one
// tab showing a profile.
func BenchmarkContextMemory(b *testing.B) {
	bd := benchSim(b)
	marker := bd.site.b.UserDataDir()
	const contexts = 4
	var added int64
	for b.Loop() {
		before, err := browsertest.PSS(marker)
		if err != nil {
			b.Fatal(err)
		}
		var open []*Session
		for i := range contexts {
			ss, err := bd.site.OpenSession(context.Background(), executor.Account{Name: "mem", Cookies: sessionCookie(fmt.Sprintf("bench-mem-%d", i))})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := ss.ReadState(context.Background(), benchSlug("mem")); err != nil {
				b.Fatal(err)
			}
			open = append(open, ss)
		}
		time.Sleep(300 * time.Millisecond) // let the renderers settle
		after, err := browsertest.PSS(marker)
		if err != nil {
			b.Fatal(err)
		}
		added += (after - before) / contexts
		for _, ss := range open {
			_ = ss.Close(context.Background())
		}
		time.Sleep(300 * time.Millisecond)
	}
	b.ReportMetric(float64(added)/float64(b.N)/(1<<20), "MiB-PSS/context")
}

func sessionCookie(v string) []session.Cookie { return session.LiAt(v) }
