package source

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
)

// reXMLEncoding finds the encoding an XML declaration names.
var reXMLEncoding = regexp.MustCompile(`^\s*<\?xml[^>]*\bencoding\s*=\s*["']([^"']+)["']`)

// toUTF8 turns a document that is not UTF-8 and does not say what it is into UTF-8, the
// way browsers do (golang.org/x/net/html/charset: byte-order mark, then a guess that is
// windows-1252, the superset of Latin-1, for European text): regional portals still publish
// Latin-1 feeds and CSV exports without a declaration, and rejecting them whole for
// "invalid UTF-8" loses every call they hold. A document whose XML declaration names a
// non-UTF-8 encoding is left to the XML decoder, which honours it. note says what was done,
// for the run's record; it is "" when the document was left as it was.
func toUTF8(body []byte, name string) (out []byte, note string) {
	if utf8.Valid(body) {
		return body, ""
	}
	head := body[:min(len(body), 512)]
	if m := reXMLEncoding.FindSubmatch(head); m != nil {
		if l := strings.ToLower(string(m[1])); l != "utf-8" && l != "utf8" {
			return body, ""
		}
	}
	enc, label, _ := charset.DetermineEncoding(body, "")
	decoded, err := enc.NewDecoder().Bytes(body)
	if err != nil || label == "utf-8" {
		return body, "" // the parser will say what is wrong with it
	}
	if m := reXMLEncoding.FindSubmatchIndex(decoded); m != nil {
		// The declaration said UTF-8 and was wrong: make it tell the truth now.
		decoded = append(append(append([]byte{}, decoded[:m[2]]...), "UTF-8"...), decoded[m[3]:]...)
	}
	decoded = bytes.TrimPrefix(decoded, []byte("\xef\xbb\xbf"))
	return decoded, fmt.Sprintf("%s: not UTF-8 and no encoding declared: read as %s", name, label)
}
