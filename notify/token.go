package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"

	"github.com/passerelle/passerelle"
)

// Links in a digest must work for whoever reads the e-mail, without signing in: each carries
// a token that names what it may do (its purpose), for which member and which match, signed
// with HMAC-SHA256 under a secret only the server knows (kept in the store). Nothing is
// stored per token: the signature is the proof, and rotating the secret voids them all.
//
// A token is base64url("purpose\x00member\x00opportunity") + "." + base64url(mac), short
// enough for a URL path and without characters that need escaping.

// Token purposes. A match token opens that match's opportunity page with the member's
// reasons and lets its one-click feedback be confirmed; an unsubscribe token turns the
// member's digests off.
const (
	PurposeMatch       = "match"
	PurposeUnsubscribe = "unsubscribe"
)

// Claim is what a valid token says.
type Claim struct {
	Purpose     string
	Member      string
	Opportunity string // empty for an unsubscribe token
}

// SignToken makes the token of c under secret.
func SignToken(secret []byte, c Claim) string {
	payload := c.Purpose + "\x00" + c.Member + "\x00" + c.Opportunity
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(payload)) + "." + enc.EncodeToString(tokenMAC(secret, payload))
}

// VerifyToken checks tok under secret and that it serves purpose; it returns what it says.
// A forged, altered, truncated or other-purpose token is EINVALID, with a message that says
// which, never which part of the signature was wrong.
func VerifyToken(secret []byte, tok, purpose string) (Claim, error) {
	bad := func(why string) (Claim, error) {
		return Claim{}, passerelle.Errorf(passerelle.EINVALID, "link token %s: copy the whole address from the e-mail", why)
	}
	if len(secret) == 0 {
		return Claim{}, passerelle.Errorf(passerelle.EINTERNAL, "no secret to check link tokens with")
	}
	p, m, ok := strings.Cut(tok, ".")
	if !ok {
		return bad("is malformed")
	}
	enc := base64.RawURLEncoding
	payload, err1 := enc.DecodeString(p)
	mac, err2 := enc.DecodeString(m)
	if err1 != nil || err2 != nil {
		return bad("is malformed")
	}
	if !hmac.Equal(mac, tokenMAC(secret, string(payload))) {
		return bad("is not valid (altered or not made by this server)")
	}
	parts := strings.Split(string(payload), "\x00")
	if len(parts) != 3 || parts[1] == "" {
		return bad("is malformed")
	}
	c := Claim{Purpose: parts[0], Member: parts[1], Opportunity: parts[2]}
	if c.Purpose != purpose {
		return bad("is not meant for this page")
	}
	if c.Purpose == PurposeMatch && c.Opportunity == "" {
		return bad("is malformed")
	}
	return c, nil
}

func tokenMAC(secret []byte, payload string) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte("passerelle-link-v1\x00")) // a key used for nothing else
	h.Write([]byte(payload))
	return h.Sum(nil)
}
