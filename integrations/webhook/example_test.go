package webhook_test

import (
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/pacerhq/pacer/integrations/webhook"
)

// A receiver written in Go verifies a delivery on its raw body before
// parsing it, and deduplicates on the webhook-id header.
func ExampleVerify() {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	handler := func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "cannot read body", http.StatusBadRequest)
			return
		}
		if err := webhook.Verify(secret, r.Header, body, time.Now(), webhook.DefaultTolerance); err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		// Deduplicate on r.Header.Get("webhook-id"), then handle the body.
		w.WriteHeader(http.StatusNoContent)
	}
	_ = handler

	sig, _ := webhook.Sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	fmt.Println(sig)
	// Output: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=
}

// RetryDelay is what a River worker's NextRetry returns, from the job's
// attempt count.
func ExampleRetryDelay() {
	for attempt := 1; attempt < webhook.MaxAttempts; attempt++ {
		fmt.Print(webhook.RetryDelay(attempt, 0), " ")
	}
	fmt.Println()
	// Output: 5s 5m0s 30m0s 2h0m0s 5h0m0s 10h0m0s 14h0m0s 20h0m0s 24h0m0s
}
