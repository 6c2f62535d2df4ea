package linkedin

import (
	"context"
	"errors"
	"time"

	"github.com/go-rod/rod"

	"github.com/pacerhq/pacer/executor"
	"github.com/pacerhq/pacer/pacertype"
)

// ReadState opens the profile and reads what it offers. When Connect is not
// in the top card it opens the More menu to look, and clicks nothing else.
func (ss *Session) ReadState(ctx context.Context, slug string) (executor.Profile, error) {
	var prof executor.Profile
	err := ss.run(ctx, "read_state", slug, func(ctx context.Context, p *rod.Page) error {
		if err := checkSlug("read_state", slug); err != nil {
			return err
		}
		r, err := ss.liveState(ctx, p, "read_state", slug)
		prof = r.profile(slug)
		return err
	})
	if executor.OutcomeOf(err) == pacertype.OutcomeNotFound {
		prof = executor.Profile{Slug: slug, State: executor.StateUnavailable}
		return prof, nil
	}
	return prof, err
}

// liveState loads the profile and, if the top card alone does not tell,
// reads the More menu.
func (ss *Session) liveState(ctx context.Context, p *rod.Page, op, slug string) (report, error) {
	r, err := ss.openProfile(ctx, p, op, slug)
	if err != nil {
		return r, err
	}
	if r.state() == executor.StateUnavailable {
		return r, executor.NewError(pacertype.OutcomeNotFound, op, slug, errors.New("the profile is not available"))
	}
	if r.state() == executor.StateUnknown && r.More && !r.Menu {
		if r, err = ss.readMenu(ctx, p, op, slug, r); err != nil {
			return r, err
		}
	}
	return r, nil
}

// ViewProfile opens the profile, which LinkedIn counts as a view.
func (ss *Session) ViewProfile(ctx context.Context, slug string) (pacertype.Outcome, error) {
	err := ss.run(ctx, "view", slug, func(ctx context.Context, p *rod.Page) error {
		if err := checkSlug("view", slug); err != nil {
			return err
		}
		r, err := ss.openProfile(ctx, p, "view", slug)
		if err != nil {
			return err
		}
		if r.state() == executor.StateUnavailable {
			return executor.NewError(pacertype.OutcomeNotFound, "view", slug, errors.New("the profile is not available"))
		}
		return nil
	})
	return executor.OutcomeOf(err), err
}

// Follow follows the member from the top card, or from the More menu when
// the top card has no Follow. Following someone already followed is done,
// without a click.
func (ss *Session) Follow(ctx context.Context, slug string) (pacertype.Outcome, error) {
	err := ss.run(ctx, "follow", slug, func(ctx context.Context, p *rod.Page) error {
		if err := checkSlug("follow", slug); err != nil {
			return err
		}
		r, err := ss.openProfile(ctx, p, "follow", slug)
		if err != nil {
			return err
		}
		if r.state() == executor.StateUnavailable {
			return executor.NewError(pacertype.OutcomeNotFound, "follow", slug, errors.New("the profile is not available"))
		}
		if r.Following {
			return nil
		}
		if !r.Follow {
			if r, err = ss.readMenu(ctx, p, "follow", slug, r); err != nil {
				return err
			}
			if r.Following {
				return nil
			}
			if !r.Follow {
				return executor.NewError(pacertype.OutcomeNotFound, "follow", slug, errors.New("the profile offers no Follow"))
			}
		}
		if err := ss.site.clickPick(p, slug, "follow"); err != nil {
			return err
		}
		// Confirm: the top card turns to Following or, when Follow was in
		// the More menu, the menu offers Unfollow once reopened.
		for range 3 {
			r, ok, err := ss.site.waitShort(ctx, p, "follow", slug, 700*time.Millisecond, func(r report) bool { return r.Following })
			if err != nil {
				return err
			}
			if ok {
				return nil
			}
			if r.Menu {
				_ = ss.site.clickPick(p, slug, "more") // close it to read it afresh
				continue
			}
			if r, err = ss.readMenu(ctx, p, "follow", slug, r); err != nil {
				return err
			}
			if r.Following {
				return nil
			}
		}
		return executor.NewError(pacertype.OutcomeTransient, "follow", slug, errors.New("the page never showed Following"))
	})
	return executor.OutcomeOf(err), err
}
