// Package notify tells premium members of their new matches: a digest by e-mail (SMTP,
// one multipart text+HTML message to all of a member's contacts) and by webhook (a JSON
// body signed with HMAC-SHA256), and per-member Atom and iCalendar feeds of matches and
// deadlines.
//
// What it promises:
//   - Build decides what one member is sent now: premium members only, matches in state
//     new, not vetoed, still open, ranked by score (then the sooner deadline), at most the
//     rules' MaxPerDigest; frequency daily, weekly (Mondays in the caller's zone) or off.
//     Besides its new items a digest may carry reminders the caller chose: ClosingSoon
//     (followed matches — new, notified, seen, saved — closing within 7 days) and ChangesOf
//     (revisions of matches sent, saved or seen, told field by field, old → new).
//   - Texts are in English when the member's first language is "en", in French otherwise.
//     Each item shows title, buyer, deadline ("dans 5 jours" / "in 5 days"), score, the
//     three strongest reasons from the match's explanation, and a link. The HTML part is a
//     table layout with inline styles, one column of at most 600 px that narrows on a phone.
//   - With a secret and a base URL, links are signed (SignToken: HMAC-SHA256 of purpose,
//     member and opportunity): titles open Passerelle's page of the opportunity, feedback
//     buttons a confirmation page, and the unsubscribe link (also in List-Unsubscribe, with
//     List-Unsubscribe-Post for RFC 8058 one-click) turns the member's digests off.
//   - Webhooks follow Standard Webhooks: webhook-id (the digest's ID, the same on every
//     retry and every run), webhook-timestamp and webhook-signature ("v1," + base64
//     HMAC-SHA256 of "id.timestamp.body"; VerifyStandard checks it in constant time); the
//     legacy X-Passerelle-Signature ("sha256=" + hex HMAC of the body) is sent too. A 2xx
//     is success; 5xx, 429 and network errors are retried with backoff (3 attempts in all
//     by default) with the same body and id; a 3xx or 4xx fails at once with a
//     *StatusError holding the status line only — answer bodies are never kept.
//   - Webhooks reach only what URLPolicy allows: https (http only to listed hosts), and no
//     loopback, private, link-local, unspecified or metadata address unless allowed — the
//     URL is checked as written and every address again when dialled; no redirects.
//   - An e-mail digest's Message-ID is built from its ID: a resend is the same message.
//   - Feeds are valid Atom 1.0 (entry ids urn:passerelle:match:<member>:<opportunity>,
//     stable) and RFC 5545 iCalendar (CRLF, lines folded at 75 octets without splitting a
//     character, TEXT escaped, one VEVENT per deadline and per stage deadline with a
//     stable UID, SEQUENCE following the opportunity's revision).
//
// What it does not promise: this package only sends. Once-per-channel delivery is the
// caller's job (the pipeline records each digest and channel in the store before sending).
// An e-mail whose SMTP session failed after the end of DATA may still have arrived: a
// resend carries the same Message-ID, which is what lets the receiver tell.
//
// The package imports only the root package and the standard library (net/smtp for mail).
package notify
