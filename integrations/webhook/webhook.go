package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/pacerhq/pacer/integrations"
	"github.com/pacerhq/pacer/integrations/httpclient"
	"github.com/pacerhq/pacer/pacertype"
)

// DefaultTimeout bounds one delivery attempt.
const DefaultTimeout = 15 * time.Second

// Delivery errors. Classify them with integrations.Classify, or:
var (
	// ErrGone means the endpoint answered 410 Gone: disable it and alert.
	// It matches integrations.ErrGone.
	ErrGone = integrations.NewSentinel("webhook: endpoint answered 410 Gone", integrations.ErrGone)
	// ErrNotDelivered means any other failure (a non-2xx answer, a
	// timeout, a refused connection): retry on the RetryDelay schedule.
	ErrNotDelivered = errors.New("webhook: not delivered")
)

// Settings configure the client of one endpoint.
type Settings struct {
	// Name is the endpoint's name in configuration; errors and logs use it.
	Name string
	// URL is the endpoint URL; see ValidateURL.
	URL string
	// Secret is the signing secret, "whsec_<base64>".
	Secret string
	// Options are the HTTP client's: Timeout bounds an attempt
	// (DefaultTimeout when zero); MaxAttempts is 1 when zero, because the
	// delivery job retries, on the RetryDelay schedule; Now also gives the
	// signing time.
	httpclient.Options
}

// Client delivers events to one endpoint. It is safe for concurrent use.
type Client struct {
	name   string
	url    string
	secret string
	now    func() time.Time
	log    *slog.Logger
	http   *httpclient.Client
}

// NewClient checks the endpoint's URL and secret and returns its client.
// Errors name the endpoint and show the URL redacted; they match
// integrations.ErrPermanent.
func NewClient(s Settings) (*Client, error) {
	if err := ValidateURL(s.URL); err != nil {
		return nil, endpointError(s.Name, err)
	}
	if _, err := decodeSecret(s.Secret); err != nil {
		return nil, endpointError(s.Name, err)
	}
	if s.Timeout <= 0 {
		s.Timeout = DefaultTimeout
	}
	if s.MaxAttempts <= 0 {
		s.MaxAttempts = 1
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	return &Client{
		name:   s.Name,
		url:    s.URL,
		secret: s.Secret,
		now:    s.Now,
		log:    s.Logger,
		http: httpclient.New(httpclient.Policy{
			Options:     s.Options,
			Name:        "webhook:" + s.Name, // the destination as deliveries name it (models.WebhookDestination)
			NoRedirects: true,
		}),
	}, nil
}

// Message is the body of a delivery.
type Message struct {
	// Type is the event type.
	Type pacertype.EventType `json:"type"`
	// Timestamp is when the event happened.
	Timestamp time.Time `json:"timestamp"`
	// Data is the event's payload.
	Data integrations.Payload `json:"data"`
}

// Body returns the JSON body delivered for e.
func Body(e integrations.Event) ([]byte, error) {
	b, err := json.Marshal(Message{Type: e.Type, Timestamp: e.Timestamp, Data: e.Data})
	if err != nil {
		return nil, fmt.Errorf("webhook: encode %s event %s: %w", e.Type, e.ID, err)
	}
	return b, nil
}

// Result describes a successful delivery.
type Result struct {
	// StatusCode is the receiver's 2xx status.
	StatusCode int
	// Duration is how long the attempt took.
	Duration time.Duration
}

// Deliver makes one delivery attempt of e, signed now. The error is a
// *DeliveryError matching ErrGone (disable the endpoint) or ErrNotDelivered
// (retry after RetryDelay), or an encoding error matching
// integrations.ErrPermanent.
func (c *Client) Deliver(ctx context.Context, e integrations.Event) (Result, error) {
	body, err := Body(e)
	if err != nil {
		return Result{}, fmt.Errorf("%w: %w", integrations.ErrPermanent, err)
	}
	now := c.now()
	sig, err := Sign(c.secret, e.ID, now, body)
	if err != nil {
		return Result{}, endpointError(c.name, err)
	}
	req, err := http.NewRequest(http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return Result{}, endpointError(c.name, fmt.Errorf("%w: %s", ErrInvalidURL, httpclient.Redact(c.url)))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderID, e.ID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(HeaderSignature, sig)

	start := time.Now()
	resp, err := c.http.Do(ctx, req)
	elapsed := time.Since(start)
	if err != nil {
		return Result{}, &DeliveryError{Endpoint: c.name, URL: httpclient.Redact(c.url), EventID: e.ID, Err: err, kind: ErrNotDelivered}
	}
	snippet, _ := httpclient.ReadBody(resp, 512)
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		c.log.LogAttrs(ctx, slog.LevelDebug, "webhook delivered",
			slog.String("endpoint", c.name), slog.String("event_id", e.ID),
			slog.String("type", string(e.Type)), slog.Int("status", resp.StatusCode))
		return Result{StatusCode: resp.StatusCode, Duration: elapsed}, nil
	}
	de := &DeliveryError{Endpoint: c.name, URL: httpclient.Redact(c.url), EventID: e.ID,
		StatusCode: resp.StatusCode, Body: string(snippet), kind: ErrNotDelivered}
	if resp.StatusCode == http.StatusGone {
		de.kind = ErrGone
	}
	if d, ok := httpclient.RetryAfter(resp.Header, now); ok {
		de.RetryAfter = min(d, MaxRetryAfter)
	}
	c.log.LogAttrs(ctx, slog.LevelInfo, "webhook not delivered",
		slog.String("endpoint", c.name), slog.String("event_id", e.ID),
		slog.String("type", string(e.Type)), slog.Int("status", resp.StatusCode))
	return Result{}, de
}

// DeliveryError is a failed delivery attempt.
type DeliveryError struct {
	// Endpoint is the endpoint's name.
	Endpoint string
	// URL is the endpoint URL redacted to scheme://host/….
	URL string
	// EventID is the delivered event (the webhook-id).
	EventID string
	// StatusCode is the receiver's answer, 0 when there was none.
	StatusCode int
	// RetryAfter is the receiver's Retry-After, capped at MaxRetryAfter; pass
	// it to RetryDelay.
	RetryAfter time.Duration
	// Body is the beginning of the receiver's answer, for
	// `pacer deliveries list`.
	Body string
	// Err is the transport error when there was no answer.
	Err error

	kind error
}

// Error describes the failure without the URL's path or query.
func (e *DeliveryError) Error() string {
	prefix := fmt.Sprintf("webhook: endpoint %q (%s): event %s", e.Endpoint, e.URL, e.EventID)
	switch {
	case e.Err != nil:
		return fmt.Sprintf("%s: no answer: %v", prefix, e.Err)
	case e.StatusCode == http.StatusGone:
		return fmt.Sprintf("%s: answered 410 Gone: the receiver asks to be disabled", prefix)
	case e.StatusCode >= 300 && e.StatusCode < 400:
		return fmt.Sprintf("%s: answered %d %s: redirects are not followed; configure the final URL", prefix, e.StatusCode, http.StatusText(e.StatusCode))
	}
	return fmt.Sprintf("%s: answered %d %s", prefix, e.StatusCode, http.StatusText(e.StatusCode))
}

// Unwrap returns the error's kind (ErrGone or ErrNotDelivered) and the
// transport error, if any.
func (e *DeliveryError) Unwrap() []error {
	if e.Err != nil {
		return []error{e.kind, e.Err}
	}
	return []error{e.kind}
}
