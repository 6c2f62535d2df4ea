package campaign

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
)

// reinviteAfter is how long LinkedIn blocks a new invitation to someone whose
// invitation was withdrawn.
const reinviteAfter = 21 * 24 * time.Hour

// Options tune a Proposer.
type Options struct {
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Rand draws the waits of sequences and each prospect's note variant;
	// nil means a randomly seeded one.
	Rand *rand.Rand
	// Logger receives what ProposeDue decides; nil discards it.
	Logger *slog.Logger
	// LowQueueInterval is how long after a campaign's last proposal a low
	// queue may bring another one by itself; 0 means 4 hours.
	LowQueueInterval time.Duration
}

// Proposer proposes batches of prospects and applies the decisions made on
// them. It is safe for concurrent use, by several processes too: the
// database settles every race.
type Proposer struct {
	store    *models.Store
	cfg      *config.Config
	quota    Forecaster
	now      func() time.Time
	logger   *slog.Logger
	interval time.Duration

	mu  sync.Mutex // guards rnd
	rnd *rand.Rand

	window int // walk window; 0 means walkWindow (tests set a small one)
}

// New returns a Proposer for the campaigns and accounts of cfg (the store's
// rows must be synced with it: models.Store.SyncConfig).
func New(store *models.Store, cfg *config.Config, quota Forecaster, opts Options) *Proposer {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Rand == nil {
		opts.Rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.LowQueueInterval <= 0 {
		opts.LowQueueInterval = 4 * time.Hour
	}
	return &Proposer{store: store, cfg: cfg, quota: quota, now: opts.Now, rnd: opts.Rand,
		logger: opts.Logger, interval: opts.LowQueueInterval}
}

// Batch is a proposal as the Slack bot renders it.
type Batch struct {
	Proposal models.Proposal
	Campaign string
	Account  string
	Items    []Item
}

// Item is one prospect of a batch, with the note's findings decoded.
type Item struct {
	models.ProposalItem
	Prospect models.Prospect
	Findings []Finding
}

// campaignSetup is a campaign with everything the proposer needs about it,
// for one of its senders: a campaign of several senders proposes and
// decides for each apart (each has its own batch, quota and forecast).
type campaignSetup struct {
	campaign models.Campaign
	// account is the sender this setup is for, acct its configuration.
	account  models.Account
	cfg      config.Campaign
	acct     config.Account
	limits   config.Limits
	variants []variant
	seq      Sequence
}

// variant is one of a campaign's note templates, parsed.
type variant struct {
	name string
	tmpl Template
}

func parseVariants(cc config.Campaign) []variant {
	vs := cc.Variants()
	out := make([]variant, len(vs))
	for i, v := range vs {
		out[i] = variant{name: strings.TrimSpace(v.Name), tmpl: ParseTemplate(v.Note)}
	}
	return out
}

// withoutNotes tells whether no variant of the campaign has a note.
func (s *campaignSetup) withoutNotes() bool {
	return !slices.ContainsFunc(s.variants, func(v variant) bool { return !v.tmpl.IsEmpty() })
}

// loadSetup reads the campaign's setup for one of its senders; sender ""
// is the campaign's first (its primary account).
func (p *Proposer) loadSetup(ctx context.Context, db *gorm.DB, name, sender string) (*campaignSetup, error) {
	cc, ok := p.cfg.Campaign(name)
	if !ok {
		return nil, fmt.Errorf("%w: %q; campaigns are declared in the configuration file", ErrUnknownCampaign, name)
	}
	senders := cc.SenderNames()
	if len(senders) == 0 {
		return nil, fmt.Errorf("campaign: %s has no sending account; set account or senders in the configuration", name)
	}
	if sender == "" {
		sender = senders[0]
	}
	if !cc.HasSender(sender) {
		return nil, fmt.Errorf("%w: %s no longer sends for %s (its senders are %s); reject what waits for it",
			ErrAccountUnavailable, sender, name, strings.Join(senders, ", "))
	}
	ac, ok := p.cfg.Account(sender)
	if !ok {
		return nil, fmt.Errorf("campaign: %s names the unknown account %q", name, sender)
	}
	seq, err := ParseSequence(cc.Steps)
	if err != nil {
		return nil, err
	}
	s := &campaignSetup{cfg: cc, acct: ac, limits: ac.EffectiveLimits(), variants: parseVariants(cc), seq: seq}
	if err := db.WithContext(ctx).Where("name = ?", name).Take(&s.campaign).Error; err != nil {
		return nil, campaignLookupError(name, err)
	}
	if err := db.WithContext(ctx).Where("name = ?", sender).Take(&s.account).Error; err != nil {
		return nil, fmt.Errorf("campaign: read the account %s of %s: %w", sender, name, err)
	}
	return s, nil
}

// setupOf is loadSetup for a stored proposal: its campaign and sender.
func (p *Proposer) setupOf(ctx context.Context, db *gorm.DB, pr *models.Proposal) (*campaignSetup, error) {
	var names struct{ Campaign, Account string }
	err := db.WithContext(ctx).Raw(`SELECT c.name AS campaign, a.name AS account FROM campaigns c JOIN accounts a ON a.id = ? WHERE c.id = ?`,
		pr.AccountID, pr.CampaignID).Scan(&names).Error
	if err != nil {
		return nil, fmt.Errorf("campaign: read the campaign of proposal #%d: %w", pr.ID, err)
	}
	return p.loadSetup(ctx, db, names.Campaign, names.Account)
}

// vars are the values the campaign's templates are filled with for the
// prospect: the prospect's own, and the sender's.
func (s *campaignSetup) vars(pr models.Prospect) map[string]string {
	vars := prospectVars(pr)
	maps.Copy(vars, SenderVars(s.acct))
	return vars
}

func (s *campaignSetup) noteLimit() int { return deref(s.limits.NoteLength) }

func (s *campaignSetup) notesPerMonth() int { return deref(s.limits.NotesPerMonth) }

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// Propose picks the next prospects of the campaign — by priority, then in
// import order, leaving out anyone the team must not contact (see the
// package doc) — renders and lints their notes, and stores them as the
// campaign's open proposal. The batch holds at most n prospects (n <= 0:
// no limit of its own), at most the campaign's batch_size, and at most what
// the sending account can send in its next two working days net of its
// scheduled queue and of other campaigns' open proposals. It walks at most
// the first 1,000 prospects queued (see the package doc, Order): when they
// hold fewer it may propose, the batch is smaller, and the next proposal
// goes on past them.
//
// Errors: *OpenProposalError (ErrOpenProposal) when the campaign already has
// an open proposal; ErrNoCapacity, ErrQueueEmpty, ErrNoNotesLeft when there
// is nothing to propose; ErrQueueTidied (*TidiedError) when the prospects
// it walked held nobody to propose and more are queued behind them;
// ErrCampaignPaused, ErrAccountUnavailable, ErrUnknownCampaign.
func (p *Proposer) Propose(ctx context.Context, campaign string, n int) (*Batch, error) {
	return p.propose(ctx, campaign, "", n, p.now())
}

// errConflict: the enrollments picked changed before the proposal was
// stored (a concurrent proposer or decision); picking again resolves it.
var errConflict = errors.New("campaign: the queue changed while proposing")

// propose proposes for one sender of the campaign; sender "" lets
// chooseSender pick the one with the most room.
func (p *Proposer) propose(ctx context.Context, name, sender string, n int, now time.Time) (*Batch, error) {
	for attempt := 0; ; attempt++ {
		b, err := p.proposeOnce(ctx, name, sender, n, now)
		if errors.Is(err, errConflict) && attempt < 2 {
			continue
		}
		return b, err
	}
}

// proposeOnce is one attempt at Propose: errConflict when the queue
// changed between picking the prospects and storing them.
func (p *Proposer) proposeOnce(ctx context.Context, name, sender string, n int, now time.Time) (*Batch, error) {
	db := p.store.DB.WithContext(ctx)
	chosen, err := p.chooseSender(ctx, db, name, sender, n, now)
	if err != nil {
		return nil, err
	}
	s, notes := chosen.s, chosen.notes
	cands, err := p.pick(ctx, db, s, chosen.size, now)
	if err != nil {
		return nil, err
	}
	drawn, evidence, err := p.drawVariants(ctx, db, s, len(cands), now)
	if err != nil {
		return nil, err
	}
	items := s.items(cands, drawn, s.notesFor(drawn, evidence, notes.left), notes)
	forecast, err := p.quota.Forecast(ctx, s.account.ID, KindInvite, len(items), sendsFrom(s, now))
	if err != nil {
		return nil, fmt.Errorf("campaign: forecast %s: %w", s.account.Name, err)
	}
	b := &Batch{Campaign: s.campaign.Name, Account: s.account.Name, Items: items, Proposal: models.Proposal{
		CampaignID: s.campaign.ID, AccountID: s.account.ID, State: models.ProposalOpen,
		Version: 1, Channel: s.campaign.Channel, Forecast: forecast,
		CreatedAt: now.UTC(), UpdatedAt: now.UTC(),
	}}
	err = db.Transaction(func(tx *gorm.DB) error {
		return p.storeBatch(tx, s, b, cands[len(cands)-1], now)
	})
	if errors.Is(err, errOpenRace) {
		return nil, p.checkNoOpen(ctx, db, s, models.ProposalInvites)
	}
	if err != nil {
		return nil, err
	}
	return b, nil
}

// sizedBatch is a sender that may take a batch now, with its room in its
// next working days and the batch's size and notes' budget (batchSize).
type sizedBatch struct {
	s     *campaignSetup
	room  int
	size  int
	notes noteBudget
}

// chooseSender returns the sender a batch of invitations is proposed for,
// sized: the one named, or else, of the campaign's senders that may take a
// batch now, the one with the most room in its next working days. Each
// sender's batches are sized by its own room, so the campaign's prospects
// spread over its senders in proportion to what each can safely send.
// When none can, the error gives each sender's reason.
func (p *Proposer) chooseSender(ctx context.Context, db *gorm.DB, name, sender string, n int, now time.Time) (sizedBatch, error) {
	cc, ok := p.cfg.Campaign(name)
	if sender != "" || !ok || len(cc.SenderNames()) <= 1 {
		return p.sizeFor(ctx, db, name, sender, n, now)
	}
	var best sizedBatch
	var errs []error
	for _, sender := range cc.SenderNames() {
		b, err := p.sizeFor(ctx, db, name, sender, n, now)
		if errors.Is(err, ErrCampaignPaused) {
			return sizedBatch{}, err
		}
		if err != nil {
			errs = append(errs, err) // a free sender's notes may have run out, too
			continue
		}
		if best.s == nil || b.room > best.room {
			best = b
		}
	}
	if best.s == nil {
		return sizedBatch{}, noSenderError(name, errs)
	}
	return best, nil
}

// sizeFor reads one sender's setup and sizes its batch; an error says why
// it may not take one now.
func (p *Proposer) sizeFor(ctx context.Context, db *gorm.DB, name, sender string, n int, now time.Time) (sizedBatch, error) {
	s, err := p.loadSetup(ctx, db, name, sender)
	if err != nil {
		return sizedBatch{}, err
	}
	if err := p.readyToPropose(ctx, db, s, models.ProposalInvites); err != nil {
		return sizedBatch{}, err
	}
	room, err := p.capacity(ctx, db, s, now)
	if err != nil {
		return sizedBatch{}, err
	}
	size, notes, err := p.batchSize(ctx, db, s, room, n, now)
	if err != nil {
		return sizedBatch{}, err
	}
	return sizedBatch{s: s, room: room, size: size, notes: notes}, nil
}

// noSenderError says why none of a campaign's senders can take a batch:
// each sender's reason, each kept for errors.Is and errors.As.
func noSenderError(name string, errs []error) error {
	format := "campaign: no sender of %s can take a batch now: " + strings.TrimSuffix(strings.Repeat("%w; ", len(errs)), "; ")
	args := []any{name}
	for _, err := range errs {
		args = append(args, err)
	}
	return fmt.Errorf(format, args...)
}

// readyToPropose refuses a campaign that may not be proposed for now: it
// is paused, its account is not active, or it already has an open
// proposal of the kind.
func (p *Proposer) readyToPropose(ctx context.Context, db *gorm.DB, s *campaignSetup, kind string) error {
	if s.campaign.State != models.CampaignActive {
		return fmt.Errorf("%w: %s was paused by %s; resume it to propose", ErrCampaignPaused, s.campaign.Name, s.campaign.PausedBy)
	}
	if s.account.State != models.AccountActive {
		return fmt.Errorf("%w: %s is %s (%s)", ErrAccountUnavailable, s.account.Name, s.account.State, s.account.StateReason)
	}
	return p.checkNoOpen(ctx, db, s, kind)
}

// batchSize is how many prospects the batch may hold: the account's room
// in its next working days (capacity), at most n (when above 0) and the
// campaign's batch_size, and, for a campaign that does not send without
// its note, at most the notes left this month. It returns the notes'
// budget too (left -1: no monthly limit applies).
func (p *Proposer) batchSize(ctx context.Context, db *gorm.DB, s *campaignSetup, room, n int, now time.Time) (int, noteBudget, error) {
	notes := noteBudget{left: -1}
	size := room
	if n > 0 {
		size = min(size, n)
	}
	if s.cfg.BatchSize > 0 {
		size = min(size, s.cfg.BatchSize)
	}
	if s.withoutNotes() || s.notesPerMonth() == config.Unlimited || !s.seq.Invites() {
		return size, notes, nil
	}
	left, month, err := p.notesLeft(ctx, db, s, now, 0, true)
	if err != nil {
		return 0, notes, err
	}
	notes = noteBudget{left: left, month: month}
	if notes.left >= 0 && !s.cfg.SendWithoutNote {
		if notes.left == 0 {
			return 0, notes, fmt.Errorf("%w: %s has used its %d notes for %s", ErrNoNotesLeft, s.account.Name, s.notesPerMonth(), notes.month)
		}
		size = min(size, notes.left)
	}
	return size, notes, nil
}

// pick returns the next prospects of the campaign's queue that may be
// proposed, at most size (selectCandidates says which may).
func (p *Proposer) pick(ctx context.Context, db *gorm.DB, s *campaignSetup, size int, now time.Time) ([]candidate, error) {
	live, err := p.liveCampaignIDs(ctx, db)
	if err != nil {
		return nil, err
	}
	senders, err := p.senderIDs(ctx, db, s)
	if err != nil {
		return nil, err
	}
	cands, err := p.selectCandidates(ctx, db, queueWalk{campaignID: s.campaign.ID, live: live, senders: senders, sender: s.account.ID}, now, size)
	if err != nil {
		return nil, err
	}
	if len(cands) == 0 {
		name := s.campaign.Name
		return nil, fmt.Errorf("%w: %s; import more prospects with `pacer import prospects FILE --campaign %s`", ErrQueueEmpty, name, name)
	}
	return cands, nil
}

// items renders and lints the note of each candidate, from the variant
// drawn for it. An item that does not keep its note (keepsNote: the
// month's notes ran short, see notesFor) goes without it, with a finding
// that says why, and without its variant: it is sent as no variant was, so
// it does not count in the comparison.
func (s *campaignSetup) items(cands []candidate, drawn []int, keepsNote []bool, notes noteBudget) []Item {
	items := make([]Item, len(cands))
	for i, c := range cands {
		v := s.variants[drawn[i]]
		note, _ := v.tmpl.Render(s.vars(c.Prospect))
		var findings []Finding
		switch {
		case !s.seq.Invites():
			note, v.name = "", "" // nothing sends a note
		case v.tmpl.IsEmpty():
			findings = Lint("", 0)
		case !keepsNote[i]:
			note, v.name = "", ""
			findings = []Finding{NotesPerMonthFinding(s.notesPerMonth(), notes.month)}
		default:
			findings = Lint(note, s.noteLimit())
		}
		items[i] = Item{
			ProposalItem: models.ProposalItem{
				EnrollmentID: c.EnrollmentID, ProspectID: c.Prospect.ID, Position: i + 1,
				Note: note, Variant: v.name, Lint: encodeFindings(findings), State: models.ItemProposed,
			},
			Prospect: c.Prospect,
			Findings: findings,
		}
	}
	return items
}

// storeBatch stores the batch as the campaign's open proposal, in tx: the
// proposal (errOpenRace when another was opened first), its prospects'
// enrollments marked proposed, the queue walked past to reach last moved
// on (passOver), and the items, whose ids it sets.
func (p *Proposer) storeBatch(tx *gorm.DB, s *campaignSetup, b *Batch, last candidate, now time.Time) error {
	if err := createProposal(tx, b); err != nil {
		return err
	}
	if err := markProposed(tx, b.Items, now); err != nil {
		return err
	}
	if err := passOver(tx, p.store.Dialect, s.campaign.ID, last.Priority, last.Position, now); err != nil {
		return err
	}
	return createItems(tx, b, now)
}

// storeItems stores a batch that moves no queue: its proposal and items.
func storeItems(tx *gorm.DB, b *Batch, now time.Time) error {
	if err := createProposal(tx, b); err != nil {
		return err
	}
	return createItems(tx, b, now)
}

// createProposal stores the batch's proposal: errOpenRace when another of
// its kind was opened first.
func createProposal(tx *gorm.DB, b *Batch) error {
	if err := tx.Create(&b.Proposal).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return errOpenRace
		}
		return fmt.Errorf("campaign: store the proposal: %w", err)
	}
	return nil
}

// createItems stores the batch's items and sets their ids.
func createItems(tx *gorm.DB, b *Batch, now time.Time) error {
	rows := make([]models.ProposalItem, len(b.Items))
	for i := range b.Items {
		b.Items[i].ProposalID = b.Proposal.ID
		b.Items[i].CreatedAt, b.Items[i].UpdatedAt = now.UTC(), now.UTC()
		rows[i] = b.Items[i].ProposalItem
	}
	if err := tx.CreateInBatches(&rows, 500).Error; err != nil {
		return fmt.Errorf("campaign: store the proposal's items: %w", err)
	}
	for i := range b.Items {
		b.Items[i].ID = rows[i].ID
	}
	return nil
}

// markProposed moves the items' enrollments from queued to proposed. One
// no longer queued (a concurrent proposer or decision took it) gives
// errConflict, and the proposal is picked again.
func markProposed(tx *gorm.DB, items []Item, now time.Time) error {
	ids := make([]int64, len(items))
	for i := range items {
		ids[i] = items[i].EnrollmentID
	}
	res := tx.Model(&models.Enrollment{}).Where("id IN ? AND state = ?", ids, models.EnrollmentQueued).
		Updates(map[string]any{"state": models.EnrollmentProposed, "updated_at": now.UTC()})
	if res.Error != nil {
		return fmt.Errorf("campaign: mark the proposed prospects: %w", res.Error)
	}
	if res.RowsAffected != int64(len(ids)) {
		return errConflict
	}
	return nil
}

// errOpenRace: another proposer stored an open proposal first.
var errOpenRace = errors.New("campaign: another proposal was opened first")

// checkNoOpen returns an *OpenProposalError when the campaign has an open
// proposal.
func (p *Proposer) checkNoOpen(ctx context.Context, db *gorm.DB, s *campaignSetup, kind string) error {
	var open models.Proposal
	err := db.WithContext(ctx).Where("campaign_id = ? AND kind = ? AND account_id = ? AND state = ?", s.campaign.ID, kind, s.account.ID, models.ProposalOpen).Take(&open).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return nil
	case err != nil:
		return fmt.Errorf("campaign: read open proposals: %w", err)
	}
	e := &OpenProposalError{Campaign: s.campaign.Name, ProposalID: open.ID, CreatedAt: open.CreatedAt}
	if len(s.cfg.SenderNames()) > 1 {
		e.Account = s.account.Name
	}
	return e
}

// sendsFrom is the earliest a batch proposed now can send: approved at once,
// after its undo window. The quota engine plays the account's queue from
// then, so the actions already approved (due before it) go first, as the
// runner will send them.
func sendsFrom(s *campaignSetup, now time.Time) time.Time {
	return now.Add(s.cfg.Undo())
}

// capacity is what the account can still take in its next working days: the
// quota engine's figure (net of scheduled actions), less the items of other
// campaigns' open proposals, which are not scheduled yet.
func (p *Proposer) capacity(ctx context.Context, db *gorm.DB, s *campaignSetup, now time.Time) (int, error) {
	c, err := p.quota.Capacity(ctx, s.account.ID, KindInvite, proposalDays, sendsFrom(s, now))
	if err != nil {
		return 0, fmt.Errorf("campaign: quota of %s: %w", s.account.Name, err)
	}
	var pending int64
	err = db.WithContext(ctx).Table("proposal_items").
		Joins("JOIN proposals ON proposals.id = proposal_items.proposal_id").
		Where("proposals.account_id = ? AND proposals.state = ? AND proposal_items.state = ?", s.account.ID, models.ProposalOpen, models.ItemProposed).
		Count(&pending).Error
	if err != nil {
		return 0, fmt.Errorf("campaign: count open proposals of %s: %w", s.account.Name, err)
	}
	c -= int(pending)
	if c <= 0 {
		return 0, fmt.Errorf("%w: %s (its next %d working days are planned; approve or wait for the queue to drain)", ErrNoCapacity, s.account.Name, proposalDays)
	}
	return c, nil
}

// noteBudget is what a free account's personalized notes allow: left
// notes in month, or left -1 when no monthly limit applies.
type noteBudget struct {
	left  int
	month string
}

// notesLeft counts the personalized notes a free account has left in the
// current calendar month of its timezone: the month's notes not yet used
// (from the quota engine when it counts them, else the invitations sent
// this month with a note, capped by LinkedIn's last reading), less the
// invitations scheduled with a note (whenever they go: when in doubt, count
// it) and, when openToo, the notes of open proposals other than exclude. It
// returns -1 when the plan has no monthly limit.
func (p *Proposer) notesLeft(ctx context.Context, db *gorm.DB, s *campaignSetup, now time.Time, exclude int64, openToo bool) (int, string, error) {
	loc := s.acct.Location()
	local := now.In(loc)
	monthStart := time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, loc).UTC()
	month := local.Format("January 2006")
	db = db.WithContext(ctx)
	withNote := func() *gorm.DB {
		return db.Model(&models.Action{}).Where("account_id = ? AND kind = ? AND note <> ''", s.account.ID, models.ActionInvite)
	}
	unused := s.notesPerMonth()
	var scheduled int64
	if nc, ok := p.quota.(NotesCounter); ok {
		left, err := nc.NotesLeft(ctx, s.account.ID, now)
		if err != nil {
			return 0, month, fmt.Errorf("campaign: notes left of %s: %w", s.account.Name, err)
		}
		if left < 0 {
			return -1, month, nil
		}
		unused = left
		// In-flight invitations holding a reservation are in the engine's
		// count already.
		err = withNote().Where("state = ? OR (state = ? AND reservation_id IS NULL)", models.ActionScheduled, models.ActionInFlight).Count(&scheduled).Error
		if err != nil {
			return 0, month, fmt.Errorf("campaign: count notes scheduled: %w", err)
		}
	} else {
		var sent int64
		if err := withNote().Where("state = ? AND finished_at >= ?", models.ActionDone, monthStart).Count(&sent).Error; err != nil {
			return 0, month, fmt.Errorf("campaign: count notes sent: %w", err)
		}
		unused -= int(sent)
		if s.account.NotesLeft != nil && s.account.NotesLeftMonth == local.Format("2006-01") {
			unused = min(unused, *s.account.NotesLeft)
		}
		if err := withNote().Where("state IN ?", []string{models.ActionScheduled, models.ActionInFlight}).Count(&scheduled).Error; err != nil {
			return 0, month, fmt.Errorf("campaign: count notes scheduled: %w", err)
		}
	}
	var open int64
	if openToo {
		err := db.Table("proposal_items").
			Joins("JOIN proposals ON proposals.id = proposal_items.proposal_id").
			Where("proposals.account_id = ? AND proposals.state = ? AND proposals.id <> ? AND proposal_items.state = ? AND proposal_items.note <> ''",
				s.account.ID, models.ProposalOpen, exclude, models.ItemProposed).
			Count(&open).Error
		if err != nil {
			return 0, month, fmt.Errorf("campaign: count notes proposed: %w", err)
		}
	}
	return max(unused-int(scheduled+open), 0), month, nil
}

// liveCampaignIDs are the campaigns whose queues hold their prospects: active
// and still in the configuration. A prospect queued in one of them first is
// not proposed by another.
func (p *Proposer) liveCampaignIDs(ctx context.Context, db *gorm.DB) ([]int64, error) {
	names := make([]string, len(p.cfg.Campaigns))
	for i, c := range p.cfg.Campaigns {
		names[i] = c.Name
	}
	var ids []int64
	err := db.WithContext(ctx).Model(&models.Campaign{}).Where("name IN ? AND state = ?", names, models.CampaignActive).Pluck("id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("campaign: read live campaigns: %w", err)
	}
	return ids, nil
}

// senderIDs are the account ids of the campaign's senders a prospect they
// touched first stays with: all but those stopped (restricted, or waiting
// for a person), whose prospects the others take on (see Rehome).
func (p *Proposer) senderIDs(ctx context.Context, db *gorm.DB, s *campaignSetup) ([]int64, error) {
	var ids []int64
	err := db.WithContext(ctx).Model(&models.Account{}).Where("name IN ? AND state NOT IN ?", s.cfg.SenderNames(), stoppedStates).
		Pluck("id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("campaign: read the senders of %s: %w", s.campaign.Name, err)
	}
	return ids, nil
}

// candidate is an enrollment the proposer may propose.
type candidate struct {
	EnrollmentID int64
	Priority     int
	Position     int64
	Prospect     models.Prospect
}

// passOver deals with the queued enrollments the proposer walked past to
// reach the batch's last prospect: every one of them could not be proposed.
// Those whose prospect is connected or unavailable leave the queue for good
// (skipped); the others (pending, recently withdrawn, suppressed, held by
// another campaign) move one priority step back. Either way the next
// proposal does not walk over them again, and a prospect who becomes
// eligible again is proposed, a little later. (A walk that found too few
// passes its whole window over: selectCandidates.)
func passOver(tx *gorm.DB, dialect string, campaignID int64, priority int, position int64, now time.Time) error {
	return moveBack(tx, dialect, campaignID, priority, position, false, nil, now)
}

// candidateSQL walks the head of the campaign's queue, its first
// walkWindow enrollments read along the index enrollments_next
// (campaign_id, state, priority, position), and stops at the limit: the
// filters are per-row lookups on primary keys and unique indexes, so the
// cost grows with the rows skipped, never past the window, not with the
// size of the campaign. Its suppression filter is the negation of
// models.SuppressedSQL, written as one anti-join per kind so that each stays
// an index lookup. Two filters share the campaign among its senders:
// nobody connected to any account of the team (account_connections), and
// nobody another of the campaign's senders touched first (their earliest
// action): a prospect stays with one sender.
const candidateSQL = `SELECT e.id AS enrollment_id, e.priority, e.position, p.id, p.slug, p.profile_url, p.first_name, p.last_name,
	p.company, p.title, p.email, p.email_domain, p.vars, p.state
FROM (SELECT id, campaign_id, prospect_id, priority, position FROM enrollments
	WHERE campaign_id = ? AND state = 'queued' ORDER BY priority, position LIMIT ?) e
JOIN prospects p ON p.id = e.prospect_id
WHERE (p.state = 'new' OR (p.state = 'withdrawn' AND p.withdrawn_at <= ?))
	AND NOT EXISTS (SELECT 1 FROM enrollments o WHERE o.prospect_id = e.prospect_id AND o.campaign_id <> e.campaign_id
		AND (o.state IN ('proposed', 'approved') OR (o.state = 'queued' AND o.id < e.id AND o.campaign_id IN ?)))
	AND NOT EXISTS (SELECT 1 FROM suppressions s WHERE s.kind = 'slug' AND s.value = p.slug)
	AND (p.email = '' OR NOT EXISTS (SELECT 1 FROM suppressions s WHERE s.kind = 'email' AND s.value = p.email))
	AND (p.email_domain = '' OR NOT EXISTS (SELECT 1 FROM suppressions s WHERE s.kind = 'domain'
		AND (s.value = p.email_domain OR p.email_domain LIKE '%.' || s.value)))
	AND NOT EXISTS (SELECT 1 FROM account_connections k WHERE k.slug = p.slug)
	AND COALESCE((SELECT a.account_id FROM actions a WHERE a.prospect_id = p.id AND a.account_id IN ? AND a.state <> 'canceled'
		ORDER BY a.id LIMIT 1), ?) = ?
ORDER BY e.priority, e.position
LIMIT ?`

// queueWalk is what selectCandidates needs to walk one sender's queue.
type queueWalk struct {
	campaignID int64
	// live are the campaigns whose queues hold their prospects
	// (liveCampaignIDs).
	live []int64
	// senders are the campaign's sending accounts a prospect they touched
	// first stays with (senderIDs), sender the one the batch is for.
	senders []int64
	sender  int64
}

// walkCandidates runs candidateSQL over the first window enrollments of the
// campaign's queue, for the walk's sender.
func walkCandidates(ctx context.Context, db *gorm.DB, q queueWalk, now time.Time, window, limit int) ([]candidate, error) {
	rows, err := db.WithContext(ctx).Raw(candidateSQL, q.campaignID, window, now.Add(-reinviteAfter).UTC(), q.live, q.senders, q.sender, q.sender, limit).Rows()
	if err != nil {
		return nil, fmt.Errorf("campaign: pick prospects: %w", err)
	}
	defer rows.Close()
	var out []candidate
	for rows.Next() {
		var c candidate
		pr := &c.Prospect
		if err := rows.Scan(&c.EnrollmentID, &c.Priority, &c.Position, &pr.ID, &pr.Slug, &pr.ProfileURL, &pr.FirstName, &pr.LastName,
			&pr.Company, &pr.Title, &pr.Email, &pr.EmailDomain, &pr.Vars, &pr.State); err != nil {
			return nil, fmt.Errorf("campaign: pick prospects: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("campaign: pick prospects: %w", err)
	}
	return out, nil
}

func encodeFindings(f []Finding) string {
	if len(f) == 0 {
		return "[]"
	}
	b, err := json.Marshal(f)
	if err != nil {
		return "[]"
	}
	return string(b)
}

func decodeFindings(s string) []Finding {
	var f []Finding
	_ = json.Unmarshal([]byte(s), &f) // a malformed column reads as no findings
	return f
}

// Load reads a proposal with its items, for the bot to render.
func (p *Proposer) Load(ctx context.Context, proposalID int64) (*Batch, error) {
	return p.load(ctx, p.store.DB.WithContext(ctx), proposalID)
}

func (p *Proposer) load(ctx context.Context, db *gorm.DB, proposalID int64) (*Batch, error) {
	db = db.WithContext(ctx)
	b := &Batch{}
	if err := db.Take(&b.Proposal, proposalID).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, fmt.Errorf("%w: proposal #%d", ErrNotFound, proposalID)
		}
		return nil, fmt.Errorf("campaign: read proposal #%d: %w", proposalID, err)
	}
	var names struct{ Campaign, Account string }
	err := db.Raw(`SELECT c.name AS campaign, a.name AS account FROM campaigns c JOIN accounts a ON a.id = ? WHERE c.id = ?`,
		b.Proposal.AccountID, b.Proposal.CampaignID).Scan(&names).Error
	if err != nil {
		return nil, fmt.Errorf("campaign: read proposal #%d: %w", proposalID, err)
	}
	b.Campaign, b.Account = names.Campaign, names.Account
	var items []models.ProposalItem
	if err := db.Where("proposal_id = ?", proposalID).Order("position").Find(&items).Error; err != nil {
		return nil, fmt.Errorf("campaign: read proposal #%d: %w", proposalID, err)
	}
	ids := make([]int64, len(items))
	for i, it := range items {
		ids[i] = it.ProspectID
	}
	var prospects []models.Prospect
	if err := db.Where("id IN ?", ids).Find(&prospects).Error; err != nil {
		return nil, fmt.Errorf("campaign: read proposal #%d: %w", proposalID, err)
	}
	byID := make(map[int64]models.Prospect, len(prospects))
	for _, pr := range prospects {
		byID[pr.ID] = pr
	}
	b.Items = make([]Item, len(items))
	for i, it := range items {
		b.Items[i] = Item{ProposalItem: it, Prospect: byID[it.ProspectID], Findings: decodeFindings(it.Lint)}
	}
	return b, nil
}
