package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/passerelle/passerelle"
)

// Defaults of a zero Fetcher.
const (
	DefaultTimeout   = 60 * time.Second
	DefaultMaxBytes  = 50 << 20
	DefaultRetries   = 3
	DefaultUserAgent = "Passerelle/0.1 (+https://github.com/passerelle/passerelle)"

	// backoffBase is the first wait between attempts; it doubles each time, with jitter.
	backoffBase = time.Second
	// maxWait caps any single wait, Retry-After included: a server asking for an hour is
	// better answered by failing this run and trying again at the next one.
	maxWait = 5 * time.Minute
)

// Validators are what a server gave to recognise a document next time (conditional GET).
type Validators struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

// Fetcher reads documents over HTTP(S) or from the local file system. The zero value is
// ready to use with the defaults above; a Fetcher is safe for concurrent use.
type Fetcher struct {
	Client    *http.Client // default: timeout 60s
	MaxBytes  int64        // body cap, default 50 MiB; beyond: error naming the URL and the cap
	Retries   int          // default 3; negative means none
	UserAgent string       // default DefaultUserAgent
	// MaxExpanded caps what one archive (.zip, .gz, .tar.gz) may expand to; default
	// DefaultExpandFactor × MaxBytes. Each file inside is also held to MaxBytes.
	MaxExpanded int64
	// Sleep waits between attempts; tests inject one that does not wait.
	Sleep func(ctx context.Context, d time.Duration) error
	// NoLocal refuses local paths (allow_local_sources = false): a source then reads only
	// http(s), so that whoever may save sources cannot make the server read its own files.
	NoLocal bool
}

// Document is one fetched file (an archive or directory expands to several).
type Document struct {
	Name string
	Body []byte
}

// FetchResult is what one Fetch brought back.
type FetchResult struct {
	Docs        []Document
	NotModified bool
	Validators  Validators
	// Errors are documents of a directory that could not be read (too large, unreadable);
	// the others are in Docs.
	Errors []error
}

// HTTPError is a response the server gave instead of the document.
type HTTPError struct {
	URL        string
	StatusCode int
	Status     string
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("%s: server answered %s", e.URL, e.Status)
}

// TooLargeError says a document went beyond the Fetcher's cap.
type TooLargeError struct {
	Name  string
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s: larger than the cap of %d bytes (%s)", e.Name, e.Limit, humanBytes(e.Limit))
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

func (f *Fetcher) client() *http.Client {
	if f.Client != nil {
		return f.Client
	}
	return defaultClient
}

var defaultClient = &http.Client{Timeout: DefaultTimeout}

func (f *Fetcher) maxBytes() int64 {
	if f.MaxBytes > 0 {
		return f.MaxBytes
	}
	return DefaultMaxBytes
}

func (f *Fetcher) retries() int {
	switch {
	case f.Retries < 0:
		return 0
	case f.Retries == 0:
		return DefaultRetries
	}
	return f.Retries
}

func (f *Fetcher) sleep(ctx context.Context, d time.Duration) error {
	if f.Sleep != nil {
		return f.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// IsURL reports whether s is fetched over HTTP rather than read from disk.
func IsURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// Fetch reads url: http(s) with a conditional GET (If-None-Match / If-Modified-Since from
// prev; a 304 answer gives NotModified), or a local path ("file://" accepted): a file, or a
// directory (its regular files, sorted, recursively, skipping dot files and dot
// directories). Archives (.zip, .gz, .tar.gz, told by their content) expand into their
// files, within MaxExpanded.
func (f *Fetcher) Fetch(ctx context.Context, url string, prev Validators) (FetchResult, error) {
	if IsURL(url) {
		return f.fetchHTTP(ctx, url, prev)
	}
	return f.fetchLocal(ctx, strings.TrimPrefix(url, "file://"))
}

func (f *Fetcher) fetchHTTP(ctx context.Context, url string, prev Validators) (FetchResult, error) {
	var lastErr error
	retries := f.retries()
	for attempt := 0; ; attempt++ {
		res, wait, err := f.try(ctx, url, prev)
		if err == nil {
			return res, nil
		}
		lastErr = err
		if wait < 0 || attempt >= retries || ctx.Err() != nil {
			break
		}
		if wait == 0 {
			wait = backoff(attempt)
		}
		if err := f.sleep(ctx, min(wait, maxWait)); err != nil {
			return FetchResult{}, fmt.Errorf("%w (gave up waiting to retry: %v)", lastErr, err)
		}
	}
	if retries > 0 && !isPermanent(lastErr) {
		return FetchResult{}, fmt.Errorf("%w (after %d attempts)", lastErr, retries+1)
	}
	return FetchResult{}, lastErr
}

func isPermanent(err error) bool {
	var he *HTTPError
	if errors.As(err, &he) {
		return !retryable(he.StatusCode)
	}
	var tl *TooLargeError
	return errors.As(err, &tl)
}

// backoff is the wait before retry number attempt+1: base·2^attempt, with "full jitter"
// between half and all of it so that many fetchers don't retry in step.
func backoff(attempt int) time.Duration {
	d := backoffBase << attempt
	if d > maxWait || d <= 0 {
		d = maxWait
	}
	return d/2 + rand.N(d/2+1)
}

func retryable(status int) bool {
	return status == http.StatusTooManyRequests || status >= 500
}

// try makes one attempt. wait says what to do on error: <0 don't retry, 0 retry after the
// usual backoff, >0 retry after that long (Retry-After).
func (f *Fetcher) try(ctx context.Context, url string, prev Validators) (FetchResult, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return FetchResult{}, -1, passerelle.Errorf(passerelle.EINVALID, "%s: bad URL: %v", url, err)
	}
	ua := f.UserAgent
	if ua == "" {
		ua = DefaultUserAgent
	}
	req.Header.Set("User-Agent", ua)
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/xml, application/json, application/x-ndjson, text/csv, text/xml;q=0.9, */*;q=0.8")
	if prev.ETag != "" {
		req.Header.Set("If-None-Match", prev.ETag)
	}
	if prev.LastModified != "" {
		req.Header.Set("If-Modified-Since", prev.LastModified)
	}
	resp, err := f.client().Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return FetchResult{}, -1, fmt.Errorf("%s: %w", url, ctx.Err())
		}
		return FetchResult{}, 0, fmt.Errorf("%s: %w", url, err)
	}
	defer resp.Body.Close()
	got := Validators{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		// Keep what we had when the 304 repeats nothing.
		if got.ETag == "" {
			got.ETag = prev.ETag
		}
		if got.LastModified == "" {
			got.LastModified = prev.LastModified
		}
		return FetchResult{NotModified: true, Validators: got}, 0, nil
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
	default:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
		herr := &HTTPError{URL: url, StatusCode: resp.StatusCode, Status: resp.Status}
		if !retryable(resp.StatusCode) {
			return FetchResult{}, -1, herr
		}
		return FetchResult{}, retryAfter(resp.Header.Get("Retry-After"), time.Now()), herr
	}
	limit := f.maxBytes()
	if resp.ContentLength > limit {
		return FetchResult{}, -1, &TooLargeError{Name: url, Limit: limit}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		if ctx.Err() != nil {
			return FetchResult{}, -1, fmt.Errorf("%s: reading body: %w", url, ctx.Err())
		}
		return FetchResult{}, 0, fmt.Errorf("%s: reading body: %w", url, err)
	}
	if int64(len(body)) > limit {
		return FetchResult{}, -1, &TooLargeError{Name: url, Limit: limit}
	}
	docs, err := f.expand(Document{Name: url, Body: body})
	if err != nil {
		return FetchResult{}, -1, err
	}
	return FetchResult{Docs: docs, Validators: got}, 0, nil
}

// retryAfter reads a Retry-After header: seconds or an HTTP date. 0 means absent or
// unreadable (use the usual backoff).
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if n, err := strconv.Atoi(h); err == nil {
		if n <= 0 {
			return time.Millisecond
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
		return time.Millisecond
	}
	return 0
}

// CheckURL refuses, as a validation error naming `url`, an address this Fetcher will not
// read: a local path when NoLocal is set. The API asks it before saving or testing a source,
// and Fetch asks it again at run time (a source saved before the setting changed).
func (f *Fetcher) CheckURL(u string) error {
	if !f.NoLocal || IsURL(u) {
		return nil
	}
	var v passerelle.ValidationError
	v.Add("url", "local paths are switched off on this server (allow_local_sources = false): use an http(s) address")
	return v.Err()
}

func (f *Fetcher) fetchLocal(ctx context.Context, p string) (FetchResult, error) {
	if err := f.CheckURL(p); err != nil {
		return FetchResult{}, err
	}
	info, err := os.Stat(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return FetchResult{}, passerelle.Errorf(passerelle.ENOTFOUND, "%s: no such file or directory", p)
		}
		return FetchResult{}, err
	}
	limit := f.maxBytes()
	if !info.IsDir() {
		body, err := readCapped(p, limit)
		if err != nil {
			return FetchResult{}, err
		}
		docs, err := f.expand(Document{Name: p, Body: body})
		if err != nil {
			return FetchResult{}, err
		}
		return FetchResult{Docs: docs}, nil
	}
	var paths []string
	err = filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if q != p && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			paths = append(paths, q)
		}
		return nil
	})
	if err != nil {
		return FetchResult{}, fmt.Errorf("%s: %w", p, err)
	}
	sort.Strings(paths)
	var res FetchResult
	for _, q := range paths {
		if err := ctx.Err(); err != nil {
			return FetchResult{}, err
		}
		body, err := readCapped(q, limit)
		if err == nil {
			var docs []Document
			if docs, err = f.expand(Document{Name: q, Body: body}); err == nil {
				res.Docs = append(res.Docs, docs...)
				continue
			}
		}
		res.Errors = append(res.Errors, err)
	}
	if len(res.Docs) == 0 && len(res.Errors) > 0 {
		return FetchResult{}, fmt.Errorf("%s: no readable file: %w", p, errors.Join(res.Errors...))
	}
	return res, nil
}

func readCapped(p string, limit int64) ([]byte, error) {
	fh, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	body, err := io.ReadAll(io.LimitReader(fh, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	if int64(len(body)) > limit {
		return nil, &TooLargeError{Name: p, Limit: limit}
	}
	return body, nil
}
