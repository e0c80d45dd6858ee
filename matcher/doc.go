// Package matcher decides which opportunities fit which members, and says why.
//
// It holds the default match rules (DefaultRules), the CPV 2008 vocabulary
// (DefaultVocabulary, embedded), the Scorer — pure and explainable: the same member,
// opportunity, rules and clock give the same score and the same evidence —, the Monitor
// that runs the nightly batch over a reverse index of member profiles, and the
// evaluation of ranking quality (Rank, WriteRun, Evaluate over TREC qrels, Kept, and
// RankBM25 as the baseline beside them).
//
// What it learns, it learns from the opportunities it is given (a Corpus, counted from
// the store by the pipeline, from the notices ranked by eval), starting from a bridge of
// public coded notices that ships in the binary (DefaultBridge): how rare each word is
// (a word every notice uses weighs nothing), which CPV codes a skill's words go with
// (learned.go), and the likely codes of a notice without codes, borrowed from its nearest
// coded notices (examples.go). Skills are translated between French and English through
// EuroVoc and the CPV labels (translate.go): whole terms, else word by word, each word by
// the pairs the labels align (Dice, then EM alignment for the words Dice leaves without a
// partner, align.go) or by its cognate where the corpus uses it (cognate.go). Nothing is
// downloaded.
//
// What it promises:
//   - Hard filters come first: only premium members, open opportunities whose (next)
//     deadline leaves the rules' minimum number of days, no excluded word (the member's or
//     the rules'), inside the member's declared regions (NUTS prefixes) and budget when the
//     notice says where and how much. A vetoed pair scores 0 and says what vetoed it.
//   - Then soft fit: skills against titles and descriptions (in the notice's language,
//     its translations, accent- and elision-insensitive, stemmed in fr/en/nl/de, phrases
//     above scattered words, titles above descriptions, a description's lead above its
//     end, a description hit its title confirms above one it doesn't), the notice's CPV codes against the
//     codes the member's words name in the vocabulary's four languages (the bridge that lets
//     a French skill find a German notice), clusters and sectors through the rules' bundles;
//     then deadline, freshness, region and budget, which order what fits but never make a
//     match alone. Every contribution names its evidence; they add up to the score.
//     One wording counts once: two skills that find the same words (a skill and its
//     synonym, a French skill whose translation is the member's English one) are one
//     piece of evidence, named once, at the better of the two hits.
//   - CPV alone must be specific: when no skill is found whole in the notice's words (a
//     part of one is a word, no agreement) and no cluster or sector agrees, a broad fit (a division-wide concept, a group merely inferred from
//     several skills, a sibling or broader notice code) counts half, so that skills
//     mapped to division 45 do not bring every construction notice.
//   - Missing CPV codes are not disagreement either: where the notice has none (a
//     pole's RSS or Atom call) or the profile names none, the skills found whole in the
//     notice's words earn the CPV weight on top of the text weight, and say so; text
//     alone can then carry a match.
//   - Eligibility is a veto, not a score: a call's type of action says who may apply,
//     a member's organisation decides (eligibility.go).
//   - Evidence is what is really there: a word as the notice writes it, a code it
//     carries, or a code inferred for it, shown as inferred with its confidence; a
//     translation names its bridge; a word merged with another only by the stemmer
//     ("natural", "nature") is a loose hit, never a skill found whole.
//   - An empty profile matches nothing: missing data is never agreement.
//   - Score and Monitor.Match give identical scores for the same pair: they run one
//     scoring function, and the Monitor skips only profiles it can prove fall short.
//
// The package imports only the root package among Passerelle's; it does no I/O beyond the
// readers and writers it is handed.
package matcher
