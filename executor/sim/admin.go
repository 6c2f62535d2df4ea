package sim

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"time"
)

// The admin API for tests and demos: what the simulator received, its
// clock, and the states a test sets up (see the package doc).

// Reject makes the simulator treat an li_at value as expired from now on.
func (s *Server) Reject(liAt string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejected[liAt] = true
}

// Accept accepts the pending invitations of acct to slug now; an empty acct
// or slug matches all. It returns how many were accepted.
func (s *Server) Accept(acct, slug string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	n := 0
	for id, a := range s.accounts {
		if acct != "" && id != acct {
			continue
		}
		for sl := range a.pending {
			if slug == "" || sl == slug {
				a.connections[sl] = now
				delete(a.pending, sl)
				n++
			}
		}
	}
	return n
}

// Seed records an invitation from acct to slug sent age ago, as if sent
// before the simulation began. It is not listed in Received.
func (s *Server) Seed(acct, slug, note string, age time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.account(acct)
	at := s.now().Add(-age)
	a.pending[slug] = &pending{slug: slug, note: note, at: at}
	a.sent = append(a.sent, at)
}

// SetBaseConnections sets how many connections acct had before the
// simulation began, in place of Options.BaseConnections: the connections
// page counts them and lists only the simulation's own.
func (s *Server) SetBaseConnections(acct string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.account(acct).base = max(0, n)
}

// Lose makes the pending invitation from acct to slug vanish as if it had
// never been delivered: the sent-invitations page no longer lists it, the
// profile offers Connect again and it will never be accepted, while
// Received still lists it as received (and in Lost). It reports whether
// there was one.
func (s *Server) Lose(acct, slug string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.account(acct)
	if a.pending[slug] == nil {
		return false
	}
	delete(a.pending, slug)
	s.received.Lost = append(s.received.Lost, Action{Slug: slug, At: s.now(), Account: acct})
	return true
}

// Connect makes slug a connection of acct now.
func (s *Server) Connect(acct, slug string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.account(acct)
	delete(a.pending, slug)
	a.connections[slug] = s.now()
}

func (s *Server) adminReceived(w http.ResponseWriter, r *http.Request) {
	rec := s.Received()
	if acct := r.URL.Query().Get("account"); acct != "" {
		rec = rec.forAccount(acct)
	}
	writeJSON(w, http.StatusOK, rec)
}

func (s *Server) adminNow(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"now": s.Now()})
}

func (s *Server) adminReset(w http.ResponseWriter, _ *http.Request) {
	s.Reset()
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
}

type adminBody struct {
	Account string `json:"account"`
	Slug    string `json:"slug"`
	Note    string `json:"note"`
	Age     string `json:"age"`
	By      string `json:"by"`
	LiAt    string `json:"li_at"`
	Text    string `json:"text"`
	Count   *int   `json:"count"`
}

func readAdmin(w http.ResponseWriter, r *http.Request) (adminBody, bool) {
	var b adminBody
	if r.ContentLength != 0 {
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&b); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "sim: bad JSON body: " + err.Error()})
			return b, false
		}
	}
	return b, true
}

func parseDuration(w http.ResponseWriter, field, v string) (time.Duration, bool) {
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 || d > 100*365*24*time.Hour || math.IsNaN(float64(d)) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("sim: %s must be a duration such as \"72h\", got %q", field, v)})
		return 0, false
	}
	return d, true
}

func (s *Server) adminAccept(w http.ResponseWriter, r *http.Request) {
	b, ok := readAdmin(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"accepted": s.Accept(b.Account, b.Slug)})
}

func (s *Server) adminAdvance(w http.ResponseWriter, r *http.Request) {
	b, ok := readAdmin(w, r)
	if !ok {
		return
	}
	d, ok := parseDuration(w, "by", b.By)
	if !ok {
		return
	}
	s.Advance(d)
	writeJSON(w, http.StatusOK, map[string]any{"now": s.Now()})
}

func (s *Server) adminReject(w http.ResponseWriter, r *http.Request) {
	b, ok := readAdmin(w, r)
	if !ok {
		return
	}
	if b.LiAt == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "sim: li_at is required"})
		return
	}
	s.Reject(b.LiAt)
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
}

func (s *Server) adminSeed(w http.ResponseWriter, r *http.Request) {
	b, ok := readAdmin(w, r)
	if !ok {
		return
	}
	d, ok := parseDuration(w, "age", b.Age)
	if !ok {
		return
	}
	if b.Account == "" || !validSlug(b.Slug) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "sim: account and a valid slug are required"})
		return
	}
	s.Seed(b.Account, b.Slug, b.Note, d)
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
}

func (s *Server) adminConnect(w http.ResponseWriter, r *http.Request) {
	b, ok := readAdmin(w, r)
	if !ok {
		return
	}
	if b.Account == "" || !validSlug(b.Slug) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "sim: account and a valid slug are required"})
		return
	}
	s.Connect(b.Account, b.Slug)
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
}

func (s *Server) adminConnections(w http.ResponseWriter, r *http.Request) {
	b, ok := readAdmin(w, r)
	if !ok {
		return
	}
	if b.Account == "" || b.Count == nil || *b.Count < 0 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "sim: account and a count of 0 or more are required"})
		return
	}
	s.SetBaseConnections(b.Account, *b.Count)
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
}

func (s *Server) adminLose(w http.ResponseWriter, r *http.Request) {
	b, ok := readAdmin(w, r)
	if !ok {
		return
	}
	if b.Account == "" || !validSlug(b.Slug) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "sim: account and a valid slug are required"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"lost": s.Lose(b.Account, b.Slug)})
}
