// Package index is Passerelle's full-text index of opportunities, kept in bleve (scorch).
//
// The index is derived data: the store is the truth, and every document here can be
// rebuilt from it (`passerelle reindex`). Because of that the package promises:
//
//   - an explicit mapping (no dynamic fields), versioned by MappingVersion; the version is
//     stored beside the data, and Open recreates an empty index and reports NeedsRebuild
//     when it differs, so that a mapping change never serves half-analysed documents;
//   - documents keyed by the opportunity id, so re-indexing an opportunity replaces it;
//   - searches that never fail with an internal error because of what a user typed: a bad
//     query (malformed syntax, a CPV prefix that is not 2-8 digits, an unknown status or
//     sort) is a passerelle.EINVALID error.
//
// Text is analysed per language (French with elision and accent folding and a light
// stemmer, English with the Porter stemmer, Dutch and German with bleve's stemmers) and
// once more, for every language, in a folded generic field "all" that default queries use.
// Fields: title (folded, boosted in queries), all (title, description and translations,
// folded), text_fr/text_en/text_nl/text_de (texts in that language, stemmed), buyer;
// keywords id, source, kind, status, country, language, clusters, sectors, nuts, cpv,
// cpv_prefix (every 2..8-digit prefix) and cpv_division (2 digits, for facets); dates
// deadline and published. Nothing is stored: hits carry ids only.
//
// Technology tokens such as C++, C#, F# and .NET survive analysis. CPV codes are indexed
// with all their prefixes (2 to 8 digits) so that a prefix filter is a single term lookup.
//
// Search combines the text query with keyword filters (filters never change scores). Facet
// counts and field sorts are computed from the terms rather than from every hit's doc
// values (snapshot.go): an unfiltered listing of 100k opportunities with its six facets
// costs well under a millisecond. Candidates and CandidatesFor, the recall stage of
// matching a new profile, add CPV feedback to the profile's words so that notices in other
// languages are found, and retrieve the notices a source tagged with the profile's
// clusters or sectors.
//
// The package only holds ids and scores: callers read the opportunities from the store.
package index
