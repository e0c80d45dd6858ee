package matcher

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"sync"
)

// bridgeData is the word-to-code bridge learned beforehand from public coded notices
// (matcher/internal/mkbridge): 2,601 TED notices in 24 languages and 4,547 French DECP
// awards of ../shared/data, as term vectors with their CPV codes. Provenance: TED notices
// © European Union (free reuse, via OP-TED test sets, see ../shared/data/README.md);
// DECP, ColinMaudry/decp-json, Licence Ouverte 2.0.
//
//go:embed bridge.tsv.gz
var bridgeData []byte

var (
	defaultBridgeOnce sync.Once
	defaultBridge     *Bridge
)

// DefaultBridge is the bridge that ships in the binary, the starting point a store's
// corpus refines with its own coded notices (NewCorpus(DefaultBridge())).
func DefaultBridge() *Bridge {
	defaultBridgeOnce.Do(func() {
		zr, err := gzip.NewReader(bytes.NewReader(bridgeData))
		if err != nil {
			panic("matcher: embedded bridge: " + err.Error())
		}
		b, err := ReadBridge(zr)
		if err != nil {
			panic("matcher: embedded bridge: " + err.Error())
		}
		defaultBridge = b
	})
	return defaultBridge
}
