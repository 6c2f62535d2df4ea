package hunter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/pacerhq/pacer/integrations/finder"
	"github.com/pacerhq/pacer/integrations/httpclient"
	"github.com/pacerhq/pacer/pacertype"
)

// DefaultBaseURL is Hunter's API (HUNTER_API_URL overrides it).
const DefaultBaseURL = "https://api.hunter.io"

// RateLimitWait is how long to wait after a 403: Hunter limits requests
// per second and per minute, and gives no Retry-After.
const RateLimitWait = time.Minute

// Settings configure the client.
type Settings struct {
	// APIKey is Hunter's API key (HUNTER_API_KEY).
	APIKey string
	// BaseURL is the API's base URL (HUNTER_API_URL); DefaultBaseURL when
	// empty.
	BaseURL string
	// MinScore is the lowest confidence score (0–100) accepted; a lower one
	// counts as not found. 0 accepts every email Hunter returns.
	MinScore int
	// Options are the HTTP client's: MaxAttempts counts the attempts per
	// search for 5xx and network errors; Timeout is 30 s when zero (Hunter
	// may take up to 20 s to verify an address); the others have
	// httpclient's defaults.
	httpclient.Options
}

// ErrNoAPIKey is returned by NewClient without a key.
var ErrNoAPIKey = errors.New("hunter: HUNTER_API_KEY is required to use the hunter email finder: copy it from https://hunter.io/api-keys")

// Client is the Hunter provider. It is safe for concurrent use.
type Client struct {
	key      string
	baseURL  string
	minScore int
	now      func() time.Time
	log      *slog.Logger
	http     *httpclient.Client

	mu          sync.Mutex
	pausedUntil time.Time
}

// NewClient returns a Hunter client.
func NewClient(s Settings) (*Client, error) {
	if strings.TrimSpace(s.APIKey) == "" {
		return nil, ErrNoAPIKey
	}
	if s.BaseURL == "" {
		s.BaseURL = DefaultBaseURL
	}
	if !strings.HasPrefix(s.BaseURL, "https://") && !strings.HasPrefix(s.BaseURL, "http://") {
		return nil, fmt.Errorf("hunter: HUNTER_API_URL %s must start with https://", httpclient.Redact(s.BaseURL))
	}
	if s.Timeout <= 0 {
		s.Timeout = 30 * time.Second
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	return &Client{
		key:      s.APIKey,
		baseURL:  strings.TrimRight(s.BaseURL, "/"),
		minScore: s.MinScore,
		now:      s.Now,
		log:      s.Logger,
		http: httpclient.New(httpclient.Policy{
			Options:           s.Options,
			Name:              pacertype.FinderHunter,
			ReturnRateLimited: true, // 429 is the monthly quota: no retry helps
		}),
	}, nil
}

// Name returns pacertype.FinderHunter.
func (*Client) Name() string { return pacertype.FinderHunter }

// Result is what Hunter found.
type Result struct {
	// Email is the address.
	Email string
	// Score is Hunter's confidence, 0 to 100.
	Score int
	// Verification is Hunter's verification status ("valid",
	// "accept_all", "unknown", …), when given.
	Verification string
}

// response is Hunter's email-finder answer.
type response struct {
	Data struct {
		FirstName    string  `json:"first_name"`
		LastName     string  `json:"last_name"`
		Email        *string `json:"email"`
		Score        *int    `json:"score"`
		Domain       string  `json:"domain"`
		AcceptAll    bool    `json:"accept_all"`
		Position     *string `json:"position"`
		Company      *string `json:"company"`
		Verification *struct {
			Date   *string `json:"date"`
			Status *string `json:"status"`
		} `json:"verification"`
	} `json:"data"`
	Meta struct {
		Params map[string]any `json:"params"`
	} `json:"meta"`
}

// errorResponse is Hunter's error answer.
type errorResponse struct {
	Errors []struct {
		ID      string `json:"id"`
		Code    int    `json:"code"`
		Details string `json:"details"`
	} `json:"errors"`
}

// FindEmail returns p's email, found by name and company domain (or
// company name). It implements finder.Provider.
func (c *Client) FindEmail(ctx context.Context, p finder.Person) (string, error) {
	r, err := c.Find(ctx, p)
	if err != nil {
		return "", err
	}
	return r.Email, nil
}

// Find asks Hunter for p's email, with its score.
func (c *Client) Find(ctx context.Context, p finder.Person) (*Result, error) {
	if at := c.paused(); !at.IsZero() {
		return nil, c.err(0, "", "the month's searches are spent; paused until the quota renews", at, nil, finder.ErrQuotaExhausted)
	}
	q := url.Values{}
	switch {
	case p.Domain != "":
		q.Set("domain", p.Domain)
	case p.Company != "":
		q.Set("company", p.Company)
	default:
		return nil, c.err(0, "", "the company's domain or name is required", time.Time{}, nil, finder.ErrRejected)
	}
	if strings.TrimSpace(p.FirstName) == "" || strings.TrimSpace(p.LastName) == "" {
		return nil, c.err(0, "", "the first and last names are required", time.Time{}, nil, finder.ErrRejected)
	}
	q.Set("first_name", strings.TrimSpace(p.FirstName))
	q.Set("last_name", strings.TrimSpace(p.LastName))
	q.Set("api_key", c.key)
	req, err := http.NewRequest(http.MethodGet, c.baseURL+"/v2/email-finder?"+q.Encode(), nil)
	if err != nil {
		return nil, c.err(0, "", "build request for "+httpclient.Redact(c.baseURL), time.Time{}, nil, finder.ErrRejected)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(ctx, req)
	if err != nil {
		return nil, c.err(0, "", "", time.Time{}, err, finder.ErrTemporary)
	}
	raw, err := httpclient.ReadBody(resp, 1<<20)
	if err != nil {
		return nil, c.err(resp.StatusCode, "", "", time.Time{}, err, finder.ErrTemporary)
	}
	if resp.StatusCode == http.StatusOK {
		var out response
		if err := json.Unmarshal(raw, &out); err != nil {
			return nil, c.err(resp.StatusCode, "", "undecodable answer", time.Time{}, err, finder.ErrTemporary)
		}
		return c.result(p, out)
	}
	return nil, c.errorFor(resp, raw)
}

func (c *Client) result(p finder.Person, out response) (*Result, error) {
	d := out.Data
	if d.Email == nil || *d.Email == "" {
		return nil, c.err(http.StatusOK, "", "no email for "+p.FirstName+" "+p.LastName, time.Time{}, nil, finder.ErrNotFound)
	}
	r := &Result{Email: *d.Email}
	if d.Score != nil {
		r.Score = *d.Score
	}
	if d.Verification != nil && d.Verification.Status != nil {
		r.Verification = *d.Verification.Status
	}
	if r.Score < c.minScore {
		return nil, c.err(http.StatusOK, "", fmt.Sprintf("score %d below the minimum %d", r.Score, c.minScore), time.Time{}, nil, finder.ErrNotFound)
	}
	return r, nil
}

// errorFor classifies an error answer.
func (c *Client) errorFor(resp *http.Response, raw []byte) error {
	var er errorResponse
	id, msg := "", http.StatusText(resp.StatusCode)
	if json.Unmarshal(raw, &er) == nil && len(er.Errors) > 0 {
		id, msg = er.Errors[0].ID, er.Errors[0].Details
	}
	now := c.now()
	switch code := resp.StatusCode; {
	case code == http.StatusTooManyRequests:
		at := finder.NextMonth(now)
		c.pause(at)
		c.log.LogAttrs(context.Background(), slog.LevelWarn, "hunter quota exhausted", slog.Time("paused_until", at))
		return c.err(code, id, msg, at, nil, finder.ErrQuotaExhausted)
	case code == http.StatusForbidden:
		wait, ok := httpclient.RetryAfter(resp.Header, now)
		if !ok {
			wait = RateLimitWait
		}
		return c.err(code, id, msg, now.Add(wait), nil, finder.ErrRateLimited)
	case code == http.StatusUnauthorized:
		return c.err(code, id, msg+": check HUNTER_API_KEY", time.Time{}, nil, finder.ErrUnauthorized)
	case code == http.StatusUnprocessableEntity || code == http.StatusUnavailableForLegalReasons:
		// 422: nothing Hunter can search for (an unusable domain); 451: the
		// person asked Hunter not to process their data. Never retried.
		return c.err(code, id, msg, time.Time{}, nil, finder.ErrNotFound)
	case code == 222 || code >= 500 || code == http.StatusRequestTimeout:
		return c.err(code, id, msg, time.Time{}, nil, finder.ErrTemporary)
	}
	return c.err(resp.StatusCode, id, msg, time.Time{}, nil, finder.ErrRejected)
}

// err builds an error, scrubbing the key from anything Hunter sent back.
func (c *Client) err(status int, id, msg string, at time.Time, cause error, kind error) *finder.Error {
	e := finder.NewError(c.Name(), kind, strings.ReplaceAll(msg, c.key, "[key]"), at, cause)
	e.StatusCode, e.Code = status, id
	return e
}

func (c *Client) paused() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.now().Before(c.pausedUntil) {
		return c.pausedUntil
	}
	return time.Time{}
}

func (c *Client) pause(until time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pausedUntil = until
}

var _ finder.Provider = (*Client)(nil)
