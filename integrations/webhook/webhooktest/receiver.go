// Package webhooktest provides a Standard Webhooks receiver for tests: it
// verifies signatures with its own code (not package webhook's), records
// deliveries, deduplicates them on webhook-id, and can be told to fail.
package webhooktest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Delivery is one accepted delivery (the first for its webhook-id).
type Delivery struct {
	// ID is the webhook-id.
	ID string
	// Type is the body's "type".
	Type string
	// Body is the raw body.
	Body []byte
	// SignedAt is the webhook-timestamp.
	SignedAt time.Time
	// Header is the request's header.
	Header http.Header
}

// Receiver is an httptest server that receives webhooks. Its methods are
// safe for concurrent use.
type Receiver struct {
	// URL is the receiver's http://127.0.0.1:… address.
	URL string

	srv *httptest.Server
	key []byte

	mu          sync.Mutex
	now         func() time.Time
	tolerance   time.Duration
	rnd         *rand.Rand
	downUntil   time.Time
	failRate    float64
	ackThenFail float64
	status      int
	latency     time.Duration

	requests   int
	rejected   int
	duplicates int
	mismatched int
	accepted   map[string][]byte
	deliveries []Delivery
}

// New starts a receiver for the endpoint secret ("whsec_<base64>"). It
// panics on a malformed secret: tests should use a valid one.
func New(secret string) *Receiver {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		panic("webhooktest: secret is not whsec_<base64>: " + err.Error())
	}
	r := &Receiver{
		key:       key,
		now:       time.Now,
		tolerance: 5 * time.Minute,
		rnd:       rand.New(rand.NewPCG(1, 2)),
		accepted:  make(map[string][]byte),
	}
	r.srv = httptest.NewServer(r)
	r.URL = r.srv.URL
	return r
}

// Close stops the receiver.
func (r *Receiver) Close() { r.srv.Close() }

// SetClock makes the receiver judge timestamps and downtime by now.
func (r *Receiver) SetClock(now func() time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.now = now
}

// SetDownUntil makes the receiver answer 503 until t (by its clock).
func (r *Receiver) SetDownUntil(t time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.downUntil = t
}

// SetFailureRate makes the receiver answer 500, before processing, to that
// fraction of valid deliveries, chosen by a generator seeded with seed.
func (r *Receiver) SetFailureRate(rate float64, seed uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failRate = rate
	r.rnd = rand.New(rand.NewPCG(seed, seed+1))
}

// SetAckThenFailRate makes the receiver process that fraction of valid
// deliveries and then answer 500, as a receiver that crashes before it
// answers: the sender retries, and the receiver sees the webhook-id again.
func (r *Receiver) SetAckThenFailRate(rate float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ackThenFail = rate
}

// SetStatus makes the receiver answer code to every request (0 restores
// normal behaviour). A 3xx answer carries a Location to another path.
func (r *Receiver) SetStatus(code int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status = code
}

// SetLatency delays every answer by d.
func (r *Receiver) SetLatency(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.latency = d
}

// ServeHTTP receives one delivery.
func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	latency := r.latency
	r.mu.Unlock()
	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-req.Context().Done():
		}
	}
	code := r.receive(req, body)
	if code >= 300 && code < 400 {
		w.Header().Set("Location", "/elsewhere")
	}
	w.WriteHeader(code)
}

func (r *Receiver) receive(req *http.Request, body []byte) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests++
	now := r.now()
	if r.status != 0 {
		return r.status
	}
	if now.Before(r.downUntil) {
		return http.StatusServiceUnavailable
	}
	id := req.Header.Get("webhook-id")
	signedAt, ok := r.verify(req.Header, body, now)
	if !ok || req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/json" {
		r.rejected++
		return http.StatusUnauthorized
	}
	if r.failRate > 0 && r.rnd.Float64() < r.failRate {
		return http.StatusInternalServerError
	}
	if prev, seen := r.accepted[id]; seen {
		r.duplicates++
		if !bytes.Equal(prev, body) {
			r.mismatched++
		}
		return http.StatusOK
	}
	var msg struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(body, &msg)
	r.accepted[id] = body
	r.deliveries = append(r.deliveries, Delivery{ID: id, Type: msg.Type, Body: body, SignedAt: signedAt, Header: req.Header.Clone()})
	if r.ackThenFail > 0 && r.rnd.Float64() < r.ackThenFail {
		return http.StatusInternalServerError
	}
	return http.StatusOK
}

// verify is the receiver's own Standard Webhooks verification.
func (r *Receiver) verify(h http.Header, body []byte, now time.Time) (time.Time, bool) {
	id, tsText := h.Get("webhook-id"), h.Get("webhook-timestamp")
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if id == "" || err != nil {
		return time.Time{}, false
	}
	signedAt := time.Unix(ts, 0)
	if d := now.Sub(signedAt); d > r.tolerance || d < -r.tolerance {
		return signedAt, false
	}
	m := hmac.New(sha256.New, r.key)
	m.Write([]byte(id + "." + tsText + "."))
	m.Write(body)
	want := m.Sum(nil)
	for _, sig := range strings.Split(h.Get("webhook-signature"), " ") {
		if v, ok := strings.CutPrefix(sig, "v1,"); ok {
			got, err := base64.StdEncoding.DecodeString(v)
			if err == nil && hmac.Equal(got, want) {
				return signedAt, true
			}
		}
	}
	return signedAt, false
}

// Deliveries returns the accepted deliveries, one per webhook-id, in order of
// arrival.
func (r *Receiver) Deliveries() []Delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Delivery(nil), r.deliveries...)
}

// Stats are the receiver's counters.
type Stats struct {
	// Requests counts every request received.
	Requests int
	// Delivered counts distinct webhook-ids accepted.
	Delivered int
	// Duplicates counts valid deliveries of an already accepted webhook-id.
	Duplicates int
	// Mismatched counts duplicates whose body differed from the first.
	Mismatched int
	// Rejected counts requests refused for a bad signature, timestamp or
	// shape.
	Rejected int
}

// Stats returns the receiver's counters.
func (r *Receiver) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return Stats{Requests: r.requests, Delivered: len(r.deliveries), Duplicates: r.duplicates,
		Mismatched: r.mismatched, Rejected: r.rejected}
}
