package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pacerhq/pacer/integrations"
	"github.com/pacerhq/pacer/wording"
)

// The Standard Webhooks headers.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// SecretPrefix starts every endpoint secret.
const SecretPrefix = "whsec_"

// DefaultTolerance is how far a delivery's timestamp may be from the
// receiver's clock, the Standard Webhooks default.
const DefaultTolerance = 5 * time.Minute

// Errors of signing and verifying.
var (
	// ErrInvalidSecret means a secret is not "whsec_" + base64 of 24 to 64
	// bytes.
	// It matches integrations.ErrPermanent.
	ErrInvalidSecret = integrations.NewSentinel("webhook: invalid secret", integrations.ErrPermanent)
	// ErrMissingHeaders means a webhook-id, webhook-timestamp or
	// webhook-signature header is absent.
	ErrMissingHeaders = errors.New("webhook: missing Standard Webhooks headers")
	// ErrTimestampOutOfTolerance means webhook-timestamp is too far from now:
	// possibly a replay.
	ErrTimestampOutOfTolerance = errors.New("webhook: timestamp out of tolerance")
	// ErrNoMatchingSignature means no v1 signature matches the body.
	ErrNoMatchingSignature = errors.New("webhook: no matching signature")
)

// decodeSecret returns the HMAC key of a "whsec_<base64>" secret. The prefix
// is optional, as in the reference libraries.
func decodeSecret(secret string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, SecretPrefix))
	if err != nil || len(key) < 24 || len(key) > 64 {
		return nil, fmt.Errorf("%w: want %q followed by the base64 of 24 to 64 random bytes", ErrInvalidSecret, SecretPrefix)
	}
	return key, nil
}

// NewSecret returns a new random endpoint secret, "whsec_" followed by the
// base64 of 32 bytes.
func NewSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("webhook: new secret: %w", err)
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(b), nil
}

func mac(key []byte, id string, ts int64, body []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(id))
	h.Write([]byte{'.'})
	h.Write([]byte(strconv.FormatInt(ts, 10)))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Sign returns the webhook-signature value for a message: "v1," followed by
// the base64 HMAC-SHA256 of "id.timestamp.body" keyed with the decoded
// secret. ts is sent in Unix seconds.
func Sign(secret, id string, ts time.Time, body []byte) (string, error) {
	key, err := decodeSecret(secret)
	if err != nil {
		return "", err
	}
	return "v1," + base64.StdEncoding.EncodeToString(mac(key, id, ts.Unix(), body)), nil
}

// Verify checks a delivery's headers against its raw body: the timestamp
// must be within tolerance of now (DefaultTolerance when 0), and one of the
// space-separated v1 signatures must match. Signatures of other versions are
// skipped.
func Verify(secret string, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	key, err := decodeSecret(secret)
	if err != nil {
		return err
	}
	id, tsText, sigs := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if id == "" || tsText == "" || sigs == "" {
		return ErrMissingHeaders
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %q is not Unix seconds", ErrTimestampOutOfTolerance, tsText)
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: %s off", ErrTimestampOutOfTolerance, wording.Duration(d))
	}
	want := mac(key, id, ts, body)
	for _, sig := range strings.Fields(sigs) {
		version, value, ok := strings.Cut(sig, ",")
		if !ok || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(value)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return ErrNoMatchingSignature
}
