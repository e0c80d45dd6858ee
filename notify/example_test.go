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

// A receiver checks the Standard Webhooks signature over the id, the timestamp and the exact
// bytes it got, then the timestamp's age, and remembers webhook ids to drop resends (a
// digest keeps its id across retries and runs).
func ExampleVerifyStandard() {
	key := notify.SigningKey([]byte("shared secret"))
	seen := map[string]bool{}
	receive := func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		id, ts := r.Header.Get(notify.HeaderID), r.Header.Get(notify.HeaderTimestamp)
		if !notify.VerifyStandard(key, id, ts, body, r.Header.Get(notify.HeaderSignature)) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		sec, _ := strconv.ParseInt(ts, 10, 64)
		if age := time.Since(time.Unix(sec, 0)); age > 5*time.Minute || age < -time.Minute {
			http.Error(w, "stale", http.StatusBadRequest)
			return
		}
		if seen[id] {
			w.WriteHeader(http.StatusOK) // already handled: say yes, do nothing
			return
		}
		seen[id] = true
		w.WriteHeader(http.StatusAccepted)
	}

	body := `{"event":"digest","delivery":"dg_1"}`
	now := strconv.FormatInt(time.Now().Unix(), 10)
	for _, k := range [][]byte{key, key, []byte("wrong")} {
		r := httptest.NewRequest(http.MethodPost, "/hook", strings.NewReader(body))
		r.Header.Set(notify.HeaderID, "dg_1")
		r.Header.Set(notify.HeaderTimestamp, now)
		r.Header.Set(notify.HeaderSignature, notify.SignStandard(k, "dg_1", now, []byte(body)))
		w := httptest.NewRecorder()
		receive(w, r)
		fmt.Println(w.Code)
	}
	// Output:
	// 202
	// 200
	// 401
}
