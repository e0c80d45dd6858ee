// Package notify tells premium members of their new matches: a digest by e-mail (SMTP,
// one multipart text+HTML message to all of a member's contacts) and by webhook (a JSON
// body signed with HMAC-SHA256), and per-member Atom and iCalendar feeds of matches and
// deadlines.
//
// What it promises:
//   - Build decides what one member is sent now: premium members only, matches in state
//     new, not vetoed, still open, ranked by score (then the sooner deadline), at most the
//     rules' MaxPerDigest; frequency daily, weekly (Mondays in the caller's zone) or off.
//     No new match, no digest.
//   - Texts are in English when the member's first language is "en", in French otherwise.
//     Each item shows title, buyer, deadline ("dans 5 jours" / "in 5 days"), score, the
//     three strongest reasons from the match's explanation, and a link.
//   - Webhook bodies are signed: header X-Passerelle-Signature is "sha256=" + hex
//     HMAC-SHA256 of the exact body with the shared secret (Verify checks it in constant
//     time). X-Passerelle-Delivery and X-Passerelle-Timestamp are repeated inside the body,
//     so they are covered by the signature and a receiver can reject replays. A 2xx is
//     success; 5xx, 429 and network errors are retried with backoff (3 attempts in all by
//     default), with the same body and delivery id; a 4xx fails at once with a
//     *StatusError naming the status.
//   - Feeds are valid Atom 1.0 (entry ids urn:passerelle:match:<member>:<opportunity>,
//     stable) and RFC 5545 iCalendar (CRLF, lines folded at 75 octets without splitting a
//     character, TEXT escaped, one VEVENT per deadline and per stage deadline with a
//     stable UID, SEQUENCE following the opportunity's revision).
//
// What it does not promise: this package only sends. At-most-once delivery per match and
// per channel is the caller's job: record each delivery (its id, the matches it carried,
// the outcome) in the store before marking matches notified, and skip what was already
// delivered. A webhook retried here keeps its delivery id so that receivers can drop
// duplicates; an e-mail whose SMTP session failed after the end of DATA may still arrive.
//
// The package imports only the root package and the standard library (net/smtp for mail).
package notify
