// Package source is Passerelle's door to the outside world: it fetches documents (over
// HTTP(S) or from a local file, directory or archive) and turns them into opportunities,
// with one parser per format: RSS/Atom, canonical JSONL, CSV, JSON APIs, OCDS, TED XML,
// eForms UBL, the EU Funding & Tenders portal's search API and scraped HTML. It stores
// nothing.
//
// What it promises:
//
//   - Every format has the same Parser signature. A parser returns every good record it
//     found even when others are bad; the bad ones come back as a *RecordErrors naming the
//     file, the record, its line when known, and the field. A document that cannot be read
//     at all yields no records and an error naming the file.
//   - Fetching is polite and bounded: conditional GET (ETag, Last-Modified), a timeout, a
//     cap on the body size, retries with exponential backoff and jitter on network errors,
//     429 and 5xx (never on other 4xx), honouring Retry-After.
//   - Load normalises what the parsers produce so that the rest of the program sees one
//     shape: ids "<source>:<external id>" (an imported JSONL record keeps its id), source
//     defaults (pole, language, clusters, sectors, kind), CPV codes as 8 digits.
//   - Auto-detection goes by content first (XML root element and namespace, JSON shape),
//     by name second, by the shape of a table (a header and a constant field count on
//     , ; or tab) last, and never takes an HTML page for a feed.
//   - Archives (.zip, .gz, .tar.gz) expand into their files within a cap (zip bombs).
//   - Date-times written without a zone are read in the source's zone (Europe/Brussels by
//     default). A deadline given as a bare date means the end of that day: a call that
//     closes "on 26 April" is still open on the 26th.
package source
