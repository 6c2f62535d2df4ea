package httpclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Defaults for the fields of Options and Policy left at zero.
const (
	DefaultMaxAttempts   = 3
	DefaultWaitMin       = 500 * time.Millisecond
	DefaultWaitMax       = 15 * time.Second
	DefaultMaxRetryAfter = 30 * time.Second
	DefaultTimeout       = 30 * time.Second
)

// Options are the HTTP options every integration's Settings embed, so that
// a timeout or a retry means the same in each: what the caller of an
// integration may tune. An integration may give a zero field a default of
// its own (a webhook makes one attempt: its delivery job retries).
type Options struct {
	// Version is Pacer's version, sent as "User-Agent: Pacer/<Version>".
	// Empty means "dev".
	Version string
	// Timeout bounds each attempt, from dialing to reading the body.
	Timeout time.Duration
	// MaxAttempts is the number of attempts per call, the first included.
	// 1 disables retries.
	MaxAttempts int
	// WaitMin and WaitMax bound the backoff between attempts.
	WaitMin, WaitMax time.Duration
	// Logger receives one line per attempt. Nil means slog.Default().
	Logger *slog.Logger
	// Now returns the current time, for Retry-After dates. Nil means
	// time.Now.
	Now func() time.Time
	// Transport replaces the default pooled transport (tests).
	Transport http.RoundTripper
}

// Policy is the policy of one destination's client: its Options, and what
// the integration decides for its destination whoever calls it.
type Policy struct {
	Options
	// Name names the destination in log lines ("hubspot", "webhook:crm").
	Name string
	// MaxRetryAfter is the longest Retry-After waited in the call. A longer
	// one ends the call with the 429 or 503 response.
	MaxRetryAfter time.Duration
	// NoRedirects returns 3xx answers to the caller instead of following
	// them.
	NoRedirects bool
	// RetryNonIdempotent treats every call as idempotent.
	RetryNonIdempotent bool
	// ReturnRateLimited returns every 429 to the caller at once, for
	// destinations whose 429 carries more than a Retry-After (HubSpot's
	// policyName, Hunter's monthly quota).
	ReturnRateLimited bool
}

func (o *Policy) setDefaults() {
	if o.Version == "" {
		o.Version = "dev"
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.WaitMin <= 0 {
		o.WaitMin = DefaultWaitMin
	}
	if o.WaitMax < o.WaitMin {
		o.WaitMax = max(DefaultWaitMax, o.WaitMin)
	}
	if o.MaxRetryAfter <= 0 {
		o.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Name == "" {
		o.Name = "http"
	}
}

// Client sends requests for one destination. It is safe for concurrent use.
type Client struct {
	opts Policy
	rc   *retryablehttp.Client
}

// New returns a client with the given policy.
func New(opts Policy) *Client {
	opts.setDefaults()
	transport := opts.Transport
	if transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 16
		transport = t
	}
	hc := &http.Client{
		Timeout:   opts.Timeout,
		Transport: &logTransport{next: transport, log: opts.Logger, name: opts.Name},
	}
	if opts.NoRedirects {
		hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	} else {
		hc.CheckRedirect = func(_ *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errors.New("stopped after 5 redirects")
			}
			return nil
		}
	}
	c := &Client{opts: opts}
	c.rc = &retryablehttp.Client{
		HTTPClient:   hc,
		Logger:       nil, // the library logs whole URLs; logTransport logs instead
		RetryWaitMin: opts.WaitMin,
		RetryWaitMax: opts.WaitMax,
		RetryMax:     opts.MaxAttempts - 1,
		CheckRetry:   c.checkRetry,
		Backoff:      c.backoff,
		ErrorHandler: keepLastResponse,
	}
	return c
}

// Policy returns the client's policy, defaults filled in.
func (c *Client) Policy() Policy { return c.opts }

// UserAgent returns the User-Agent the client sends.
func (c *Client) UserAgent() string { return "Pacer/" + c.opts.Version }

type idempotentKey struct{}

// WithIdempotent marks the calls made with ctx as safe to repeat, for POSTs
// that are idempotent by nature (HubSpot's batch upsert, a webhook delivery
// that receivers deduplicate on webhook-id).
func WithIdempotent(ctx context.Context) context.Context {
	return context.WithValue(ctx, idempotentKey{}, true)
}

func idempotent(ctx context.Context, req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	if req.Header.Get("Idempotency-Key") != "" {
		return true
	}
	v, _ := ctx.Value(idempotentKey{}).(bool)
	return v
}

type policyKey struct{}

// Do sends req with ctx, retrying as the client's policy allows. It returns
// the last response whenever one was received, whatever its status: the
// caller checks the status and closes the body. The error, if any, is a
// *RequestError, whose text shows the URL redacted.
func (c *Client) Do(ctx context.Context, req *http.Request) (*http.Response, error) {
	req = req.WithContext(context.WithValue(ctx, policyKey{}, c.opts.RetryNonIdempotent || idempotent(ctx, req)))
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", c.UserAgent())
	}
	rreq, err := retryablehttp.FromRequest(req)
	if err != nil {
		return nil, c.requestError(req, 0, err)
	}
	resp, err := c.rc.Do(rreq)
	if err != nil {
		attempts := 0
		var ae *attemptsError
		if errors.As(err, &ae) {
			attempts, err = ae.n, ae.err
		}
		return nil, c.requestError(req, attempts, err)
	}
	return resp, nil
}

// attemptsError carries the number of attempts from the error handler to Do.
type attemptsError struct {
	n   int
	err error
}

func (e *attemptsError) Error() string { return e.err.Error() }
func (e *attemptsError) Unwrap() error { return e.err }

// keepLastResponse is the ErrorHandler: the last response, when there is
// one, goes back to the caller unread, so a 4xx or 5xx body is not lost.
func keepLastResponse(resp *http.Response, err error, attempts int) (*http.Response, error) {
	if resp != nil {
		return resp, nil
	}
	if err == nil {
		err = errors.New("no response")
	}
	return nil, &attemptsError{n: attempts, err: err}
}

func (c *Client) requestError(req *http.Request, attempts int, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // its text quotes the whole URL
	}
	c.opts.Logger.LogAttrs(req.Context(), slog.LevelWarn, "http call failed",
		slog.String("destination", c.opts.Name),
		slog.String("method", req.Method),
		slog.String("host", req.URL.Host),
		slog.Int("attempts", attempts),
		slog.String("error", scrub(err.Error(), req.URL)))
	return &RequestError{Method: req.Method, URL: RedactURL(req.URL), Attempts: attempts, Err: err, u: req.URL}
}

// RequestError is a call that got no response.
type RequestError struct {
	// Method is the request method.
	Method string
	// URL is the request URL, redacted to scheme://host/….
	URL string
	// Attempts is the number of attempts made (0 when none could start).
	Attempts int
	// Err is the cause, for errors.Is and errors.As (context.DeadlineExceeded,
	// *net.OpError, …). Its own text is not safe to log: use Error.
	Err error

	u *url.URL
}

// Error returns the error text with every trace of the URL's path and query
// removed.
func (e *RequestError) Error() string {
	return fmt.Sprintf("httpclient: %s %s: %d attempt(s): %s", e.Method, e.URL, e.Attempts, scrub(e.Err.Error(), e.u))
}

// Unwrap returns the cause.
func (e *RequestError) Unwrap() error { return e.Err }

// NotSent reports whether the request certainly never reached the server
// (the connection could not be opened), so that repeating a non-idempotent
// call cannot duplicate it. When false, the server may have processed it.
func (e *RequestError) NotSent() bool { return e.Attempts == 0 || notSent(e.Err) }

// Timeout reports whether the call ran out of time.
func (e *RequestError) Timeout() bool {
	if errors.Is(e.Err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(e.Err, &ne) && ne.Timeout()
}

var (
	redirectsErrorRe = regexp.MustCompile(`stopped after \d+ redirects\z`)
	schemeErrorRe    = regexp.MustCompile(`unsupported protocol scheme`)
	headerErrorRe    = regexp.MustCompile(`invalid header`)
)

func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	safe, _ := ctx.Value(policyKey{}).(bool)
	if err != nil {
		if !transientTransportError(err) {
			return false, nil
		}
		return safe || notSent(err), nil
	}
	switch code := resp.StatusCode; {
	case code == http.StatusTooManyRequests:
		if c.opts.ReturnRateLimited {
			return false, nil
		}
		// A 429 was refused, not processed: safe to repeat even for a POST.
		return c.retryAfterWithinCap(resp), nil
	case code == http.StatusServiceUnavailable:
		return safe && c.retryAfterWithinCap(resp), nil
	case code == 0 || (code >= 500 && code != http.StatusNotImplemented):
		return safe, nil
	}
	return false, nil
}

func (c *Client) retryAfterWithinCap(resp *http.Response) bool {
	d, ok := RetryAfter(resp.Header, c.opts.Now())
	return !ok || d <= c.opts.MaxRetryAfter
}

// transientTransportError reports whether a transport error may go away on
// its own; a bad certificate or scheme will not.
func transientTransportError(err error) bool {
	msg := err.Error()
	if redirectsErrorRe.MatchString(msg) || schemeErrorRe.MatchString(msg) || headerErrorRe.MatchString(msg) {
		return false
	}
	var (
		certErr    *tls.CertificateVerificationError
		unknownCA  x509.UnknownAuthorityError
		hostErr    x509.HostnameError
		invalidErr x509.CertificateInvalidError
	)
	return !errors.As(err, &certErr) && !errors.As(err, &unknownCA) && !errors.As(err, &hostErr) && !errors.As(err, &invalidErr)
}

// notSent reports whether err happened before the request could reach the
// server (dialing or resolving failed), so repeating it cannot duplicate it.
func notSent(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "dial"
}

func (c *Client) backoff(waitMin, waitMax time.Duration, attempt int, resp *http.Response) time.Duration {
	return backoffDelay(waitMin, waitMax, c.opts.MaxRetryAfter, attempt, resp, c.opts.Now(), rand.Float64())
}

// backoffDelay is the wait before retry number attempt+1: the server's
// Retry-After when it sent one (capped), else exponential from waitMin,
// capped at waitMax, with jitter over its upper half. jitter is in [0, 1).
func backoffDelay(waitMin, waitMax, maxRetryAfter time.Duration, attempt int, resp *http.Response, now time.Time, jitter float64) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := RetryAfter(resp.Header, now); ok {
			return min(d, maxRetryAfter)
		}
	}
	d := waitMax
	if attempt < 30 {
		d = min(waitMin<<attempt, waitMax)
	}
	return d/2 + time.Duration(jitter*float64(d/2))
}

// RetryAfter parses a Retry-After header (delay-seconds or an HTTP date)
// relative to now. It reports false when the header is absent or invalid; a
// date in the past gives 0.
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s < 0 {
			return 0, false
		}
		return time.Duration(min(s, int64(365*24*time.Hour/time.Second))) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// ReadBody reads at most limit bytes of resp's body and closes it.
func ReadBody(resp *http.Response, limit int64) ([]byte, error) {
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		if req := resp.Request; req != nil {
			return b, fmt.Errorf("httpclient: read %s response from %s: %w", req.Method, req.URL.Host, scrubErr(err, req.URL))
		}
		return b, fmt.Errorf("httpclient: read response: %w", err)
	}
	return b, nil
}

// scrubErr replaces err with a plain error when its text mentions the URL.
func scrubErr(err error, u *url.URL) error {
	if s := scrub(err.Error(), u); s != err.Error() {
		return errors.New(s)
	}
	return err
}
