package source

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/passerelle/passerelle"
)

// ParseJSON reads a JSON API answer: an array of objects, or an object holding one. The
// array is at the dotted path "json.items" ("data.results"), else the document itself when
// it is an array, else the first of results/items/data/records/hits that is one. Fields
// are dotted paths in the options ("json.title": "name", "json.deadline":
// "dates.closing", "json.cpv": "classification.0.code"), else top-level keys recognised by
// name. Lists of values (CPV codes) may be arrays. A multilingual value
// ([{"language": "FR", "text": …}, …]) is read in the source's language when the record
// has it (else its first declared one); the title and description in the other languages
// become translations. A language field may be a list (["FR", "NL"]).
func ParseJSON(ctx context.Context, r io.Reader, name string, src passerelle.Source) ([]passerelle.Opportunity, error) {
	loc, err := location(src)
	if err != nil {
		return nil, err
	}
	d := json.NewDecoder(r)
	d.UseNumber()
	var doc any
	if err := d.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: not JSON: %w", name, err)
	}
	items, where, err := jsonItems(doc, src.Options["json.items"])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var keys []string
	for _, it := range items {
		if m, ok := it.(map[string]any); ok {
			for k := range m {
				keys = append(keys, k)
			}
			break
		}
	}
	sort.Strings(keys)
	fm, _ := fieldMap("json", src.Options, nil) // explicit paths: not checked against one record
	auto, _ := fieldMap("json", nil, keys)
	for f, k := range auto {
		if fm[f] == "" {
			fm[f] = k
		}
	}
	if fm["title"] == "" && len(items) > 0 {
		return nil, passerelle.Errorf(passerelle.EINVALID, "%s: no title field in %s; set option json.title (keys: %s)", name, where, strings.Join(keys, ", "))
	}
	var (
		out  []passerelle.Opportunity
		errs RecordErrors
	)
	for i, it := range items {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		raw := func(field string) any {
			if fm[field] == "" {
				return nil
			}
			return jsonPath(it, fm[field])
		}
		// Multilingual values ([{language, text}]) are read in one language: see
		// pickLanguage; the title and description in the others become translations.
		titleLangs, titles, _ := multilingualTexts(raw("title"))
		_, descs, _ := multilingualTexts(raw("description"))
		declared := recordLanguages(raw("language"))
		lang := pickLanguage(src.Language, declared, titleLangs)
		get := func(field string) string {
			v := raw(field)
			if field == "language" {
				return lang
			}
			if langs, texts, ok := multilingualTexts(v); ok {
				if t, ok := texts[lang]; ok && strings.TrimSpace(t) != "" {
					return t
				}
				if field == "description" && titles[lang] != "" {
					// Never a description in another language than the title: that
					// one stays with its own language's translation.
					return ""
				}
				return texts[langs[0]]
			}
			return jsonString(v)
		}
		o, err := buildRecord(get, src, loc, src.Options["json.date_format"])
		if err == nil && titles != nil {
			if o.Language == "" {
				o.Language = lang
			}
			addTranslations(&o, titles, descs)
		}
		if err != nil {
			var fe *fieldError
			if errors.As(err, &fe) {
				errs.add(name, i+1, 0, fm[fe.field], fe.err)
			} else {
				errs.add(name, i+1, 0, "", err)
			}
			continue
		}
		out = append(out, o)
	}
	return out, errs.err()
}

// jsonItems finds the array of records.
func jsonItems(doc any, path string) ([]any, string, error) {
	if path != "" {
		arr, ok := jsonPath(doc, path).([]any)
		if !ok {
			return nil, "", fmt.Errorf("json.items: no array at %q", path)
		}
		return arr, path, nil
	}
	if arr, ok := doc.([]any); ok {
		return arr, "the document", nil
	}
	if m, ok := doc.(map[string]any); ok {
		for _, k := range []string{"results", "items", "data", "records", "hits", "calls", "opportunities", "notices"} {
			if arr, ok := m[k].([]any); ok {
				return arr, k, nil
			}
		}
	}
	return nil, "", errors.New("no array of records found; set option json.items to its dotted path")
}

// jsonPath follows a dotted path; a number indexes an array.
func jsonPath(v any, path string) any {
	for _, part := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[part]
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// jsonString renders a value for buildRecord: arrays become comma-separated lists,
// objects with a single obvious text ("value", "text", "fr", "en") give that text.
func jsonString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	case []any:
		var parts []string
		for _, e := range x {
			if s := jsonString(e); s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, ", ")
	case map[string]any:
		for _, k := range []string{"value", "text", "code", "id", "name", "fr", "en", "nl"} {
			if s, ok := x[k]; ok {
				return jsonString(s)
			}
		}
		b, _ := json.Marshal(x)
		return string(bytes.TrimSpace(b))
	}
	return fmt.Sprint(v)
}
