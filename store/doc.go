// Package store keeps Passerelle's state in one bbolt file: it is the source of truth,
// from which the search index can always be rebuilt.
//
// What it promises:
//   - One process at a time: Open waits one second for the file lock, then fails with an
//     ECONFLICT error telling the user to go through the running server's API.
//   - Every write is one bbolt transaction: a crash leaves either all of a batch or none of it,
//     and re-putting the same records never makes duplicates.
//   - Stored data is never lost by bad input: records are validated before any write, and a
//     rejected batch writes nothing. Deleting a source keeps its opportunities.
//   - The same notice from two sources is one opportunity: a copy is recognised by its TED
//     publication number or by title, buyer and deadline date, merged (PutMerged) and its id
//     kept as an alias. Merging never rewrites what the first source said; it only fills gaps.
//   - Opportunities keep their history: each material change (text, deadline, status, value,
//     stages) bumps Revision and stores the diff. Rules are versioned and never rewritten.
//   - Values are JSON in the domain's canonical shape, except matches, read by the hundreds
//     per request, which use a compact versioned binary layout (matchcodec.go). Keys sort
//     (ids, zero-padded run numbers, big-endian numbers and times), so listings come out
//     ordered without sorting.
//   - Work is never lost: a new or materially changed opportunity gets a pending marker in
//     the transaction that stores it, cleared only in the one that stores its matches
//     (pending.go), so whatever a crash interrupts, the next run finds what is left to do.
//   - Values returned are copies: nothing refers to bbolt's memory after a call returns.
//   - Secondary indexes can always be checked against the records (Check) and rebuilt from
//     them (RebuildIndexes); records are never derived from indexes.
//
// The bucket tree (schema version in meta/schema_version, steps in migrations.go):
//
//	meta
//	  schema_version                    → decimal number of the last migration applied
//	opportunities
//	  <opportunity id>                  → passerelle.Opportunity (JSON, without revisions)
//	revisions
//	  <opportunity id> 0x00 <n:uint64>  → passerelle.Revision (JSON), n = 2, 3, ...
//	opportunities_by_updated            (schema 2; serves UpdatedSince without a full scan)
//	  <updated:int64 ns, sign-flipped> <opportunity id> → empty
//	fingerprints                        (schema 4; recognises another source's copy, dedup.go)
//	  "ref:" <TED publication number>   → opportunity id
//	  "tbd:" <title>|<buyer>|<date>     → opportunity id (normalized; first one seen wins)
//	aliases
//	  <id a copy came under>            → opportunity id it was merged into
//	  <another id of the notice>        → its opportunity id (Opportunity.Aliases, notice_alias.go)
//	pending_changes                     (created on first use; pending_change.go)
//	  <target id> 0x00 <change id>      → empty: a corrigendum waiting for its notice
//	pending_partials                    (created on first use; partial.go)
//	  <opportunity id> 0x00 <sequence>  → passerelle.Opportunity (JSON): a partial release waiting for its notice
//	members
//	  <member id>                       → passerelle.Member (JSON; schema 10: `profiles` always given)
//	sources
//	  <source id>                       → passerelle.Source (JSON)
//	fetch_state
//	  <source id>                       → FetchState (JSON: etag, last_modified, checked)
//	rules
//	  <version:uint64>                  → passerelle.Rules (JSON)
//	matches
//	  <member id> 0x00 <opportunity id> → passerelle.Match (binary v1, or JSON as written
//	                                      before it); a member's matches are one key range
//	matches_by_score                    (schema 3; MatchesPage: a page costs its size)
//	  <member id> 0x00 <score:float64, descending> <opportunity id> → match state
//	feedback_counts
//	  <rules version:uint64> <verdict>  → count:uint64 (current verdicts, per rules version)
//	runs                                (bucket sequence = last run number)
//	  <run id: 6-digit zero-padded>     → passerelle.Run (JSON)
//	deliveries                          (schema 5; bucket sequence = last delivery number)
//	  <n:uint64>                        → Delivery (JSON)
//	deliveries_by_member
//	  <member id> 0x00 <n:uint64>       → empty
//	keys
//	  <key id: 12 hex>                  → API key (JSON, with the SHA-256 of its secret)
//	key_hashes
//	  <sha256(secret) hex>              → key id
//	feed_tokens                         (schema 6: tokens stored as their SHA-256 hex)
//	  <member id>                       → sha256(feed token) hex
//	feed_token_members
//	  <sha256(feed token) hex>          → member id
//	digests                             (schema 6; digest.go: one per member and period)
//	  <member id> 0x00 <period>         → Digest (JSON: id, items, held, per-channel state)
//	digests_open                        (digests with a channel still owing a delivery)
//	  <member id> 0x00 <period>         → empty
//	digest_items                        (what a digest carried or held: never sent again)
//	  <member id> 0x00 <opportunity id> → period
//	pending                             (schema 7; work still to do, pending.go; sequence = generation)
//	  <opportunity id>                  → <generation:uint64> <kind: 'm' match | 'i' index only>
//	audit                               (schema 8; bucket sequence = last entry number)
//	  <seq:uint64>                      → AuditEntry (JSON): who, when, what changed
//	key_last_used                       (schema 8; written at most once a minute per key)
//	  <key id>                          → RFC 3339 time
//	staff_users                         (schema 9; named staff people, staff.go)
//	  <staff user id: su_ 12 hex>       → StaffUser (JSON: name, email, created)
//	staff_emails
//	  <lower-cased address>             → staff user id
//	signin_links                        (schema 9; single-use e-mail links, signin.go)
//	  <sha256(link token) hex>          → who it is for, expiry (JSON)
//	sessions
//	  <sha256(session secret) hex>      → who, expiry, CSRF token (JSON)
//	secrets                             (schema 11; link_secret.go)
//	  "link"                            → 32 random bytes: the HMAC key of digest links
//	digest_reminders                    (schema 11; digest_reminder.go: never remind twice)
//	  <member id> 0x00 <opportunity id> → Reminder (JSON: closing period, last revision told)
//
// Ids never contain a NUL byte (checked on the way in), which is what keeps the 0x00
// separators of compound keys unambiguous.
package store
