package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/schollz/progressbar/v3"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/index"
	"github.com/passerelle/passerelle/pipeline"
)

// setup parses the flags and opens the data directory.
func (p *Program) setup(ctx context.Context, name string, args []string, extra func(*flag.FlagSet)) ([]string, error) {
	fs, cf := p.flags(name)
	if extra != nil {
		extra(fs)
	}
	if err := p.parse(fs, cf, args); err != nil {
		return nil, err
	}
	if err := p.open(ctx); err != nil {
		return nil, err
	}
	p.progress()
	return fs.Args(), nil
}

// progress shows a progress bar on a terminal and plain log lines otherwise.
func (p *Program) progress() {
	if !isTerminal(p.Stderr) {
		last := map[string]int{}
		p.Pipeline.Progress = func(step string, done, total int) {
			if done-last[step] >= 1000 || done == total {
				last[step] = done
				p.Log.Info("progress", "step", step, "done", done, "total", total)
			}
		}
		return
	}
	bars := map[string]*progressbar.ProgressBar{}
	p.Pipeline.Progress = func(step string, done, total int) {
		b := bars[step]
		if b == nil {
			b = progressbar.NewOptions(total, progressbar.OptionSetWriter(p.Stderr), progressbar.OptionSetDescription(step),
				progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionClearOnFinish())
			bars[step] = b
		}
		_ = b.Set(done)
	}
}

func cmdRun(ctx context.Context, p *Program, args []string) error {
	if _, err := p.setup(ctx, "run", args, nil); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, mustDuration(p.Config.RunTimeout))
	defer cancel()
	run, err := p.Pipeline.Run(ctx, "cli")
	printRun(p.Stdout, run)
	if err != nil {
		return err
	}
	if run.Status == passerelle.RunFailed {
		return fmt.Errorf("run %s failed", run.ID)
	}
	return nil
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// cmdIngest ingests stored sources (--source ID) or the given files, directories and URLs.
// With paths, --source names the source they are recorded under (default "cli").
func cmdIngest(ctx context.Context, p *Program, args []string) error {
	var ids multiFlag
	var format, lang, tz string
	paths, err := p.setup(ctx, "ingest", args, func(fs *flag.FlagSet) {
		fs.Var(&ids, "source", "source id (repeatable)")
		fs.StringVar(&format, "format", "auto", "format of the given paths: "+strings.Join(passerelle.Formats, ", "))
		fs.StringVar(&lang, "language", "", "default language of the given paths' notices")
		fs.StringVar(&tz, "timezone", "", "zone of date-times without one (default: the configured timezone)")
	})
	if err != nil {
		return err
	}
	var run passerelle.Run
	if len(paths) == 0 {
		if len(ids) == 0 {
			return usageErr("give --source ID or paths/URLs to ingest")
		}
		run, err = p.Pipeline.Run(ctx, "cli", ids...)
	} else {
		if len(ids) > 1 {
			return usageErr("with paths, give at most one --source")
		}
		id := "cli"
		if len(ids) == 1 {
			id = ids[0]
		}
		if tz == "" {
			tz = p.Config.Timezone
		}
		var srcs []passerelle.Source
		for _, pth := range paths {
			src := passerelle.Source{ID: id, Name: id, URL: pth, Format: format, Enabled: true, Language: lang, Timezone: tz}
			if stored, err := p.DB.Source(ctx, id); err == nil {
				src.Pole, src.Clusters, src.Sectors, src.Kind, src.Options = stored.Pole, stored.Clusters, stored.Sectors, stored.Kind, stored.Options
				if lang == "" {
					src.Language = stored.Language
				}
			}
			if u, err := url.Parse(pth); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
				if _, err := os.Stat(pth); err != nil {
					return fmt.Errorf("%s: %w", pth, err)
				}
			}
			if err := src.Validate(); err != nil {
				return err
			}
			srcs = append(srcs, src)
		}
		run, err = p.Pipeline.RunSources(ctx, "cli", srcs)
	}
	printRun(p.Stdout, run)
	if err != nil {
		return err
	}
	if run.Status == passerelle.RunFailed {
		return fmt.Errorf("ingest failed: nothing could be read")
	}
	return nil
}

func cmdMatch(ctx context.Context, p *Program, args []string) error {
	var full bool
	if _, err := p.setup(ctx, "match", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&full, "full", false, "re-match every stored opportunity, not only new and changed ones")
	}); err != nil {
		return err
	}
	match := p.Pipeline.MatchChanged
	if full {
		match = p.Pipeline.MatchAll
	}
	n, written, err := match(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(p.Stdout, "matched %d opportunities: %d matches written\n", n, written)
	return nil
}

func cmdMembers(ctx context.Context, p *Program, args []string) error {
	rest, err := p.setup(ctx, "members", args, nil)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return usageErr("members import FILE | members list | members export")
	}
	switch rest[0] {
	case "list":
		ms, err := p.DB.Members(ctx)
		if err != nil {
			return err
		}
		for _, m := range ms {
			fmt.Fprintf(p.Stdout, "%-24s %-8s %-30s %s\n", m.ID, m.Tier, strings.Join(m.Clusters, ","), m.Name)
		}
		return nil
	case "export":
		ms, err := p.DB.Members(ctx)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(p.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(ms)
	case "import":
		if len(rest) != 2 {
			return usageErr("members import FILE")
		}
		ms, err := readMembers(rest[1])
		if err != nil {
			return err
		}
		// Webhook URLs against the configured policy, all before anything is written.
		policy := p.webhooks()
		for i := range ms {
			if err := policy.ValidateMember(&ms[i]); err != nil {
				return fmt.Errorf("%s: record %d (%q): %w", rest[1], i+1, ms[i].ID, err)
			}
		}
		for _, m := range ms {
			if _, err := p.DB.PutMember(ctx, m, p.Now()); err != nil {
				return fmt.Errorf("%s: member %q: %w", rest[1], m.ID, err)
			}
		}
		for _, m := range ms {
			if _, err := p.Pipeline.MatchMember(ctx, m.ID); err != nil {
				return fmt.Errorf("matching member %q: %w", m.ID, err)
			}
		}
		fmt.Fprintf(p.Stdout, "imported %d members\n", len(ms))
		return nil
	}
	return usageErr("unknown members subcommand %q", rest[0])
}

// readMembers reads a JSON array of members (or JSONL, one per line), strictly, and validates
// all of them before anything is written.
func readMembers(file string) ([]passerelle.Member, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var ms []passerelle.Member
	trim := strings.TrimSpace(string(b))
	if strings.HasPrefix(trim, "[") {
		dec := json.NewDecoder(strings.NewReader(trim))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&ms); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
	} else {
		sc := bufio.NewScanner(strings.NewReader(trim))
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for line := 1; sc.Scan(); line++ {
			if strings.TrimSpace(sc.Text()) == "" {
				continue
			}
			var m passerelle.Member
			dec := json.NewDecoder(strings.NewReader(sc.Text()))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&m); err != nil {
				return nil, fmt.Errorf("%s: line %d: %w", file, line, err)
			}
			ms = append(ms, m)
		}
	}
	for i := range ms {
		if err := ms[i].Validate(); err != nil {
			return nil, fmt.Errorf("%s: record %d (%q): %w", file, i+1, ms[i].ID, err)
		}
	}
	return ms, nil
}

func cmdSources(ctx context.Context, p *Program, args []string) error {
	rest, err := p.setup(ctx, "sources", args, nil)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return usageErr("sources import FILE | sources list")
	}
	switch rest[0] {
	case "list":
		ss, err := p.DB.Sources(ctx)
		if err != nil {
			return err
		}
		for _, s := range ss {
			fmt.Fprintf(p.Stdout, "%-20s %-8s enabled=%-5v %s\n", s.ID, s.Format, s.Enabled, s.URL)
		}
		return nil
	case "import":
		if len(rest) != 2 {
			return usageErr("sources import FILE")
		}
		b, err := os.ReadFile(rest[1])
		if err != nil {
			return err
		}
		var ss []passerelle.Source
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&ss); err != nil {
			return fmt.Errorf("%s: %w", rest[1], err)
		}
		for i := range ss {
			if err := ss[i].Validate(); err != nil {
				return fmt.Errorf("%s: source %d (%q): %w", rest[1], i+1, ss[i].ID, err)
			}
		}
		for _, s := range ss {
			if err := p.DB.PutSource(ctx, s); err != nil {
				return err
			}
		}
		fmt.Fprintf(p.Stdout, "imported %d sources\n", len(ss))
		return nil
	}
	return usageErr("unknown sources subcommand %q", rest[0])
}

func cmdExport(ctx context.Context, p *Program, args []string) error {
	rest, err := p.setup(ctx, "export", args, nil)
	if err != nil {
		return err
	}
	if len(rest) != 1 || rest[0] != "opportunities" {
		return usageErr("export opportunities")
	}
	w := bufio.NewWriter(p.Stdout)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := p.DB.ForEachOpportunity(ctx, func(o *passerelle.Opportunity) error { return enc.Encode(o) }); err != nil {
		return err
	}
	return w.Flush()
}

func cmdRules(ctx context.Context, p *Program, args []string) error {
	rest, err := p.setup(ctx, "rules", args, nil)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return usageErr("rules show | rules set FILE | rules preview FILE")
	}
	enc := json.NewEncoder(p.Stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	switch rest[0] {
	case "show":
		r, err := p.Pipeline.Rules(ctx)
		if err != nil {
			return err
		}
		return enc.Encode(r)
	case "set", "preview":
		if len(rest) != 2 {
			return usageErr("rules %s FILE", rest[0])
		}
		r, err := readRules(rest[1])
		if err != nil {
			return err
		}
		if rest[0] == "preview" {
			rep, err := p.Pipeline.PreviewRules(ctx, r)
			if err != nil {
				return err
			}
			return enc.Encode(rep)
		}
		saved, err := p.DB.PutRules(ctx, r, p.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(p.Stdout, "rules version %d saved; run `passerelle match --full` to re-match with them\n", saved.Version)
		return nil
	}
	return usageErr("unknown rules subcommand %q", rest[0])
}

func readRules(file string) (passerelle.Rules, error) {
	var r passerelle.Rules
	b, err := os.ReadFile(file)
	if err != nil {
		return r, err
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return r, fmt.Errorf("%s: %w", file, err)
	}
	if err := r.Validate(); err != nil {
		return r, fmt.Errorf("%s: %w", file, err)
	}
	return r, nil
}

func cmdKeys(ctx context.Context, p *Program, args []string) error {
	var role, member string
	rest, err := p.setup(ctx, "keys", args, func(fs *flag.FlagSet) {
		fs.StringVar(&role, "role", "", "staff or member")
		fs.StringVar(&member, "member", "", "member id (member keys)")
	})
	if err != nil {
		return err
	}
	if len(rest) != 1 || rest[0] != "create" {
		return usageErr("keys create --role staff|member [--member ID]")
	}
	if role != "staff" && role != "member" {
		return usageErr("--role must be staff or member")
	}
	if role == "member" && member == "" {
		return usageErr("a member key needs --member ID")
	}
	k, secret, err := p.DB.CreateKey(ctx, passerelle.Role(role), member, p.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(p.Stdout, "key id: %s\nkey: %s\n", k.ID, secret)
	return nil
}

func cmdSearch(ctx context.Context, p *Program, args []string) error {
	var limit int
	var status string
	rest, err := p.setup(ctx, "search", args, func(fs *flag.FlagSet) {
		fs.IntVar(&limit, "limit", 20, "how many results")
		fs.StringVar(&status, "status", "", "comma-separated statuses (open,closing,closed,...)")
	})
	if err != nil {
		return err
	}
	q := index.Query{Text: strings.Join(rest, " "), Limit: limit}
	if status != "" {
		q.Status = strings.Split(status, ",")
	}
	res, err := p.Index.Search(ctx, q)
	if err != nil {
		return err
	}
	ids := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.ID
	}
	ops, err := p.DB.Opportunities(ctx, ids)
	if err != nil {
		return err
	}
	fmt.Fprintf(p.Stdout, "%d results\n", res.Total)
	for i, o := range ops {
		dl := "no deadline"
		if o.Deadline != nil {
			dl = o.Deadline.Format("2006-01-02")
		}
		fmt.Fprintf(p.Stdout, "%6.2f  %-28s %-8s %-11s %s\n", res.Hits[i].Score, o.ID, o.Status, dl, o.Title)
	}
	return nil
}

func cmdExplain(ctx context.Context, p *Program, args []string) error {
	var member, opp string
	if _, err := p.setup(ctx, "explain", args, func(fs *flag.FlagSet) {
		fs.StringVar(&member, "member", "", "member id")
		fs.StringVar(&opp, "opportunity", "", "opportunity id")
	}); err != nil {
		return err
	}
	if member == "" || opp == "" {
		return usageErr("explain --member ID --opportunity ID")
	}
	m, err := p.DB.Member(ctx, member)
	if err != nil {
		return err
	}
	o, err := p.DB.Opportunity(ctx, opp)
	if err != nil {
		return err
	}
	sc, err := p.Pipeline.Scorer(ctx)
	if err != nil {
		return err
	}
	mt, kept := sc.Score(&m, &o, p.Now())
	fmt.Fprintf(p.Stdout, "member %s × opportunity %s: score %.1f (rules v%d) — %s\n", m.ID, o.ID, mt.Score, mt.RulesVersion,
		map[bool]string{true: "kept as a match", false: "not a match"}[kept])
	fmt.Fprintf(p.Stdout, "  %s\n", o.Title)
	if mt.Explanation.Veto != "" {
		fmt.Fprintf(p.Stdout, "  veto: %s\n", mt.Explanation.Veto)
	}
	for _, c := range mt.Explanation.Contributions {
		fmt.Fprintf(p.Stdout, "  %+6.1f  %-9s %s\n", c.Points, c.Signal, c.Evidence)
	}
	return nil
}

func cmdReindex(ctx context.Context, p *Program, args []string) error {
	if _, err := p.setup(ctx, "reindex", args, nil); err != nil {
		return err
	}
	n, err := p.Pipeline.Repair(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(p.Stdout, "store indexes rebuilt; reindexed %d opportunities\n", n)
	return nil
}

// cmdBackup writes a consistent copy of the store to FILE, readable by its owner only
// (it holds every member's profile). It never overwrites a file unless --force, and never
// the live store. While a server runs, use GET /api/v1/backup instead.
func cmdBackup(ctx context.Context, p *Program, args []string) error {
	var force bool
	rest, err := p.setup(ctx, "backup", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&force, "force", false, "replace FILE if it exists")
	})
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageErr("backup [--force] FILE")
	}
	dst := rest[0]
	if same, err := sameFile(dst, p.DB.Path()); err != nil {
		return err
	} else if same {
		return fmt.Errorf("backup %s: that is the live store; choose another file", dst)
	}
	if _, err := os.Lstat(dst); err == nil && !force {
		return fmt.Errorf("backup %s: file exists; use --force to replace it", dst)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("backup %s: %w", dst, err)
	}
	// O_EXCL: a temporary file of another backup running at the same moment is not shared.
	tmp := dst + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("backup %s: %w", dst, err)
	}
	n, err := p.DB.Backup(ctx, f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	// Rename last: a failed backup never leaves a half-written file under the asked name.
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return err
	}
	abs, _ := filepath.Abs(dst)
	fmt.Fprintf(p.Stdout, "backup: %s (%d bytes)\n", abs, n)
	return nil
}

// sameFile reports whether a and b name the same file (b exists; a may not).
func sameFile(a, b string) (bool, error) {
	ia, err := os.Stat(a)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	ib, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(ia, ib), nil
}

func cmdCheck(ctx context.Context, p *Program, args []string) error {
	if _, err := p.setup(ctx, "check", args, nil); err != nil {
		return err
	}
	rep, err := p.Pipeline.Check(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(p.Stdout, "schema version: %d\nopportunities in store: %d\ndocuments in index: %d\n", rep.SchemaVersion, rep.Opportunities, rep.Indexed)
	if rep.OK() {
		fmt.Fprintln(p.Stdout, "index agrees with store: ok")
		return nil
	}
	show := func(what string, ids []string) {
		if len(ids) == 0 {
			return
		}
		fmt.Fprintf(p.Stdout, "%s: %d (e.g. %s)\n", what, len(ids), strings.Join(ids[:min(5, len(ids))], ", "))
	}
	show("missing from index", rep.MissingInIndex)
	show("in index but not in store", rep.StaleInIndex)
	for _, pr := range rep.StoreProblems {
		fmt.Fprintf(p.Stdout, "store: %s\n", pr)
	}
	return fmt.Errorf("store and index disagree: run `passerelle reindex`")
}

// cmdNotify sends the digests of new matches now; --dry-run prints them instead.
func cmdNotify(ctx context.Context, p *Program, args []string) error {
	var dry bool
	if _, err := p.setup(ctx, "notify", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&dry, "dry-run", false, "print the digests instead of sending them; record nothing")
	}); err != nil {
		return err
	}
	d := p.Pipeline.Delivery
	if dry {
		d = &pipeline.Delivery{Location: p.Config.location(), BaseURL: p.Config.BaseURL, DryRun: p.Stdout}
	} else if d == nil {
		return fmt.Errorf("no channel configured: set smtp (PASSERELLE_SMTP) or webhook_secret (PASSERELLE_WEBHOOK_SECRET), or use --dry-run")
	}
	rep, err := p.Pipeline.Notify(ctx, "", *d)
	if err != nil {
		return err
	}
	fmt.Fprintf(p.Stdout, "digests: %d, sent: %d, failed: %d, matches notified: %d\n", rep.Digests, rep.Sent, rep.Failed, rep.Notified)
	if rep.Failed > 0 {
		// Not a success: a cron wrapper must hear of it. The failed channels are recorded
		// and tried again by the next run or notify; the delivered ones are not re-sent.
		return fmt.Errorf("%d deliveries failed (recorded; tried again next run)", rep.Failed)
	}
	return nil
}
