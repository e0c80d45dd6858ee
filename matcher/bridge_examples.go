package matcher

import (
	"bytes"
	"compress/gzip"
	_ "embed"
)

// bridgeData is the word-to-code bridge learned beforehand from public coded notices
// (matcher/internal/mkbridge): 2,601 TED notices in 24 languages and 4,547 French DECP
// awards of ../shared/data, as term vectors with their CPV codes. Provenance: TED notices
// © European Union (free reuse, via OP-TED test sets, see ../shared/data/README.md);
// DECP, ColinMaudry/decp-json, Licence Ouverte 2.0.
//
//go:embed bridge.tsv.gz
var bridgeData []byte

// DefaultBridge parses the bridge that ships in the binary, the starting point a store's
// corpus refines with its own coded notices (NewCorpus(DefaultBridge())). It is parsed
// anew on each call and not kept: a corpus keeps only the weighted vectors it builds from
// it, and the parsed examples (tens of MiB of term counts) would otherwise stay in memory
// for the life of the process.
func DefaultBridge() *Bridge {
	zr, err := gzip.NewReader(bytes.NewReader(bridgeData))
	if err != nil {
		panic("matcher: embedded bridge: " + err.Error())
	}
	b, err := ReadBridge(zr)
	if err != nil {
		panic("matcher: embedded bridge: " + err.Error())
	}
	return b
}
