// Package huntertest is a fake Hunter API for tests: GET /v2/email-finder
// with Hunter's documented answer ({"data": {...}, "meta": {...}}) and error
// envelope ({"errors": [{"id", "code", "details"}]}), the API key check, the
// monthly quota (429), the rate limit (403), and injected 5xx answers and
// delays.
package huntertest

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Server is the fake. Its methods are safe for concurrent use.
type Server struct {
	// URL is the base URL to give the client as HUNTER_API_URL.
	URL string

	srv *httptest.Server
	key string

	mu          sync.Mutex
	rnd         *rand.Rand
	people      map[string]person
	quota       int // searches left this month; negative: unlimited
	rateLimited int // the next requests answered 403
	failRate    float64
	latency     time.Duration
	calls       int
	queries     []map[string]string // without the key
}

type person struct {
	email string
	score int
}

// New starts a fake Hunter accepting apiKey, with an unlimited quota.
func New(apiKey string) *Server {
	s := &Server{key: apiKey, rnd: rand.New(rand.NewPCG(1, 2)), people: make(map[string]person), quota: -1}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

func key(domainOrCompany, first, last string) string {
	return strings.ToLower(domainOrCompany + "|" + first + "|" + last)
}

// AddPerson makes Hunter know the email of first last at domain (or at the
// company of that name), with a confidence score.
func (s *Server) AddPerson(domainOrCompany, first, last, email string, score int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.people[key(domainOrCompany, first, last)] = person{email: email, score: score}
}

// SetQuota sets the searches left this month; at 0 every request answers
// 429. Like Hunter, only searches that find an email use the quota.
func (s *Server) SetQuota(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.quota = n
}

// RateLimitNext makes the next n requests answer 403.
func (s *Server) RateLimitNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateLimited = n
}

// SetFailureRate makes that fraction of requests answer 500 or 503.
func (s *Server) SetFailureRate(rate float64, seed uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failRate = rate
	s.rnd = rand.New(rand.NewPCG(seed, seed+1))
}

// SetLatency delays every answer by d (or until the client gives up).
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// Calls returns the number of requests received.
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// Queries returns the query parameters of each request, api_key removed.
func (s *Server) Queries() []map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]string(nil), s.queries...)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, id, details string) {
	writeJSON(w, code, map[string]any{"errors": []map[string]any{{"id": id, "code": code, "details": details}}})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.calls++
	q := r.URL.Query()
	recorded := make(map[string]string)
	for k := range q {
		if k != "api_key" {
			recorded[k] = q.Get(k)
		}
	}
	s.queries = append(s.queries, recorded)
	latency := s.latency
	fail := s.failRate > 0 && s.rnd.Float64() < s.failRate
	s.mu.Unlock()
	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
			return
		}
	}
	if r.URL.Path != "/v2/email-finder" || r.Method != http.MethodGet {
		writeError(w, http.StatusNotFound, "not_found", "The requested route was not found.")
		return
	}
	if q.Get("api_key") != s.key {
		writeError(w, http.StatusUnauthorized, "authentication_failed", "No user found for the API key supplied")
		return
	}
	if fail {
		if s.rnd.IntN(2) == 0 {
			writeError(w, http.StatusServiceUnavailable, "service_unavailable", "The service is temporarily unavailable.")
		} else {
			writeError(w, http.StatusInternalServerError, "internal_error", "Something went wrong on our end.")
		}
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rateLimited > 0 {
		s.rateLimited--
		writeError(w, http.StatusForbidden, "too_many_requests", "You have reached the rate limit for this API. Please try again later.")
		return
	}
	if s.quota == 0 {
		writeError(w, http.StatusTooManyRequests, "too_many_requests", "You've reached the limit for the number of searches per billing period included in your plan.")
		return
	}
	where := q.Get("domain")
	if where == "" {
		where = q.Get("company")
	}
	first, last := q.Get("first_name"), q.Get("last_name")
	if where == "" || first == "" || last == "" {
		writeError(w, http.StatusBadRequest, "wrong_params", "You are missing the domain or company parameter, or the first_name and last_name parameters")
		return
	}
	p, found := s.people[key(where, first, last)]
	data := map[string]any{
		"first_name": first, "last_name": last, "email": nil, "score": nil, "domain": q.Get("domain"),
		"accept_all": false, "position": nil, "twitter": nil, "linkedin_url": nil, "phone_number": nil,
		"company": nil, "sources": []any{}, "verification": map[string]any{"date": nil, "status": nil},
	}
	if found {
		if s.quota > 0 {
			s.quota--
		}
		data["email"], data["score"] = p.email, p.score
		data["sources"] = []map[string]any{{"domain": where, "uri": "http://" + where + "/team", "extracted_on": "2024-11-02", "last_seen_on": "2025-02-01", "still_on_page": true}}
		data["verification"] = map[string]any{"date": "2025-02-20", "status": "valid"}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"data": data,
		"meta": map[string]any{"params": map[string]any{"first_name": first, "last_name": last, "full_name": nil,
			"domain": nilIfEmpty(q.Get("domain")), "company": nilIfEmpty(q.Get("company")), "max_duration": nil}},
	})
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
