package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/passerelle/passerelle"
)

// Webhook headers, after the Standard Webhooks scheme (www.standardwebhooks.com), so that
// receivers verify with a ready-made library: the signature covers the id, the timestamp
// and the body, so a receiver can trust all three, drop an id it has already seen (the id
// is the digest's, the same on every retry and after a crash) and reject old timestamps.
const (
	HeaderID        = "webhook-id"        // the digest id, stable across retries and runs
	HeaderTimestamp = "webhook-timestamp" // Unix seconds of this attempt
	HeaderSignature = "webhook-signature" // "v1," + base64 HMAC-SHA256 of id.timestamp.body
	// HeaderLegacySignature is the signature documented before the standard headers:
	// "sha256=" + hex HMAC-SHA256 of the body alone. Kept for receivers written against it.
	HeaderLegacySignature = "X-Passerelle-Signature"
	HeaderEvent           = "X-Passerelle-Event" // "digest"
)

// Webhook posts digests as signed JSON.
type Webhook struct {
	// Secret is the shared signing secret. A Standard Webhooks secret "whsec_<base64>" is
	// used as its decoded bytes (what the libraries do); any other string as its bytes, in
	// which case a library is given "whsec_" + base64(secret).
	Secret []byte
	// Policy says which URLs and addresses may be called (see URLPolicy).
	Policy URLPolicy
	// Client, when nil, is Policy.Client(30 s): addresses checked at connect time, no
	// redirects. Tests may pass their own.
	Client *http.Client
	// Attempts is how many times a delivery is tried in all (0: 3). Only server errors
	// (5xx), 429 and network failures are tried again.
	Attempts int
	// Backoff is the wait before the first retry, doubled for each next one (0: 1 s).
	Backoff time.Duration
	// Now stamps the body; nil means time.Now (tests pin it).
	Now func() time.Time
}

// Payload is the JSON body of a digest webhook.
type Payload struct {
	Event     string        `json:"event"`     // "digest"
	Delivery  string        `json:"delivery"`  // the digest id, as in the webhook-id header
	Timestamp int64         `json:"timestamp"` // Unix seconds, as in the webhook-timestamp header
	Generated time.Time     `json:"generated"`
	Language  string        `json:"language"`
	Member    PayloadMember `json:"member"`
	Items     []PayloadItem `json:"items"`
	// More counts the member's other new matches, not sent: they wait on its page.
	More int `json:"more"`
	// Closing are followed matches whose deadline comes within a week; Changed the changes
	// (revisions, old → new) of matches the member was already sent, saved or seen.
	Closing []PayloadItem   `json:"closing,omitempty"`
	Changed []PayloadChange `json:"changed,omitempty"`
}

// PayloadChange is a changed match and the revisions that changed it.
type PayloadChange struct {
	PayloadItem
	Revisions []passerelle.Revision `json:"revisions"`
}

// PayloadMember names the member a digest is for.
type PayloadMember struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// PayloadItem is one match in a webhook body.
type PayloadItem struct {
	Opportunity string                    `json:"opportunity"`
	Title       string                    `json:"title"`
	Buyer       string                    `json:"buyer,omitempty"`
	Kind        passerelle.Kind           `json:"kind,omitempty"`
	Status      passerelle.Status         `json:"status,omitempty"`
	URL         string                    `json:"url,omitempty"`
	Deadline    *time.Time                `json:"deadline"`
	DaysLeft    *int                      `json:"days_left"`
	Stages      []passerelle.Stage        `json:"stages,omitempty"`
	Score       float64                   `json:"score"`
	Reasons     []passerelle.Contribution `json:"reasons"`
}

// NewPayload builds the webhook body of d.
func NewPayload(d Digest, deliveryID string, at time.Time) Payload {
	lang := Lang(d.Member)
	p := Payload{
		Event:     "digest",
		Delivery:  deliveryID,
		Timestamp: at.Unix(),
		Generated: d.Generated,
		Language:  lang,
		Member:    PayloadMember{ID: d.Member.ID, Name: d.Member.Name},
		Items:     make([]PayloadItem, 0, len(d.Items)),
		More:      d.More,
	}
	for _, it := range d.Items {
		p.Items = append(p.Items, payloadItem(d, it, lang))
	}
	for _, it := range d.Closing {
		p.Closing = append(p.Closing, payloadItem(d, it, lang))
	}
	for _, c := range d.Changed {
		p.Changed = append(p.Changed, PayloadChange{PayloadItem: payloadItem(d, c.Item, lang), Revisions: c.Revisions})
	}
	return p
}

func payloadItem(d Digest, it Item, lang string) PayloadItem {
	o := it.Opportunity
	pi := PayloadItem{
		Opportunity: o.ID,
		Title:       Title(o, lang),
		Buyer:       o.Buyer,
		Kind:        o.Kind,
		Status:      o.Status,
		URL:         Link(d.BaseURL, it),
		Deadline:    deadlineOf(&o),
		Stages:      o.Stages,
		Score:       it.Match.Score,
		Reasons:     Reasons(it.Match, 3),
	}
	if pi.Deadline != nil {
		n := DaysLeft(d.Generated, *pi.Deadline)
		pi.DaysLeft = &n
	}
	if pi.Reasons == nil {
		pi.Reasons = []passerelle.Contribution{}
	}
	return pi
}

// StatusError is a webhook answered with a status other than 2xx. It keeps the status
// line only: the answer's body is the receiver's and is neither logged nor stored.
type StatusError struct {
	URL        string
	StatusCode int
	Status     string
}

func (e *StatusError) Error() string {
	s := "webhook " + e.URL + ": " + e.Status
	if e.StatusCode >= 300 && e.StatusCode < 400 {
		s += " (redirects are not followed)"
	}
	return s
}

// retryable: the server may do better next time.
func (e *StatusError) retryable() bool {
	return e.StatusCode >= 500 || e.StatusCode == http.StatusTooManyRequests
}

// Send posts d to the member's webhook URL, with d.ID as the webhook id. A 2xx answer is
// success; a 3xx or 4xx fails at once with a *StatusError naming the status; 5xx, 429 and
// network errors are tried again with backoff, up to Attempts in all. Every attempt
// carries the same body and id.
func (w *Webhook) Send(ctx context.Context, d Digest) error {
	target := strings.TrimSpace(d.Member.Notify.WebhookURL)
	if target == "" {
		return passerelle.Errorf(passerelle.EINVALID, "member %s: notify.webhook_url is empty", d.Member.ID)
	}
	if err := w.Policy.CheckURL(target); err != nil {
		return passerelle.Errorf(passerelle.EINVALID, "member %s: notify.webhook_url %s", d.Member.ID, err)
	}
	u, _ := url.Parse(target) // CheckURL parsed it
	key := SigningKey(w.Secret)
	if len(key) == 0 {
		return passerelle.Errorf(passerelle.EINVALID, "webhook secret is empty: refusing to send unsigned digests")
	}
	if d.ID == "" {
		return passerelle.Errorf(passerelle.EINVALID, "webhook delivery id (the digest id) is empty")
	}
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	at := now()
	body, err := json.Marshal(NewPayload(d, d.ID, at))
	if err != nil {
		return fmt.Errorf("webhook body: %w", err)
	}
	ts := strconv.FormatInt(at.Unix(), 10)
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "Passerelle-Webhook/1")
	h.Set(HeaderID, d.ID)
	h.Set(HeaderTimestamp, ts)
	h.Set(HeaderSignature, SignStandard(key, d.ID, ts, body))
	h.Set(HeaderLegacySignature, Sign(key, body))
	h.Set(HeaderEvent, "digest")
	client := w.Client
	if client == nil {
		client = w.Policy.Client(30 * time.Second)
	}
	attempts := w.Attempts
	if attempts <= 0 {
		attempts = 3
	}
	wait := w.Backoff
	if wait <= 0 {
		wait = time.Second
	}

	var last error
	for i := 0; i < attempts; i++ {
		if i > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return fmt.Errorf("webhook %s: %w; last attempt: %w", shown(u), ctx.Err(), last)
			case <-t.C:
			}
			wait *= 2
		}
		var retryAfter time.Duration
		retryAfter, last = w.post(ctx, client, u, body, h)
		if last == nil {
			return nil
		}
		var se *StatusError
		if errors.As(last, &se) && !se.retryable() {
			return last
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%w; %w", ctx.Err(), last)
		}
		if retryAfter > wait {
			wait = retryAfter
		}
	}
	return fmt.Errorf("webhook gave up after %d attempts: %w", attempts, last)
}

// Target is where the member's digests go by webhook (its URL without credentials or
// query), or why they cannot go.
func (w *Webhook) Target(m passerelle.Member) (string, error) {
	raw := strings.TrimSpace(m.Notify.WebhookURL)
	if raw == "" {
		return "", passerelle.Errorf(passerelle.EINVALID, "member %s has no notify.webhook_url", m.ID)
	}
	if err := w.Policy.CheckURL(raw); err != nil {
		return "", passerelle.Errorf(passerelle.EINVALID, "member %s: notify.webhook_url %s", m.ID, err)
	}
	u, _ := url.Parse(raw)
	return shown(u), nil
}

// maxRetryAfter caps a receiver's Retry-After: a digest run does not wait for hours.
const maxRetryAfter = time.Minute

func (w *Webhook) post(ctx context.Context, client *http.Client, u *url.URL, body []byte, h http.Header) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header = h.Clone()
	resp, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("webhook %s: %w", shown(u), scrubURLError(err))
	}
	defer resp.Body.Close()
	// Read a little so the connection can be reused; the answer itself is never kept.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return 0, nil
	}
	var ra time.Duration
	if s, err := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After"))); err == nil && s > 0 {
		ra = min(time.Duration(s)*time.Second, maxRetryAfter)
	}
	return ra, &StatusError{URL: shown(u), StatusCode: resp.StatusCode, Status: oneLine(strings.ToValidUTF8(resp.Status, "?"))}
}

// scrubURLError drops the URL a *url.Error repeats (it may hold the receiver's token in
// its query): the caller names the URL itself, shown without secrets.
func scrubURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// SigningKey is the HMAC key of a secret: the decoded bytes of a Standard Webhooks
// "whsec_<base64>" secret, else the secret's own bytes.
func SigningKey(secret []byte) []byte {
	if rest, ok := bytes.CutPrefix(secret, []byte("whsec_")); ok {
		if k, err := base64.StdEncoding.DecodeString(string(rest)); err == nil && len(k) > 0 {
			return k
		}
	}
	return secret
}

// SignStandard returns the webhook-signature header of a delivery: "v1," + base64 of the
// HMAC-SHA256 of "id.timestamp.body" with key.
func SignStandard(key []byte, id, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + timestamp + "."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// VerifyStandard reports whether one of the space-separated signatures of header is the
// v1 signature of id.timestamp.body with key, in constant time. Checking the timestamp's
// age is the receiver's policy and is not done here.
func VerifyStandard(key []byte, id, timestamp string, body []byte, header string) bool {
	want := SignStandard(key, id, timestamp, body)
	ok := false
	for _, s := range strings.Fields(header) {
		if hmac.Equal([]byte(s), []byte(want)) {
			ok = true
		}
	}
	return ok
}

// Sign returns the legacy signature header value of body: "sha256=<hex HMAC-SHA256>".
func Sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify reports whether header is the signature of body with secret, in constant time.
func Verify(secret, body []byte, header string) bool {
	hexSig, ok := strings.CutPrefix(strings.TrimSpace(header), "sha256=")
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// shown is the webhook URL as errors name it: without user info or query, where
// receivers often put their own tokens, since errors end up in delivery records.
func shown(u *url.URL) string {
	c := *u
	c.User, c.RawQuery, c.ForceQuery, c.Fragment = nil, "", false, ""
	return c.String()
}
