package linkedin

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/proto"

	"github.com/pacerhq/pacer/executor"
	"github.com/pacerhq/pacer/executor/browser"
)

// maxPageSize bounds a saved page Diagnose reads.
const maxPageSize = 32 << 20

// Diagnosis is what `pacer doctor linkedin` reports about a saved page.
type Diagnosis struct {
	// State is the profile state the adapter reads from the page.
	State executor.State `json:"state"`
	// Target is the slug the page was read for: the one given, or the one
	// the page's top card names.
	Target string `json:"target"`
	// Anchors names the anchors that matched, such as "topcard" or
	// "menu_connect".
	Anchors []string `json:"anchors"`
	// ForeignInvites counts the Invite controls on the page that belong to
	// someone other than the target (side rails): the ones Pacer must never
	// click.
	ForeignInvites int `json:"foreign_invites"`
}

// ExitCode is the doctor command's exit status: 0 for a recognised state, 2
// for unknown ("cannot tell").
func (d Diagnosis) ExitCode() int {
	if d.State == executor.StateUnknown {
		return 2
	}
	return 0
}

// Diagnose loads a saved LinkedIn page into a fresh browser context with
// every network request blocked and page scripts disabled, and reads it as
// the adapter would, without clicking anything: a saved page cannot open its
// More menu, so a page whose Connect is hidden there reads as unknown.
// When target is empty it is inferred from the page's top card.
func (s *Site) Diagnose(ctx context.Context, pagePath, target string) (Diagnosis, error) {
	ctx, cancel := s.deadline(ctx)
	defer cancel()
	f, err := os.Open(pagePath)
	if err != nil {
		return Diagnosis{}, fmt.Errorf("linkedin: doctor: %w", err)
	}
	html, err := io.ReadAll(io.LimitReader(f, maxPageSize+1))
	f.Close()
	if err != nil {
		return Diagnosis{}, fmt.Errorf("linkedin: doctor: read %s: %w", pagePath, err)
	}
	if len(html) > maxPageSize {
		return Diagnosis{}, fmt.Errorf("linkedin: doctor: %s is larger than %d MiB", pagePath, maxPageSize>>20)
	}

	bc, err := s.b.NewContext(ctx)
	if err != nil {
		return Diagnosis{}, fmt.Errorf("linkedin: doctor: %w", err)
	}
	defer bc.Close(context.WithoutCancel(ctx))
	p, err := bc.NewPage(ctx)
	if err != nil {
		return Diagnosis{}, fmt.Errorf("linkedin: doctor: %w", err)
	}
	p = p.Context(ctx)
	stop, err := blockNetwork(p)
	if err != nil {
		return Diagnosis{}, fmt.Errorf("linkedin: doctor: block the network: %w", err)
	}
	defer stop()
	// A saved page's own scripts must not run: they would call LinkedIn or
	// rewrite the markup under test.
	if err := (proto.EmulationSetScriptExecutionDisabled{Value: true}).Call(p); err != nil {
		return Diagnosis{}, fmt.Errorf("linkedin: doctor: disable page scripts: %w", err)
	}
	if err := p.SetDocumentContent(string(html)); err != nil {
		return Diagnosis{}, fmt.Errorf("linkedin: doctor: load %s: %w", pagePath, err)
	}
	var r report
	if err := s.probe(p, strings.ToLower(target), "probe", &r); err != nil {
		return Diagnosis{}, fmt.Errorf("linkedin: doctor: %w", err)
	}
	d := Diagnosis{State: r.state(), Target: r.Target, Anchors: r.Anchors, ForeignInvites: r.ForeignInvites}
	if d.Anchors == nil {
		d.Anchors = []string{}
	}
	return d, nil
}

// Diagnose is Site.Diagnose with the embedded selectors.
func Diagnose(ctx context.Context, b *browser.Browser, pagePath, target string) (Diagnosis, error) {
	s, err := New(b, Options{})
	if err != nil {
		return Diagnosis{}, err
	}
	return s.Diagnose(ctx, pagePath, target)
}

// blockNetwork fails every request the page makes: saved pages reference
// LinkedIn's servers, and the doctor must work offline and tell nobody.
func blockNetwork(p *rod.Page) (func(), error) {
	router := p.HijackRequests()
	if err := router.Add("*", "", func(h *rod.Hijack) {
		h.Response.Fail(proto.NetworkErrorReasonBlockedByClient)
	}); err != nil {
		return nil, err
	}
	go router.Run()
	return func() { _ = router.Stop() }, nil
}
