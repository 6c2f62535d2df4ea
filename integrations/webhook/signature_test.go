package webhook

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pacerhq/pacer/integrations"
)

// The Standard Webhooks specification's published test vector.
const (
	vectorSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vectorID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorTimestamp = 1614265330
	vectorBody      = `{"test": 2432232314}`
	vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func TestSignMatchesSpecTestVector(t *testing.T) {
	t.Parallel()
	got, err := Sign(vectorSecret, vectorID, time.Unix(vectorTimestamp, 0), []byte(vectorBody))
	if err != nil {
		t.Fatal(err)
	}
	if got != vectorSignature {
		t.Errorf("Sign() = %q, want %q", got, vectorSignature)
	}
	// The whsec_ prefix is optional, as in the reference libraries.
	got, _ = Sign(strings.TrimPrefix(vectorSecret, SecretPrefix), vectorID, time.Unix(vectorTimestamp, 0), []byte(vectorBody))
	if got != vectorSignature {
		t.Errorf("Sign() without prefix = %q, want %q", got, vectorSignature)
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	now := time.Unix(vectorTimestamp, 0)
	header := func(id string, ts int64, sig string) http.Header {
		h := http.Header{}
		if id != "" {
			h.Set(HeaderID, id)
		}
		if ts != 0 {
			h.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
		}
		if sig != "" {
			h.Set(HeaderSignature, sig)
		}
		return h
	}
	tests := []struct {
		name   string
		secret string
		header http.Header
		body   string
		now    time.Time
		want   error
	}{
		{"test vector", vectorSecret, header(vectorID, vectorTimestamp, vectorSignature), vectorBody, now, nil},
		{"one of several signatures", vectorSecret, header(vectorID, vectorTimestamp, "v1,bm9wZQ== v1a,abc "+vectorSignature), vectorBody, now, nil},
		{"within tolerance", vectorSecret, header(vectorID, vectorTimestamp, vectorSignature), vectorBody, now.Add(4 * time.Minute), nil},
		{"tampered body", vectorSecret, header(vectorID, vectorTimestamp, vectorSignature), `{"test": 2432232315}`, now, ErrNoMatchingSignature},
		{"other id", vectorSecret, header("msg_other", vectorTimestamp, vectorSignature), vectorBody, now, ErrNoMatchingSignature},
		{"other secret", "whsec_" + strings.Repeat("QUJD", 8), header(vectorID, vectorTimestamp, vectorSignature), vectorBody, now, ErrNoMatchingSignature},
		{"only other versions", vectorSecret, header(vectorID, vectorTimestamp, "v2,"+strings.TrimPrefix(vectorSignature, "v1,")), vectorBody, now, ErrNoMatchingSignature},
		{"too old", vectorSecret, header(vectorID, vectorTimestamp, vectorSignature), vectorBody, now.Add(6 * time.Minute), ErrTimestampOutOfTolerance},
		{"from the future", vectorSecret, header(vectorID, vectorTimestamp, vectorSignature), vectorBody, now.Add(-6 * time.Minute), ErrTimestampOutOfTolerance},
		{"missing signature", vectorSecret, header(vectorID, vectorTimestamp, ""), vectorBody, now, ErrMissingHeaders},
		{"missing id", vectorSecret, header("", vectorTimestamp, vectorSignature), vectorBody, now, ErrMissingHeaders},
		{"secret not base64", "whsec_!!!", header(vectorID, vectorTimestamp, vectorSignature), vectorBody, now, ErrInvalidSecret},
		{"secret too short", "whsec_QUJD", header(vectorID, vectorTimestamp, vectorSignature), vectorBody, now, ErrInvalidSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := Verify(tt.secret, tt.header, []byte(tt.body), tt.now, 0)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Errorf("Verify() = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestNewSecretSignsAndVerifies(t *testing.T) {
	t.Parallel()
	secret, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, SecretPrefix) {
		t.Fatalf("NewSecret() = %q, want the whsec_ prefix", secret)
	}
	now := time.Now()
	sig, err := Sign(secret, "evt_1", now, []byte("{}"))
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set(HeaderID, "evt_1")
	h.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	h.Set(HeaderSignature, sig)
	if err := Verify(secret, h, []byte("{}"), now, 0); err != nil {
		t.Errorf("Verify() = %v", err)
	}
}

func TestInvalidSecretIsPermanent(t *testing.T) {
	t.Parallel()
	_, err := Sign("whsec_short", "id", time.Now(), nil)
	if got := integrations.Classify(err).Action; got != integrations.DeadLetter {
		t.Errorf("Classify(%v) = %s, want dead_letter", err, got)
	}
}
