package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
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

// Webhook headers. The signature covers the body only; the body carries the delivery id
// and the timestamp too, so a receiver can trust them and reject replays (an old
// timestamp, or a delivery id it has already seen).
const (
	HeaderSignature = "X-Passerelle-Signature" // sha256=<hex HMAC-SHA256 of the body>
	HeaderDelivery  = "X-Passerelle-Delivery"  // the delivery id, the same on every retry
	HeaderTimestamp = "X-Passerelle-Timestamp" // Unix seconds when the body was made
	HeaderEvent     = "X-Passerelle-Event"     // "digest"
)

// Webhook posts digests as signed JSON.
type Webhook struct {
	Secret []byte
	Client *http.Client // nil: a client with a 30 s timeout
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
	Event     string        `json:"event"` // "digest"
	Delivery  string        `json:"delivery"`
	Timestamp int64         `json:"timestamp"` // Unix seconds, same as the header
	Generated time.Time     `json:"generated"`
	Language  string        `json:"language"`
	Member    PayloadMember `json:"member"`
	Items     []PayloadItem `json:"items"`
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
	}
	for _, it := range d.Items {
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
		p.Items = append(p.Items, pi)
	}
	return p
}

// StatusError is a webhook answered with a status other than 2xx.
type StatusError struct {
	URL        string
	StatusCode int
	Status     string
	Body       string // the start of the answer, for the delivery record
}

func (e *StatusError) Error() string {
	s := "webhook " + e.URL + ": " + e.Status
	if e.Body != "" {
		s += ": " + e.Body
	}
	return s
}

// retryable: the server may do better next time.
func (e *StatusError) retryable() bool {
	return e.StatusCode >= 500 || e.StatusCode == http.StatusTooManyRequests
}

// Send posts d to the member's webhook URL. A 2xx answer is success; a 4xx fails at once
// with a *StatusError naming the status; 5xx, 429 and network errors are tried again with
// backoff, up to Attempts in all. Every attempt carries the same body and delivery id.
func (w *Webhook) Send(ctx context.Context, d Digest, deliveryID string) error {
	target := strings.TrimSpace(d.Member.Notify.WebhookURL)
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return passerelle.Errorf(passerelle.EINVALID, "member %s: notify.webhook_url %q is not an http(s) URL", d.Member.ID, target)
	}
	if len(w.Secret) == 0 {
		return passerelle.Errorf(passerelle.EINVALID, "webhook secret is empty: refusing to send unsigned digests")
	}
	if deliveryID == "" {
		return passerelle.Errorf(passerelle.EINVALID, "webhook delivery id is empty")
	}
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	at := now()
	body, err := json.Marshal(NewPayload(d, deliveryID, at))
	if err != nil {
		return fmt.Errorf("webhook body: %w", err)
	}
	sig := Sign(w.Secret, body)
	client := w.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
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
		retryAfter, last = w.post(ctx, client, u, body, sig, deliveryID, at)
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

// maxRetryAfter caps a receiver's Retry-After: a digest run does not wait for hours.
const maxRetryAfter = time.Minute

func (w *Webhook) post(ctx context.Context, client *http.Client, u *url.URL, body []byte, sig, id string, at time.Time) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Passerelle-Webhook/1")
	req.Header.Set(HeaderSignature, sig)
	req.Header.Set(HeaderDelivery, id)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(at.Unix(), 10))
	req.Header.Set(HeaderEvent, "digest")
	resp, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("webhook %s: %w", shown(u), err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // let the connection be reused
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return 0, nil
	}
	var ra time.Duration
	if s, err := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After"))); err == nil && s > 0 {
		ra = min(time.Duration(s)*time.Second, maxRetryAfter)
	}
	return ra, &StatusError{URL: shown(u), StatusCode: resp.StatusCode, Status: resp.Status,
		Body: oneLine(strings.ToValidUTF8(string(snippet), "?"))}
}

// Sign returns the signature header value of body: "sha256=<hex HMAC-SHA256>".
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
