package webhook

import (
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// FuzzVerify checks arbitrary deliveries: no panic; what is refused is
// refused with one of the package's errors; a message signed with Sign
// verifies, and the same signature over another body does not. `make
// fuzz` runs it for a few seconds; alone:
//
//	go test ./integrations/webhook -run '^$' -fuzz '^FuzzVerify$' -fuzztime 1m
func FuzzVerify(f *testing.F) {
	f.Add(vectorID, strconv.Itoa(vectorTimestamp), vectorSignature, []byte(vectorBody))
	f.Add("msg_1", "-9223372036854775808", "v1,AAAA v2,x v1", []byte("{}"))
	f.Add("", "1", "", []byte(nil))
	f.Add("msg_2", "99999999999999999999", "v1,====", []byte("x"))
	f.Fuzz(func(t *testing.T, id, ts, sigs string, body []byte) {
		h := http.Header{}
		h.Set(HeaderID, id)
		h.Set(HeaderTimestamp, ts)
		h.Set(HeaderSignature, sigs)
		now := time.Unix(vectorTimestamp, 0)
		if err := Verify(vectorSecret, h, body, now, 0); err != nil &&
			!errors.Is(err, ErrMissingHeaders) && !errors.Is(err, ErrTimestampOutOfTolerance) && !errors.Is(err, ErrNoMatchingSignature) {
			t.Fatalf("Verify: unexpected error %v", err)
		}
		if id == "" {
			return
		}
		sig, err := Sign(vectorSecret, id, now, body)
		if err != nil {
			t.Fatal(err)
		}
		signed := http.Header{}
		signed.Set(HeaderID, id)
		signed.Set(HeaderTimestamp, strconv.Itoa(vectorTimestamp))
		signed.Set(HeaderSignature, "v0,x "+sig)
		if err := Verify(vectorSecret, signed, body, now, 0); err != nil {
			t.Fatalf("a signed message does not verify: %v", err)
		}
		if err := Verify(vectorSecret, signed, append(body[:len(body):len(body)], '!'), now, 0); !errors.Is(err, ErrNoMatchingSignature) {
			t.Fatalf("another body verifies: %v", err)
		}
	})
}
