package notify_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	"github.com/passerelle/passerelle/notify"
)

// A receiver checks the signature over the exact bytes it got, then the timestamp (which
// the body repeats, signed), and remembers delivery ids to drop retried duplicates.
func ExampleVerify() {
	secret := []byte("shared secret")
	seen := map[string]bool{}
	receive := func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if !notify.Verify(secret, body, r.Header.Get(notify.HeaderSignature)) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		ts, _ := strconv.ParseInt(r.Header.Get(notify.HeaderTimestamp), 10, 64)
		if age := time.Since(time.Unix(ts, 0)); age > 5*time.Minute || age < -time.Minute {
			http.Error(w, "stale", http.StatusBadRequest)
			return
		}
		id := r.Header.Get(notify.HeaderDelivery)
		if seen[id] {
			w.WriteHeader(http.StatusOK) // already handled: say yes, do nothing
			return
		}
		seen[id] = true
		w.WriteHeader(http.StatusAccepted)
	}

	body := `{"event":"digest","delivery":"d-1","timestamp":` + strconv.FormatInt(time.Now().Unix(), 10) + `}`
	for _, sig := range []string{notify.Sign(secret, []byte(body)), notify.Sign([]byte("wrong"), []byte(body))} {
		r := httptest.NewRequest(http.MethodPost, "/hook", strings.NewReader(body))
		r.Header.Set(notify.HeaderSignature, sig)
		r.Header.Set(notify.HeaderDelivery, "d-1")
		r.Header.Set(notify.HeaderTimestamp, strconv.FormatInt(time.Now().Unix(), 10))
		w := httptest.NewRecorder()
		receive(w, r)
		fmt.Println(w.Code)
	}
	// Output:
	// 202
	// 401
}
