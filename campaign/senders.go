package campaign

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
)

// stoppedStates are the account states in which a sender's approved
// invitations leave it for the campaign's other senders: LinkedIn restricted
// it, or a checkpoint waits for a person. A pause is a person's choice and
// moves nothing.
var stoppedStates = []string{models.AccountRestricted, models.AccountNeedsHuman}

// Finish estimates when a campaign's prospects are all invited, across its
// senders.
type Finish struct {
	Campaign string
	// Left counts the prospects still to invite: queued, proposed, or
	// approved and not sent yet.
	Left int
	// PerWeek is what the campaign's senders that can send now have room
	// for in their next five working days, net of what they already have
	// scheduled; Senders counts them.
	PerWeek int
	Senders int
	// At is when the last of Left would go at that pace; zero when no
	// sender has room.
	At time.Time
}

// finishWorkingDays is the week a Finish measures the senders' pace over.
const finishWorkingDays = 5

// Finish estimates when the campaign's prospects are all invited, at the
// pace its senders have room for now (each is counted by the quota engine,
// net of its queue of other campaigns' invitations).
func (p *Proposer) Finish(ctx context.Context, campaign string, now time.Time) (Finish, error) {
	f := Finish{Campaign: campaign}
	cc, ok := p.cfg.Campaign(campaign)
	if !ok {
		return f, fmt.Errorf("%w: %q; campaigns are declared in the configuration file", ErrUnknownCampaign, campaign)
	}
	db := p.store.DB.WithContext(ctx)
	var c models.Campaign
	if err := db.Where("name = ?", campaign).Take(&c).Error; err != nil {
		return f, campaignLookupError(campaign, err)
	}
	var left int64
	err := db.Model(&models.Enrollment{}).Where("campaign_id = ? AND state IN ?", c.ID,
		[]string{models.EnrollmentQueued, models.EnrollmentProposed, models.EnrollmentApproved}).Count(&left).Error
	if err != nil {
		return f, fmt.Errorf("campaign: count what is left of %s: %w", campaign, err)
	}
	f.Left = int(left)
	var accounts []models.Account
	if err := db.Where("name IN ? AND state = ?", cc.SenderNames(), models.AccountActive).Find(&accounts).Error; err != nil {
		return f, fmt.Errorf("campaign: read the senders of %s: %w", campaign, err)
	}
	for _, a := range accounts {
		room, err := p.quota.Capacity(ctx, a.ID, KindInvite, finishWorkingDays, now)
		if err != nil {
			return f, fmt.Errorf("campaign: quota of %s: %w", a.Name, err)
		}
		f.PerWeek += room
		f.Senders++
	}
	if f.PerWeek > 0 {
		weeks := float64(f.Left) / float64(f.PerWeek)
		f.At = now.Add(time.Duration(weeks * 7 * 24 * float64(time.Hour)))
	}
	return f, nil
}

// Rehomed is what Rehome did with one stopped sender's approved
// invitations of a campaign.
type Rehomed struct {
	Campaign string
	// From is the stopped sender.
	From string
	// Moved counts the items now sent by another sender (To names how many
	// each took), their approved text unchanged.
	Moved int
	To    map[string]int
	// Returned counts the items back in the queue, to be proposed and
	// approved again: their text would not be the same from another sender
	// (it names the stopped one, or an approver wrote it), or no other
	// sender had room.
	Returned int
	// Proposals are the approved proposals whose items moved or returned:
	// their cards and threads change.
	Proposals []int64
}

// Rehome takes the approved invitations a stopped sender (restricted, or
// waiting for a person) has not begun, in each campaign of several senders,
// and gives each to the campaign's sender with the most room that would
// send exactly the approved text, the one its template renders for that
// sender too. An item no other sender would send word for word (its note
// names the stopped sender, or an approver edited it) goes back to the
// queue instead, with its actions canceled, so that it is proposed and
// approved again: never an unapproved text. Both are recorded in the
// audit trail, as Pacer's own decisions (no user). The bot's pass runs it
// just before ProposeDue.
func (p *Proposer) Rehome(ctx context.Context, now time.Time) ([]Rehomed, error) {
	var out []Rehomed
	for _, cc := range p.cfg.Campaigns {
		if len(cc.SenderNames()) < 2 {
			continue
		}
		for _, sender := range cc.SenderNames() {
			r, err := p.rehomeSender(ctx, cc, sender, now)
			if err != nil {
				return out, err
			}
			if r.Moved+r.Returned > 0 {
				p.logger.Info("campaign: a stopped sender's invitations moved or went back to the queue",
					slog.String("campaign", cc.Name), slog.String("from", sender), slog.Int("moved", r.Moved), slog.Int("returned", r.Returned))
				out = append(out, r)
			}
		}
	}
	return out, nil
}

// strandedItem is an approved item of a stopped sender, with its actions
// not begun.
type strandedItem struct {
	item     models.ProposalItem
	prospect models.Prospect
	actions  []int64
}

func (p *Proposer) rehomeSender(ctx context.Context, cc config.Campaign, sender string, now time.Time) (Rehomed, error) {
	r := Rehomed{Campaign: cc.Name, From: sender, To: map[string]int{}}
	db := p.store.DB.WithContext(ctx)
	var from models.Account
	if err := db.Where("name = ?", sender).Take(&from).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return r, nil // not synced yet
		}
		return r, fmt.Errorf("campaign: read account %s: %w", sender, err)
	}
	if !slices.Contains(stoppedStates, from.State) {
		return r, nil
	}
	targets, err := p.healthySenders(ctx, db, cc, sender, now)
	if err != nil {
		return r, err
	}
	err = db.Transaction(func(tx *gorm.DB) error {
		stranded, err := strandedItems(tx, cc.Name, from.ID)
		if err != nil {
			return err
		}
		for _, st := range stranded {
			if !slices.Contains(r.Proposals, st.item.ProposalID) {
				r.Proposals = append(r.Proposals, st.item.ProposalID)
			}
			to := pickTarget(targets, st)
			if to == nil {
				if err := returnItem(tx, st, from.Name, now); err != nil {
					return err
				}
				r.Returned++
				continue
			}
			if err := moveItem(tx, st, from.Name, to, now); err != nil {
				return err
			}
			to.room--
			r.Moved++
			r.To[to.s.account.Name]++
		}
		return nil
	})
	if err != nil {
		return Rehomed{Campaign: cc.Name, From: sender}, err
	}
	return r, nil
}

// target is a healthy sender that may take a stopped one's items.
type target struct {
	s    *campaignSetup
	room int
}

// healthySenders are the campaign's active senders other than the stopped
// one, with their room for invitations in their next working days, most
// room first.
func (p *Proposer) healthySenders(ctx context.Context, db *gorm.DB, cc config.Campaign, stopped string, now time.Time) ([]*target, error) {
	var out []*target
	for _, name := range cc.SenderNames() {
		if name == stopped {
			continue
		}
		s, err := p.loadSetup(ctx, db, cc.Name, name)
		if err != nil {
			return nil, err
		}
		if s.account.State != models.AccountActive || s.campaign.State != models.CampaignActive {
			continue
		}
		room, err := p.quota.Capacity(ctx, s.account.ID, KindInvite, proposalDays, now)
		if err != nil {
			return nil, fmt.Errorf("campaign: quota of %s: %w", name, err)
		}
		out = append(out, &target{s: s, room: room})
	}
	slices.SortStableFunc(out, func(a, b *target) int { return b.room - a.room })
	return out, nil
}

// pickTarget returns the sender with the most room left that would send
// the item's approved note word for word, or nil.
func pickTarget(targets []*target, st strandedItem) *target {
	var best *target
	for _, t := range targets {
		if t.room <= 0 || !t.s.sendsAsApproved(st) {
			continue
		}
		if best == nil || t.room > best.room {
			best = t
		}
	}
	return best
}

// sendsAsApproved tells whether this sender's rendering of the item is
// exactly its approved note: the same variant's template, filled in for
// the same prospect and this sender. An edited note, or one naming the
// sender it was written for, is not.
func (s *campaignSetup) sendsAsApproved(st strandedItem) bool {
	if st.item.Note == "" {
		return true // nothing to say, from anyone
	}
	if st.item.EditedBy != "" || st.item.Variant == "" {
		return false
	}
	for _, v := range s.variants {
		if v.name == st.item.Variant {
			note, missing := v.tmpl.Render(s.vars(st.prospect))
			return len(missing) == 0 && note == st.item.Note
		}
	}
	return false
}

// strandedItems reads the campaign's approved invitation items whose
// actions for the account are all still scheduled (none begun), with
// their prospects.
func strandedItems(tx *gorm.DB, campaign string, accountID int64) ([]strandedItem, error) {
	var rows []struct {
		ID             int64
		ProposalItemID int64
		State          string
	}
	err := tx.Raw(`SELECT a.id, a.proposal_item_id, a.state FROM actions a
		JOIN campaigns c ON c.id = a.campaign_id
		WHERE c.name = ? AND a.proposal_item_id IS NOT NULL AND a.proposal_item_id IN (
			SELECT b.proposal_item_id FROM actions b WHERE b.account_id = ? AND b.kind = ? AND b.state = ?)
		ORDER BY a.proposal_item_id, a.step`, campaign, accountID, models.ActionInvite, models.ActionScheduled).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("campaign: read the approved invitations of account %d: %w", accountID, err)
	}
	byItem := map[int64]*strandedItem{}
	var order []int64
	begun := map[int64]bool{}
	for _, row := range rows {
		st := byItem[row.ProposalItemID]
		if st == nil {
			st = &strandedItem{}
			byItem[row.ProposalItemID] = st
			order = append(order, row.ProposalItemID)
		}
		switch row.State {
		case models.ActionScheduled:
			st.actions = append(st.actions, row.ID)
		case models.ActionInFlight:
			begun[row.ProposalItemID] = true // the runner holds it: leave it
		}
	}
	var out []strandedItem
	for _, id := range order {
		if begun[id] {
			continue
		}
		st := byItem[id]
		if err := tx.Take(&st.item, id).Error; err != nil {
			return nil, fmt.Errorf("campaign: read item %d: %w", id, err)
		}
		if st.item.Step != 0 {
			continue // a follow-up goes only from the account connected
		}
		if err := tx.Take(&st.prospect, st.item.ProspectID).Error; err != nil {
			return nil, fmt.Errorf("campaign: read prospect %d: %w", st.item.ProspectID, err)
		}
		out = append(out, *st)
	}
	return out, nil
}

// moveItem gives the item's actions to another sender, their text
// unchanged, and records it.
func moveItem(tx *gorm.DB, st strandedItem, from string, to *target, now time.Time) error {
	err := tx.Model(&models.Action{}).Where("id IN ? AND state = ?", st.actions, models.ActionScheduled).
		Updates(map[string]any{"account_id": to.s.account.ID, "updated_at": now.UTC()}).Error
	if err != nil {
		return fmt.Errorf("campaign: move the actions of item %d: %w", st.item.ID, err)
	}
	detail := fmt.Sprintf("moved from %s (%s) to %s, the approved text unchanged", from, stoppedWord, to.s.account.Name)
	return record(tx, st.item.ProposalID, &st.item.ID, pacerUser, models.DecisionMove, detail, now)
}

// returnItem cancels the item's actions and puts its prospect back in
// the queue, to be proposed and approved again, and records it.
func returnItem(tx *gorm.DB, st strandedItem, from string, now time.Time) error {
	err := tx.Model(&models.Action{}).Where("id IN ? AND state = ?", st.actions, models.ActionScheduled).
		Updates(map[string]any{"state": models.ActionCanceled, "reason": "sender " + from + " stopped; back for re-approval", "updated_at": now.UTC()}).Error
	if err != nil {
		return fmt.Errorf("campaign: cancel the actions of item %d: %w", st.item.ID, err)
	}
	err = tx.Model(&models.Enrollment{}).Where("id = ? AND state = ?", st.item.EnrollmentID, models.EnrollmentApproved).
		Updates(map[string]any{"state": models.EnrollmentQueued, "updated_at": now.UTC()}).Error
	if err != nil {
		return fmt.Errorf("campaign: queue the prospect of item %d again: %w", st.item.ID, err)
	}
	detail := fmt.Sprintf("back to the queue from %s (%s): no other sender would send the approved text as it is", from, stoppedWord)
	return record(tx, st.item.ProposalID, &st.item.ID, pacerUser, models.DecisionReturn, detail, now)
}

// stoppedWord says why a sender's items left it, in the audit trail.
const stoppedWord = "restricted or waiting for a person"

// pacerUser is the audit trail's user for what Pacer decides by itself.
const pacerUser = ""
