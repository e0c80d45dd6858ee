package index

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/exception"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/registry"
)

// techTokens are the patterns the tokenizer keeps whole. The unicode word segmenter would
// split "C++" into "c" and drop "#" and the leading dot of ".NET", making them unsearchable.
// They run after accent folding, so plain ASCII is enough. Go's regexp has no look-behind:
// ".net" is also found at the end of a host name (www.example.net), a tolerable noise.
// Changing them changes every analyzer: bump MappingVersion.
var techTokens = []string{
	`(?i)\b[cfj]#`,
	`(?i)\bc\+\+`,
	`(?i)(?:\b(?:asp|vb|ado))?\.net\b`,
}

// techRE finds the tech tokens, e.g. to escape them for the query string parser.
var techRE = regexp.MustCompile(strings.Join(techTokens, "|"))

// techTokenizer is bleve's unicode tokenizer, except around tech tokens. The exception
// tokenizer alone would run a backtracking regexp over every text (14% of indexing time);
// texts without '+', '#' or ".net" cannot hold one and skip it.
type techTokenizer struct {
	plain analysis.Tokenizer
	tech  analysis.Tokenizer
}

func (t *techTokenizer) Tokenize(input []byte) analysis.TokenStream {
	if mayHoldTech(input) {
		return t.tech.Tokenize(input)
	}
	return t.plain.Tokenize(input)
}

func mayHoldTech(b []byte) bool {
	if bytes.IndexByte(b, '+') >= 0 || bytes.IndexByte(b, '#') >= 0 {
		return true
	}
	for i := bytes.IndexByte(b, '.'); i >= 0 && i+3 < len(b); {
		if bytes.EqualFold(b[i+1:i+4], []byte("net")) {
			return true
		}
		j := bytes.IndexByte(b[i+1:], '.')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}

func init() {
	// Registered by name (not as a custom tokenizer of the mapping) so that it is Go code,
	// and the patterns above are its definition.
	err := registry.RegisterTokenizer(tokenizerTech, func(config map[string]interface{}, cache *registry.Cache) (analysis.Tokenizer, error) {
		plain, err := cache.TokenizerNamed(unicode.Name)
		if err != nil {
			return nil, err
		}
		return &techTokenizer{
			plain: plain,
			tech:  exception.NewExceptionsTokenizer(techRE, plain),
		}, nil
	})
	if err != nil {
		panic(err)
	}
}
