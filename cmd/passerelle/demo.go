package main

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path"
	"regexp"
	"strconv"
	"time"

	"github.com/passerelle/passerelle"
)

// demoFS holds the demo sources, members and a real TED sample. They live beside the command
// (not in testdata/, which the go tool ignores) so that the binary runs the demo from anywhere.
//
//go:embed demodata
var demoFS embed.FS

func cmdDemo(ctx context.Context, p *Program, args []string) error {
	fset, cf := p.flags("demo")
	fset.StringVar(&cf.addr, "addr", "127.0.0.1:8080", "listen address")
	keep := fset.Bool("keep", false, "keep the temporary data directory on exit")
	if err := p.parse(fset, cf, args); err != nil {
		return err
	}
	if cf.data == "" {
		dir, err := os.MkdirTemp("", "passerelle-demo-")
		if err != nil {
			return err
		}
		if !*keep {
			defer os.RemoveAll(dir)
		}
		p.Config.Data = dir
	}
	feeds, err := startDemoFeeds(p.Now)
	if err != nil {
		return err
	}
	defer feeds.Close()
	p.leaveACoreForReads()
	if err := p.open(ctx); err != nil {
		return err
	}
	staff, member, basic, err := p.loadDemo(ctx, feeds.URL)
	if err != nil {
		return fmt.Errorf("loading the demo: %w", err)
	}
	run, err := p.Pipeline.Run(ctx, "demo")
	if err != nil {
		return err
	}
	printRun(p.Stdout, run)
	return p.serve(ctx, func(url string) {
		fmt.Fprintf(p.Stdout, "staff key: %s\n", staff)
		fmt.Fprintf(p.Stdout, "member key (cyberwal, premium): %s\n", member)
		fmt.Fprintf(p.Stdout, "member key (webstart-basic, basic): %s\n", basic)
		fmt.Fprintf(p.Stdout, "data: %s\n", p.Config.Data)
		fmt.Fprintf(p.Stdout, "web: open %s/ in a browser and paste a key (member page or staff console)\n", url)
		fmt.Fprintf(p.Stdout, "try:\n")
		fmt.Fprintf(p.Stdout, "  curl -s -H 'Authorization: Bearer %s' %s/api/v1/members/cyberwal/matches\n", member, url)
		fmt.Fprintf(p.Stdout, "  curl -s -H 'Authorization: Bearer %s' %s/api/v1/members/webstart-basic/matches   # 403: basic tier\n", basic, url)
		fmt.Fprintf(p.Stdout, "  curl -s -H 'Authorization: Bearer %s' '%s/api/v1/opportunities?q=cybersecurite&status=open,closing'\n", staff, url)
		fmt.Fprintf(p.Stdout, "stop with Ctrl-C\n")
	})
}

// loadDemo installs the demo sources (pointing at the local feed server) and members, and
// makes a staff key and two member keys.
func (p *Program) loadDemo(ctx context.Context, base string) (staff, premium, basic string, err error) {
	raw, err := demoFS.ReadFile("demodata/sources.json")
	if err != nil {
		return
	}
	var sources []passerelle.Source
	if err = json.Unmarshal(bytes.ReplaceAll(raw, []byte("{{base}}"), []byte(base)), &sources); err != nil {
		return "", "", "", fmt.Errorf("demodata/sources.json: %w", err)
	}
	for _, s := range sources {
		if err = p.DB.PutSource(ctx, s); err != nil {
			return "", "", "", fmt.Errorf("source %s: %w", s.ID, err)
		}
	}
	raw, err = demoFS.ReadFile("demodata/members.json")
	if err != nil {
		return
	}
	var members []passerelle.Member
	if err = json.Unmarshal(raw, &members); err != nil {
		return "", "", "", fmt.Errorf("demodata/members.json: %w", err)
	}
	for _, m := range members {
		if _, err = p.DB.PutMember(ctx, m, p.Now()); err != nil {
			return "", "", "", fmt.Errorf("member %s: %w", m.ID, err)
		}
	}
	if _, staff, err = p.DB.CreateKey(ctx, passerelle.RoleStaff, "", p.Now()); err != nil {
		return
	}
	if _, premium, err = p.DB.CreateKey(ctx, passerelle.RoleMember, "cyberwal", p.Now()); err != nil {
		return
	}
	_, basic, err = p.DB.CreateKey(ctx, passerelle.RoleMember, "webstart-basic", p.Now())
	return
}

// demoFeeds serves demodata/feeds over HTTP on loopback, so that the demo goes through the
// real fetch path. Date templates keep the demo's deadlines in the future whatever the day.
type demoFeeds struct {
	URL string
	srv *http.Server
}

func (d *demoFeeds) Close() { _ = d.srv.Close() }

func startDemoFeeds(now func() time.Time) (*demoFeeds, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	sub, _ := fs.Sub(demoFS, "demodata")
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := path.Clean(r.URL.Path)[1:]
		b, err := fs.ReadFile(sub, name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(expandDates(b, now()))
	})
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return &demoFeeds{URL: "http://" + ln.Addr().String(), srv: srv}, nil
}

var dateTemplate = regexp.MustCompile(`\{\{(date|datetime|rfc1123):([+-]\d+)\}\}`)

// expandDates replaces {{date:+N}}, {{datetime:+N}} and {{rfc1123:-N}} by the date N days
// from now (a date, an RFC 3339 date-time at noon UTC, an RFC 1123 date-time).
func expandDates(b []byte, now time.Time) []byte {
	return dateTemplate.ReplaceAllFunc(b, func(m []byte) []byte {
		parts := dateTemplate.FindSubmatch(m)
		n, _ := strconv.Atoi(string(parts[2]))
		t := time.Date(now.Year(), now.Month(), now.Day(), 12, 0, 0, 0, time.UTC).AddDate(0, 0, n)
		switch string(parts[1]) {
		case "date":
			return []byte(t.Format("2006-01-02"))
		case "datetime":
			return []byte(t.Format(time.RFC3339))
		default:
			return []byte(t.Format(time.RFC1123Z))
		}
	})
}
