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

// setup parses the flags and opens the data directory, creating the store if needed.
func (p *Program) setup(ctx context.Context, name string, args []string, extra func(*flag.FlagSet)) ([]string, error) {
	return p.setupMode(ctx, name, args, extra, func([]string) (openMode, error) { return openCreate, nil })
}

// openMode says whether a command may create a store.
type openMode int

const (
	openCreate   openMode = iota // writing commands: a new data directory gets a new store
	openExisting                 // read commands: a --data that holds no store is a mistake
)

// setupMode is setup where mode, given the positional arguments, says how to open the store
// (and may check its input files first, so that a bad input opens nothing).
func (p *Program) setupMode(ctx context.Context, name string, args []string, extra func(*flag.FlagSet), mode func(rest []string) (openMode, error)) ([]string, error) {
	fs, cf := p.flags(name)
	if extra != nil {
		extra(fs)
	}
	if err := p.parse(fs, cf, args); err != nil {
		return nil, err
	}
	m, err := mode(fs.Args())
	if err != nil {
		return nil, err
	}
	if err := p.openAs(ctx, m); err != nil {
		return nil, err
	}
	p.progress()
	return fs.Args(), nil
}

// existing is the mode of commands that only read.
func existing([]string) (openMode, error) { return openExisting, nil }

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
	run, err := p.Pipeline.Run(ctx, "cli")
	printRun(p.Stdout, run)
	return runOutcome(run, err)
}

// errPartial marks a run that went through with failures (sources, records or digest
// deliveries), and a notify whose deliveries failed: exit status
// exitPartial, so that a cron wrapper can tell it from success and from failure.
var errPartial = errors.New("partial")

// runOutcome turns a run's end into the command's error: nil only for a run that is ok.
func runOutcome(run passerelle.Run, err error) error {
	switch {
	case err != nil && run.ID != "":
		return fmt.Errorf("run %s %s: %w", run.ID, run.Status, err)
	case err != nil:
		return err
	case run.Status == passerelle.RunFailed, run.Status == passerelle.RunInterrupted:
		return fmt.Errorf("run %s %s: %s", run.ID, run.Status, run.Error)
	case run.Status == passerelle.RunPartial:
		failedSources := 0
		for _, s := range run.Sources {
			if len(s.Errors) > 0 {
				failedSources++
			}
		}
		return fmt.Errorf("%w: run %s: %d bad records, %d of %d sources reported errors, %d deliveries failed (tried again next run)",
			errPartial, run.ID, run.FailedRecords, failedSources, len(run.Sources), run.DeliveryFailures)
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
	return runOutcome(run, err)
}

func cmdMatch(ctx context.Context, p *Program, args []string) error {
	var full bool
	if _, err := p.setup(ctx, "match", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&full, "full", false, "re-match every stored opportunity, not only new and changed ones")
	}); err != nil {
		return err
	}
	match := func(ctx context.Context) (int, int, error) { return p.Pipeline.MatchPending(ctx, nil) }
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
	var imported []passerelle.Member
	rest, err := p.setupMode(ctx, "members", args, nil, func(rest []string) (openMode, error) {
		if len(rest) == 2 && rest[0] == "import" {
			// Read and validate the whole file before the store is even opened: a mistake
			// in the command line never creates or changes a store.
			ms, err := readMembers(rest[1])
			if err != nil {
				return openCreate, err
			}
			// Webhook URLs against the configured policy, every bad one listed.
			policy := p.webhooks()
			var bad []string
			for i := range ms {
				if err := policy.ValidateMember(&ms[i]); err != nil {
					bad = append(bad, fmt.Sprintf("record %d (%q): %v", i+1, ms[i].ID, err))
				}
			}
			if len(bad) > 0 {
				return openCreate, fmt.Errorf("%s: %d bad records, nothing imported:\n  %s", rest[1], len(bad), strings.Join(bad, "\n  "))
			}
			imported = ms
			return openCreate, nil
		}
		return openExisting, nil
	})
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
		ms := imported
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
// all of them before anything is written. Every bad record is listed (record number, id and
// what is wrong), not only the first.
func readMembers(file string) ([]passerelle.Member, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var raws []json.RawMessage
	trim := strings.TrimSpace(string(b))
	what := "record"
	if strings.HasPrefix(trim, "[") {
		if err := json.Unmarshal([]byte(trim), &raws); err != nil {
			return nil, fmt.Errorf("%s: not a JSON array of members: %w", file, err)
		}
	} else {
		what = "line"
		for _, l := range strings.Split(trim, "\n") {
			raws = append(raws, json.RawMessage(l)) // blank lines are skipped below, numbering kept
		}
	}
	var ms []passerelle.Member
	var bad []string
	for i, raw := range raws {
		if strings.TrimSpace(string(raw)) == "" {
			continue
		}
		var m passerelle.Member
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&m); err != nil {
			bad = append(bad, fmt.Sprintf("%s %d: %v", what, i+1, err))
			continue
		}
		if err := m.Validate(); err != nil {
			bad = append(bad, fmt.Sprintf("%s %d (id %q): %v", what, i+1, m.ID, err))
			continue
		}
		ms = append(ms, m)
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("%s: %d bad records, nothing imported:\n  %s", file, len(bad), strings.Join(bad, "\n  "))
	}
	return ms, nil
}

func cmdSources(ctx context.Context, p *Program, args []string) error {
	rest, err := p.setupMode(ctx, "sources", args, nil, func(rest []string) (openMode, error) {
		if len(rest) > 0 && rest[0] == "list" {
			return openExisting, nil
		}
		return openCreate, nil
	})
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
			err := ss[i].Validate()
			if err == nil {
				err = p.Pipeline.Fetcher.CheckURL(ss[i].URL) // allow_local_sources
			}
			if err != nil {
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
	rest, err := p.setupMode(ctx, "export", args, nil, existing)
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
	rest, err := p.setupMode(ctx, "rules", args, nil, func(rest []string) (openMode, error) {
		if len(rest) > 0 && rest[0] == "set" {
			return openCreate, nil
		}
		return openExisting, nil
	})
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
		r.Author = "command line (rules set)"
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
	rest, err := p.setupMode(ctx, "search", args, func(fs *flag.FlagSet) {
		fs.IntVar(&limit, "limit", 20, "how many results")
		fs.StringVar(&status, "status", "", "comma-separated statuses (open,closing,closed,...)")
	}, existing)
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
	if _, err := p.setupMode(ctx, "explain", args, func(fs *flag.FlagSet) {
		fs.StringVar(&member, "member", "", "member id")
		fs.StringVar(&opp, "opportunity", "", "opportunity id")
	}, existing); err != nil {
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
	if len(m.Profiles) > 1 {
		// The match is its best profile's; say which business line it is.
		pf, _ := m.Profile(mt.Profile)
		fmt.Fprintf(p.Stdout, "  profile: %s (%s)\n", mt.Profile, pf.Name)
	}
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
	rest, err := p.setupMode(ctx, "backup", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&force, "force", false, "replace FILE if it exists")
	}, existing)
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
	if _, err := p.setupMode(ctx, "check", args, nil, existing); err != nil {
		return err
	}
	rep, err := p.Pipeline.Check(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(p.Stdout, "schema version: %d\nopportunities in store: %d\ndocuments in index: %d\n", rep.SchemaVersion, rep.Opportunities, rep.Indexed)
	fmt.Fprintf(p.Stdout, "pending work: %d opportunities to index and match\n", rep.Pending)
	if rep.Pending > 0 {
		fmt.Fprintln(p.Stdout, "  (left by an interrupted run: the next `passerelle run` or `match` finishes it)")
	}
	if len(rep.Interrupted) > 0 {
		fmt.Fprintf(p.Stdout, "runs left running by a process that died: %s (marked interrupted by the next run)\n", strings.Join(rep.Interrupted, ", "))
	}
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
		d = &pipeline.Delivery{Location: p.Config.location(), BaseURL: p.Config.BaseURL, Association: p.Config.Association, DryRun: p.Stdout}
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
		return fmt.Errorf("%w: %d deliveries failed (recorded; tried again next run)", errPartial, rep.Failed)
	}
	return nil
}
