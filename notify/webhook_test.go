package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var secret = []byte("s3cret-shared-with-codeloop")

// receiver is a webhook endpoint that checks what a careful receiver checks, and answers
// with the next status of its script (the last one repeats).
type receiver struct {
	t      *testing.T
	script []int
	mu     sync.Mutex
	calls  []*http.Request
	bodies [][]byte
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		rc.t.Errorf("read body: %v", err)
	}
	rc.mu.Lock()
	n := len(rc.calls)
	rc.calls = append(rc.calls, r)
	rc.bodies = append(rc.bodies, body)
	rc.mu.Unlock()
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		rc.t.Errorf("%s with content type %q", r.Method, r.Header.Get("Content-Type"))
	}
	if !Verify(secret, body, r.Header.Get(HeaderLegacySignature)) {
		rc.t.Errorf("attempt %d: bad legacy signature %q", n+1, r.Header.Get(HeaderLegacySignature))
	}
	if !VerifyStandard(secret, r.Header.Get(HeaderID), r.Header.Get(HeaderTimestamp), body, r.Header.Get(HeaderSignature)) {
		rc.t.Errorf("attempt %d: bad webhook-signature %q", n+1, r.Header.Get(HeaderSignature))
	}
	var p Payload
	if err := json.Unmarshal(body, &p); err != nil {
		rc.t.Errorf("body is not JSON: %v", err)
	}
	if p.Delivery != r.Header.Get(HeaderID) || strconv.FormatInt(p.Timestamp, 10) != r.Header.Get(HeaderTimestamp) {
		rc.t.Errorf("headers (%s, %s) disagree with the signed body (%s, %d)",
			r.Header.Get(HeaderID), r.Header.Get(HeaderTimestamp), p.Delivery, p.Timestamp)
	}
	status := rc.script[min(n, len(rc.script)-1)]
	w.WriteHeader(status)
	io.WriteString(w, http.StatusText(status))
}

func webhookDigest(t *testing.T, url string) Digest {
	m := codeloop()
	m.Notify.WebhookURL = url
	d, ok := Build(m, fixtureItems(t, "codeloop"), 3, clock(t), brussels(t))
	if !ok {
		t.Fatal("no digest")
	}
	d.BaseURL = "https://passerelle.example"
	return d
}

// loopback lets tests reach their httptest servers, which listen on 127.0.0.1 over http.
var loopback = URLPolicy{HTTPHosts: []string{"127.0.0.1"}, AllowNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}

func withID(d Digest, id string) Digest {
	d.ID = id
	return d
}

func TestWebhook(t *testing.T) {
	tests := []struct {
		name       string
		script     []int
		wantCalls  int
		wantStatus int // 0: success
	}{
		{"200 at once", []int{200}, 1, 0},
		{"204 is success too", []int{204}, 1, 0},
		{"500 then 200", []int{500, 200}, 2, 0},
		{"429 then 202", []int{429, 202}, 2, 0},
		{"400 is not retried", []int{400}, 1, 400},
		{"410 is not retried", []int{410}, 1, 410},
		{"503 three times gives up", []int{503}, 3, 503},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rc := &receiver{t: t, script: tc.script}
			srv := httptest.NewServer(rc)
			defer srv.Close()
			wh := &Webhook{Secret: secret, Policy: loopback, Client: srv.Client(), Backoff: time.Millisecond,
				Now: func() time.Time { return clock(t) }}
			err := wh.Send(context.Background(), withID(webhookDigest(t, srv.URL+"/hook"), "dlv-42"))
			if len(rc.calls) != tc.wantCalls {
				t.Errorf("%d calls, want %d", len(rc.calls), tc.wantCalls)
			}
			if tc.wantStatus == 0 {
				if err != nil {
					t.Fatalf("Send: %v", err)
				}
			} else {
				var se *StatusError
				if !errors.As(err, &se) || se.StatusCode != tc.wantStatus {
					t.Fatalf("error %v, want a StatusError %d", err, tc.wantStatus)
				}
				if !strings.Contains(err.Error(), strconv.Itoa(tc.wantStatus)) {
					t.Errorf("error %q does not name the status", err)
				}
			}
			for i := 1; i < len(rc.bodies); i++ {
				if string(rc.bodies[i]) != string(rc.bodies[0]) || rc.calls[i].Header.Get(HeaderID) != "dlv-42" {
					t.Errorf("attempt %d differs from the first", i+1)
				}
			}
		})
	}
}

func TestWebhookBody(t *testing.T) {
	rc := &receiver{t: t, script: []int{200}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	wh := &Webhook{Secret: secret, Policy: loopback, Client: srv.Client(), Now: func() time.Time { return clock(t) }}
	if err := wh.Send(context.Background(), withID(webhookDigest(t, srv.URL), "dlv-1")); err != nil {
		t.Fatal(err)
	}
	var p Payload
	if err := json.Unmarshal(rc.bodies[0], &p); err != nil {
		t.Fatal(err)
	}
	if p.Event != "digest" || p.Member.ID != "codeloop" || p.Language != "fr" || p.Timestamp != clock(t).Unix() {
		t.Errorf("envelope %+v", p)
	}
	if len(p.Items) != 3 {
		t.Fatalf("%d items, want 3", len(p.Items))
	}
	first := p.Items[0]
	if first.Opportunity != "ted:123456-2026" || first.Score != 87 || first.DaysLeft == nil || *first.DaysLeft != 5 ||
		len(first.Reasons) != 3 || first.Reasons[0].Evidence != "cluster security" || first.URL != "https://ted.example/notice/123456-2026" {
		t.Errorf("first item %+v", first)
	}
	if got := rc.calls[0].Header.Get(HeaderTimestamp); got != strconv.FormatInt(clock(t).Unix(), 10) {
		t.Errorf("timestamp header %q", got)
	}
}

func TestWebhookNetworkErrorIsRetried(t *testing.T) {
	// A port that was just free: nothing listens, every attempt is refused.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String() + "/hook"
	l.Close()
	var attempts int
	client := &http.Client{Transport: roundTripCounter{&attempts, http.DefaultTransport}}
	wh := &Webhook{Secret: secret, Policy: loopback, Client: client, Backoff: time.Millisecond, Attempts: 2}
	err = wh.Send(context.Background(), withID(webhookDigest(t, url), "dlv-net"))
	if err == nil || attempts != 2 || !strings.Contains(err.Error(), "2 attempts") {
		t.Errorf("err %v after %d attempts, want failure after 2", err, attempts)
	}
}

type roundTripCounter struct {
	n  *int
	rt http.RoundTripper
}

func (c roundTripCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	*c.n++
	return c.rt.RoundTrip(r)
}

func TestWebhookStopsWhenContextEnds(t *testing.T) {
	rc := &receiver{t: t, script: []int{500}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	wh := &Webhook{Secret: secret, Policy: loopback, Client: srv.Client(), Backoff: time.Hour, Attempts: 5}
	done := make(chan error, 1)
	go func() { done <- wh.Send(ctx, withID(webhookDigest(t, srv.URL), "dlv-ctx")) }()
	// The first attempt fails with 500; Send then waits an hour unless cancelled.
	for {
		rc.mu.Lock()
		n := len(rc.calls)
		rc.mu.Unlock()
		if n > 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	err := <-done
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled", err)
	}
}

func TestWebhookRefusesBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		wh   Webhook
		url  string
		id   string
		want string
	}{
		{"no secret", Webhook{}, "https://hooks.example/x", "d", "secret"},
		{"no url", Webhook{Secret: secret}, "", "d", "webhook_url"},
		{"ftp url", Webhook{Secret: secret}, "ftp://hooks.example/x", "d", "webhook_url"},
		{"file url", Webhook{Secret: secret}, "file:///etc/passwd", "d", "webhook_url"},
		{"plain http", Webhook{Secret: secret}, "http://hooks.example/x", "d", "https"},
		{"loopback", Webhook{Secret: secret}, "https://127.0.0.1:8443/x", "d", "internal"},
		{"ipv6 loopback", Webhook{Secret: secret}, "https://[::1]/x", "d", "internal"},
		{"metadata", Webhook{Secret: secret}, "https://169.254.169.254/latest", "d", "internal"},
		{"credentials", Webhook{Secret: secret}, "https://u:p@hooks.example/x", "d", "password"},
		{"no delivery id", Webhook{Secret: secret}, "https://hooks.example/x", "", "delivery id"},
	} {
		err := tc.wh.Send(context.Background(), withID(webhookDigest(t, tc.url), tc.id))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want one naming %q", tc.name, err, tc.want)
		}
	}
}

func TestSignVerify(t *testing.T) {
	body := []byte(`{"event":"digest"}`)
	sig := Sign(secret, body)
	// Known answer, computed independently: printf '{"event":"digest"}' | openssl dgst -sha256 -hmac 's3cret-shared-with-codeloop'
	if want := "sha256=" + knownHMAC; sig != want {
		t.Errorf("Sign = %s, want %s", sig, want)
	}
	for _, tc := range []struct {
		name   string
		secret []byte
		body   []byte
		header string
		want   bool
	}{
		{"good", secret, body, sig, true},
		{"upper-case hex", secret, body, "sha256=" + strings.ToUpper(sig[7:]), true},
		{"other body", secret, []byte(`{"event":"digest" }`), sig, false},
		{"other secret", []byte("nope"), body, sig, false},
		{"no prefix", secret, body, sig[7:], false},
		{"sha1 prefix", secret, body, "sha1=" + sig[7:], false},
		{"not hex", secret, body, "sha256=zz", false},
		{"truncated", secret, body, sig[:len(sig)-2], false},
		{"empty", secret, body, "", false},
	} {
		if got := Verify(tc.secret, tc.body, tc.header); got != tc.want {
			t.Errorf("%s: Verify = %v, want %v", tc.name, got, tc.want)
		}
	}
}

const knownHMAC = "9100863729ea25149298659d227f35be26b76d6750aa5c94ab730663f021c3b9"

func TestWebhookErrorHidesTokens(t *testing.T) {
	rc := &receiver{t: t, script: []int{403}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	u := srv.URL + "/hook?token=abc123"
	err := (&Webhook{Secret: secret, Policy: loopback, Client: srv.Client()}).Send(context.Background(), withID(webhookDigest(t, u), "d"))
	if err == nil || strings.Contains(err.Error(), "abc123") || strings.Contains(err.Error(), "Forbidden\nForbidden") || !strings.Contains(err.Error(), "/hook: 403") {
		t.Errorf("err %v", err)
	}
}

// TestStandardWebhooksVector checks the signature against the test vector of the Standard
// Webhooks specification's reference libraries (secret, id, timestamp, payload, answer).
func TestStandardWebhooksVector(t *testing.T) {
	key := SigningKey([]byte("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
	got := SignStandard(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", []byte(`{"test": 2432232314}`))
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Fatalf("SignStandard = %s, want %s", got, want)
	}
	if !VerifyStandard(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", []byte(`{"test": 2432232314}`), "v1,bm9wZQ== "+got) {
		t.Error("VerifyStandard refuses a list holding the right signature")
	}
	if VerifyStandard(key, "msg_other", "1614265330", []byte(`{"test": 2432232314}`), got) {
		t.Error("VerifyStandard accepts a signature made for another id")
	}
}

// TestWebhookRefusesInternalAddressesAtConnect: a name that passes the URL check but
// resolves to loopback is refused when dialled, unless the policy allows the range; the
// receiver is never reached.
func TestWebhookRefusesInternalAddressesAtConnect(t *testing.T) {
	rc := &receiver{t: t, script: []int{200}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	port := srv.URL[strings.LastIndexByte(srv.URL, ':')+1:]
	// "localhost" over http is allowed by name: only the connect-time check stands.
	byName := URLPolicy{HTTPHosts: []string{"localhost"}}
	wh := &Webhook{Secret: secret, Policy: byName, Attempts: 1}
	err := wh.Send(context.Background(), withID(webhookDigest(t, "http://localhost:"+port+"/hook"), "d"))
	if err == nil || !strings.Contains(err.Error(), "refused") || len(rc.calls) != 0 {
		t.Fatalf("err %v with %d calls, want a refusal before any call", err, len(rc.calls))
	}
	allowed := URLPolicy{HTTPHosts: []string{"localhost"}, AllowNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}}
	wh = &Webhook{Secret: secret, Policy: allowed, Attempts: 1}
	if err := wh.Send(context.Background(), withID(webhookDigest(t, "http://localhost:"+port+"/hook"), "d")); err != nil {
		t.Fatalf("allowed loopback: %v", err)
	}
	if len(rc.calls) != 1 {
		t.Fatalf("%d calls, want 1", len(rc.calls))
	}
}

// TestWebhookDoesNotFollowRedirects: a receiver redirecting elsewhere (here to another
// loopback server, standing for an internal address) is a failure, and the target of the
// redirect is never called.
func TestWebhookDoesNotFollowRedirects(t *testing.T) {
	inner := &receiver{t: t, script: []int{200}}
	innerSrv := httptest.NewServer(inner)
	defer innerSrv.Close()
	outer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, innerSrv.URL+"/admin", http.StatusTemporaryRedirect)
	}))
	defer outer.Close()
	wh := &Webhook{Secret: secret, Policy: loopback}
	err := wh.Send(context.Background(), withID(webhookDigest(t, outer.URL+"/hook"), "d"))
	var se *StatusError
	if !errors.As(err, &se) || se.StatusCode != http.StatusTemporaryRedirect || !strings.Contains(err.Error(), "not followed") {
		t.Fatalf("err %v, want a 307 StatusError", err)
	}
	if len(inner.calls) != 0 {
		t.Fatalf("the redirect target was called %d times", len(inner.calls))
	}
}

// TestWebhookErrorKeepsNoBody: what a receiver answers is not copied into the error (which
// ends up in logs and delivery records).
func TestWebhookErrorKeepsNoBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, "root:x:0:0:secret-internal-page")
	}))
	defer srv.Close()
	err := (&Webhook{Secret: secret, Policy: loopback}).Send(context.Background(), withID(webhookDigest(t, srv.URL), "d"))
	if err == nil || strings.Contains(err.Error(), "secret-internal-page") || !strings.Contains(err.Error(), "400 Bad Request") {
		t.Fatalf("err %v", err)
	}
}

func TestCheckURL(t *testing.T) {
	for _, tc := range []struct {
		url    string
		policy URLPolicy
		ok     bool
	}{
		{"https://hooks.example/x", URLPolicy{}, true},
		{"https://93.184.216.34/x", URLPolicy{}, true},
		{"http://hooks.example/x", URLPolicy{}, false},
		{"http://hooks.example/x", URLPolicy{HTTPHosts: []string{"hooks.example"}}, true},
		{"https://10.1.2.3/x", URLPolicy{}, false},
		{"https://10.1.2.3/x", URLPolicy{AllowNets: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}, true},
		{"https://[fd00:ec2::254]/", URLPolicy{}, false},
		{"https://[::ffff:127.0.0.1]/", URLPolicy{}, false},
		{"https://0.0.0.0/", URLPolicy{}, false},
		{"https://localhost/", URLPolicy{}, false},
		{"gopher://hooks.example/", URLPolicy{}, false},
		{"https:///x", URLPolicy{}, false},
	} {
		err := tc.policy.CheckURL(tc.url)
		if (err == nil) != tc.ok {
			t.Errorf("CheckURL(%q) with %+v = %v, want ok=%v", tc.url, tc.policy, err, tc.ok)
		}
	}
}
