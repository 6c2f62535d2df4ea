package hubspot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/pacerhq/pacer/integrations/httpclient"
)

// Defaults for the fields of Settings left at zero.
const (
	// DefaultBaseURL is HubSpot's API (HUBSPOT_API_URL overrides it).
	DefaultBaseURL = "https://api.hubapi.com"
	// DefaultProfileURLProperty is the contact property that holds the
	// LinkedIn profile URL. The name is Pacer's own, so that it cannot
	// collide with a property another tool created without unique values.
	DefaultProfileURLProperty = "pacer_linkedin_profile_url"
	// DefaultRequestsPerWindow and DefaultWindow are the burst limit of a
	// private app on HubSpot Free and Starter. Professional and Enterprise
	// portals allow 190; the limit is shared by every app of the portal.
	DefaultRequestsPerWindow = 100
	DefaultWindow            = 10 * time.Second
	// DefaultTimeout bounds one attempt.
	DefaultTimeout = 30 * time.Second
	// DefaultMaxInlineWait is the longest rate-limit wait SyncContacts sleeps
	// through; a longer one ends the sync with a *RateLimitError.
	DefaultMaxInlineWait = time.Minute
)

// Settings configure the client.
type Settings struct {
	// Token is the private app's access token (HUBSPOT_TOKEN).
	Token string
	// BaseURL is the API's base URL (HUBSPOT_API_URL); DefaultBaseURL when
	// empty.
	BaseURL string
	// ProfileURLProperty names the contact property holding the LinkedIn
	// profile URL; DefaultProfileURLProperty when empty.
	ProfileURLProperty string
	// RequestsPerWindow paces the client under HubSpot's burst limit
	// (DefaultRequestsPerWindow when zero; negative disables pacing).
	RequestsPerWindow int
	// Window is the burst limit's rolling window (DefaultWindow when zero),
	// and the shortest wait after a TEN_SECONDLY_ROLLING 429.
	Window time.Duration
	// DailyResetLocation is where HubSpot's daily limit resets at midnight:
	// the portal's time zone. UTC when nil.
	DailyResetLocation *time.Location
	// MaxInlineWait is the longest rate-limit wait SyncContacts sleeps
	// through (DefaultMaxInlineWait when zero).
	MaxInlineWait time.Duration
	// Options are the HTTP client's: MaxAttempts counts the attempts per
	// call for 5xx and network errors; Timeout is DefaultTimeout when zero;
	// the others have httpclient's defaults.
	httpclient.Options
}

// ErrNoToken is returned by NewClient without a token.
var ErrNoToken = errors.New("hubspot: HUBSPOT_TOKEN is required: create a private app in HubSpot (Settings → Integrations → Private Apps) with the crm.objects.contacts and crm.schemas.contacts scopes, and set its access token")

// Client calls HubSpot's CRM API. It is safe for concurrent use.
type Client struct {
	token    string
	baseURL  string
	property string
	window   time.Duration
	loc      *time.Location
	maxWait  time.Duration
	now      func() time.Time
	log      *slog.Logger
	http     *httpclient.Client
	limiter  *limiter
}

// NewClient returns a client for the settings.
func NewClient(s Settings) (*Client, error) {
	if strings.TrimSpace(s.Token) == "" {
		return nil, ErrNoToken
	}
	if s.BaseURL == "" {
		s.BaseURL = DefaultBaseURL
	}
	if err := checkBaseURL(s.BaseURL); err != nil {
		return nil, err
	}
	if s.ProfileURLProperty == "" {
		s.ProfileURLProperty = DefaultProfileURLProperty
	}
	if s.RequestsPerWindow == 0 {
		s.RequestsPerWindow = DefaultRequestsPerWindow
	}
	if s.Window <= 0 {
		s.Window = DefaultWindow
	}
	if s.DailyResetLocation == nil {
		s.DailyResetLocation = time.UTC
	}
	if s.MaxInlineWait <= 0 {
		s.MaxInlineWait = DefaultMaxInlineWait
	}
	if s.Timeout <= 0 {
		s.Timeout = DefaultTimeout
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	return &Client{
		token:    s.Token,
		baseURL:  strings.TrimRight(s.BaseURL, "/"),
		property: s.ProfileURLProperty,
		window:   s.Window,
		loc:      s.DailyResetLocation,
		maxWait:  s.MaxInlineWait,
		now:      s.Now,
		log:      s.Logger,
		limiter:  newLimiter(s.RequestsPerWindow, s.Window, s.Now),
		http: httpclient.New(httpclient.Policy{
			Options:           s.Options,
			Name:              "hubspot", // the destination as deliveries name it (models.DestinationHubSpot)
			ReturnRateLimited: true,      // the policyName decides the wait, not a Retry-After
		}),
	}, nil
}

func checkBaseURL(raw string) error {
	if !strings.HasPrefix(raw, "https://") && !strings.HasPrefix(raw, "http://") {
		return fmt.Errorf("hubspot: HUBSPOT_API_URL %s must start with https://", httpclient.Redact(raw))
	}
	return nil
}

// ProfileURLProperty returns the name of the profile-URL contact property.
func (c *Client) ProfileURLProperty() string { return c.property }

// call describes one API call.
type call struct {
	op         string // for errors and logs
	method     string
	path       string
	in, out    any
	idempotent bool // safe to repeat after the request may have arrived
}

// apiError is HubSpot's error body.
type apiError struct {
	Status        string            `json:"status"`
	Message       string            `json:"message"`
	CorrelationID string            `json:"correlationId"`
	Category      string            `json:"category"`
	SubCategory   any               `json:"subCategory,omitempty"`
	ErrorType     string            `json:"errorType"`
	PolicyName    string            `json:"policyName"`
	Context       map[string]any    `json:"context,omitempty"`
	Errors        []apiErrorDetail  `json:"errors,omitempty"`
	Links         map[string]string `json:"links,omitempty"`
}

type apiErrorDetail struct {
	Message string `json:"message"`
	Code    string `json:"code"`
	In      string `json:"in"`
}

// do makes the call and decodes a 2xx answer into c.out. It returns the
// status, or an *Error or *RateLimitError.
func (c *Client) do(ctx context.Context, cl call) (int, error) {
	if cl.method == http.MethodGet {
		cl.idempotent = true
	}
	var body []byte
	if cl.in != nil {
		var err error
		if body, err = json.Marshal(cl.in); err != nil {
			return 0, &Error{Op: cl.op, Message: "encode request: " + err.Error(), kind: ErrRejected}
		}
	}
	req, err := http.NewRequest(cl.method, c.baseURL+cl.path, bytes.NewReader(body))
	if err != nil {
		return 0, &Error{Op: cl.op, Message: "build request for " + httpclient.Redact(c.baseURL), kind: ErrRejected}
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if cl.in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if cl.idempotent {
		ctx = httpclient.WithIdempotent(ctx)
	}
	if err := c.limiter.wait(ctx, c.maxWait); err != nil {
		var rl *RateLimitError
		if errors.As(err, &rl) {
			rl.Op = cl.op + " (not sent: still rate limited)"
			return 0, rl
		}
		return 0, &Error{Op: cl.op, Err: err, kind: ErrTemporary}
	}
	resp, err := c.http.Do(ctx, req)
	c.limiter.done()
	if err != nil {
		kind := ErrTemporary
		var re *httpclient.RequestError
		if !cl.idempotent && !(errors.As(err, &re) && re.NotSent()) {
			kind = ErrOutcomeUnknown
		}
		return 0, &Error{Op: cl.op, Err: err, kind: kind}
	}
	c.limiter.observe(resp.Header)
	raw, err := httpclient.ReadBody(resp, 8<<20)
	if err != nil {
		kind := ErrTemporary
		if !cl.idempotent {
			kind = ErrOutcomeUnknown
		}
		return resp.StatusCode, &Error{Op: cl.op, StatusCode: resp.StatusCode, Err: err, kind: kind}
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if cl.out != nil && len(raw) > 0 {
			if err := json.Unmarshal(raw, cl.out); err != nil {
				return resp.StatusCode, &Error{Op: cl.op, StatusCode: resp.StatusCode, Message: "decode answer: " + err.Error(), kind: ErrTemporary}
			}
		}
		return resp.StatusCode, nil
	}
	return resp.StatusCode, c.errorFor(cl, resp, raw)
}

// errorFor turns a non-2xx answer into an error.
func (c *Client) errorFor(cl call, resp *http.Response, raw []byte) error {
	var ae apiError
	if json.Unmarshal(raw, &ae) != nil || (ae.Message == "" && ae.Category == "") {
		ae = apiError{Message: http.StatusText(resp.StatusCode)}
	}
	ae.Message = c.scrub(ae.Message)
	now := c.now()
	if resp.StatusCode == http.StatusTooManyRequests {
		retryAfter, _ := httpclient.RetryAfter(resp.Header, now)
		wait := rateLimitWait(ae.PolicyName, resp.Header, min(retryAfter, 24*time.Hour), now, c.window, c.loc)
		e := &RateLimitError{Op: cl.op, Policy: ae.PolicyName, Message: ae.Message, Wait: wait, At: now.Add(wait),
			Remaining: headerInt(resp.Header, headerRemaining), DailyRemaining: headerInt(resp.Header, headerDailyRemaining),
			Interval: time.Duration(max(headerInt(resp.Header, headerInterval), 0)) * time.Millisecond}
		c.limiter.block(e.At, e)
		c.log.LogAttrs(context.Background(), slog.LevelWarn, "hubspot rate limited",
			slog.String("op", cl.op), slog.String("policy", e.Policy), slog.Duration("wait", wait))
		return e
	}
	e := &Error{Op: cl.op, StatusCode: resp.StatusCode, Category: ae.Category, Message: ae.Message, CorrelationID: ae.CorrelationID,
		ExistingID: existingContactID(ae.Message), named: contextLists(ae.Context)}
	if len(ae.Errors) > 0 {
		e.Code = ae.Errors[0].Code
	}
	switch code := resp.StatusCode; {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		e.kind = ErrUnauthorized
	case code == http.StatusNotFound:
		e.kind = ErrNotFound
	case code == http.StatusConflict:
		e.kind = ErrConflict
	case code >= 500:
		e.kind = ErrTemporary
		if !cl.idempotent {
			e.kind = ErrOutcomeUnknown
		}
	case code == http.StatusRequestTimeout:
		e.kind = ErrTemporary
	default:
		e.kind = ErrRejected
	}
	return e
}

// scrub removes the token from text HubSpot sent back.
func (c *Client) scrub(s string) string {
	if c.token == "" {
		return s
	}
	return strings.ReplaceAll(s, c.token, "[token]")
}
