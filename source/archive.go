package source

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
)

// DefaultExpandFactor bounds what archives may expand to: MaxExpanded defaults to this many
// times MaxBytes. A zip bomb stops there with an error instead of filling memory.
const DefaultExpandFactor = 4

func (f *Fetcher) maxExpanded() int64 {
	if f.MaxExpanded > 0 {
		return f.MaxExpanded
	}
	return DefaultExpandFactor * f.maxBytes()
}

// isArchive tells archives by content (zip and gzip magic numbers), not by name alone:
// servers often send "feed.xml.gz" as "feed.xml".
func isArchive(body []byte) bool {
	return bytes.HasPrefix(body, []byte("PK\x03\x04")) || bytes.HasPrefix(body, []byte{0x1f, 0x8b})
}

// expand turns an archive into its documents: the regular files of a zip or a tar.gz
// (sorted, dot files and directories skipped), or the one file of a gzip. Other documents
// come back as they are. Archives inside archives are not opened.
func (f *Fetcher) expand(doc Document) ([]Document, error) {
	if !isArchive(doc.Body) {
		return []Document{doc}, nil
	}
	budget := &expandBudget{name: doc.Name, total: f.maxExpanded(), left: f.maxExpanded(), perFile: f.maxBytes()}
	if bytes.HasPrefix(doc.Body, []byte("PK")) {
		return expandZip(doc, budget)
	}
	zr, err := gzip.NewReader(bytes.NewReader(doc.Body))
	if err != nil {
		return nil, fmt.Errorf("%s: bad gzip data: %w", doc.Name, err)
	}
	body, err := budget.read(zr, doc.Name)
	if err != nil {
		return nil, err
	}
	inner := strings.TrimSuffix(strings.TrimSuffix(doc.Name, ".gz"), ".tgz")
	if len(body) > 262 && string(body[257:262]) == "ustar" {
		return expandTar(doc.Name, body, budget)
	}
	if inner == doc.Name {
		inner += ".unpacked"
	}
	return []Document{{Name: inner, Body: body}}, nil
}

// expandBudget counts expanded bytes against the caps.
type expandBudget struct {
	name                 string
	total, left, perFile int64
}

func (b *expandBudget) read(r io.Reader, entry string) ([]byte, error) {
	limit := min(b.left, b.perFile)
	body, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", b.name, entry, err)
	}
	if int64(len(body)) > limit {
		if limit == b.perFile {
			return nil, &TooLargeError{Name: b.name + ": " + entry, Limit: b.perFile}
		}
		return nil, fmt.Errorf("%s: expands beyond the cap of %s (a zip bomb?)", b.name, humanBytes(b.total))
	}
	b.left -= int64(len(body))
	return body, nil
}

func skipEntry(name string) bool {
	for _, part := range strings.Split(name, "/") {
		if strings.HasPrefix(part, ".") || part == "__MACOSX" {
			return true
		}
	}
	return false
}

func expandZip(doc Document, budget *expandBudget) ([]Document, error) {
	zr, err := zip.NewReader(bytes.NewReader(doc.Body), int64(len(doc.Body)))
	if err != nil {
		return nil, fmt.Errorf("%s: bad zip archive: %w", doc.Name, err)
	}
	files := append([]*zip.File(nil), zr.File...)
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	var out []Document
	for _, zf := range files {
		if !zf.Mode().IsRegular() || skipEntry(zf.Name) {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", doc.Name, zf.Name, err)
		}
		body, err := budget.read(rc, zf.Name)
		rc.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, Document{Name: doc.Name + "/" + zf.Name, Body: body})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: empty archive", doc.Name)
	}
	return out, nil
}

func expandTar(name string, body []byte, budget *expandBudget) ([]Document, error) {
	tr := tar.NewReader(bytes.NewReader(body))
	var out []Document
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: bad tar archive: %w", name, err)
		}
		if h.Typeflag != tar.TypeReg || skipEntry(path.Clean(h.Name)) {
			continue
		}
		// The tar is already in memory and counted; entries only need the per-file cap.
		b, err := (&expandBudget{name: name, total: budget.perFile, left: budget.perFile, perFile: budget.perFile}).read(tr, h.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, Document{Name: name + "/" + h.Name, Body: b})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: empty archive", name)
	}
	return out, nil
}
