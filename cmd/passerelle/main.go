// Command passerelle is the one binary of Passerelle: the demo, the server, the nightly
// pipeline and the staff's command-line tools. main is a shim over Main, which tests run
// on a temp data dir and port :0.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/index"
	"github.com/passerelle/passerelle/notify"
	"github.com/passerelle/passerelle/pipeline"
	"github.com/passerelle/passerelle/source"
	"github.com/passerelle/passerelle/store"
)

func main() {
	tuneGC()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(Main(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

// tuneGC trades memory for indexing speed: bleve allocates heavily, and collecting half as
// often gives about a fifth more notices per second. A soft memory limit keeps the process
// within the 500 MiB the design allows. GOGC and GOMEMLIMIT, when set, win.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(450 << 20)
	}
}

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the command failed
	exitUsage = 2 // the command line was wrong
	// exitPartial: a run went through but sources, records or digest deliveries failed (see
	// the run record); also a notify whose deliveries failed.
	exitPartial = 3
)

// Program is one invocation: its configuration, outputs and the parts it opened.
type Program struct {
	Config Config
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	Log    *slog.Logger
	// Now is the clock; time.Now unless a test injects one.
	Now func() time.Time

	DB       *store.DB
	Index    *index.Index
	Pipeline *pipeline.Pipeline

	runWorkers int // cores a run's heavy steps may use; all when zero (cores.go)
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, p *Program, args []string) error
}

func commands() []command {
	return []command{
		{"demo", "embedded demo: temp data, demo sources served locally, one run, then serve", cmdDemo},
		{"serve", "API + web + scheduler", cmdServe},
		{"run", "the nightly pipeline once", cmdRun},
		{"ingest", "ingest sources or files: ingest [--source ID]... [--format F] [PATH|URL]...", cmdIngest},
		{"match", "match new/changed (or, with --full, all) opportunities", cmdMatch},
		{"notify", "send digests of new matches now: notify [--dry-run]", cmdNotify},
		{"members", "members import FILE | members list | members export", cmdMembers},
		{"sources", "sources import FILE | sources list", cmdSources},
		{"export", "export opportunities: canonical JSONL on stdout", cmdExport},
		{"rules", "rules show | rules set FILE | rules preview FILE", cmdRules},
		{"keys", "keys create --role staff|member [--member ID]", cmdKeys},
		{"staff", "staff add --email E --name N | staff list | staff remove --email E", cmdStaff},
		{"search", "search QUERY", cmdSearch},
		{"explain", "explain --member ID --opportunity ID", cmdExplain},
		{"eval", "eval --opportunities PATH --members FILE [--rules FILE] [--qrels FILE] [--run OUT]", cmdEval},
		{"reindex", "rebuild what is derived: the store's own indexes, then the search index", cmdReindex},
		{"backup", "backup FILE: a consistent copy of the store", cmdBackup},
		{"check", "check that the index agrees with the store", cmdCheck},
		{"bench", "bench ingest|match|api [--scale N]", cmdBench},
	}
}

// Main runs one command line and returns the process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	var cmd *command
	for _, c := range commands() {
		if c.name == args[0] {
			cmd = &c
			break
		}
	}
	if cmd == nil {
		fmt.Fprintf(stderr, "passerelle: unknown command %q\n\n", args[0])
		usage(stderr)
		return exitUsage
	}
	p := &Program{Stdout: stdout, Stderr: stderr, Getenv: getenv, Now: time.Now}
	err := cmd.run(ctx, p, args[1:])
	p.Close()
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errPartial):
		fmt.Fprintf(stderr, "passerelle %s: %v\n", cmd.name, err)
		return exitPartial
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "passerelle %s: %v\n", cmd.name, err)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "passerelle %s: %v\n", cmd.name, err)
		return exitError
	}
}

var errUsage = errors.New("usage")

func usageErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "passerelle: business opportunities matched to members' skills, with the reasons")
	fmt.Fprintln(w, "\nusage: passerelle COMMAND [--data DIR] [--config FILE] [flags] [args]")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nEvery setting can also come from PASSERELLE_<NAME> (e.g. PASSERELLE_DATA). See the README.")
}

// flags returns a flag set with the settings every command takes. After fs.Parse, call
// p.configure(fs) to merge file, environment and flags.
func (p *Program) flags(name string) (*flag.FlagSet, *commonFlags) {
	fs := flag.NewFlagSet("passerelle "+name, flag.ContinueOnError)
	fs.SetOutput(p.Stderr)
	cf := &commonFlags{}
	fs.StringVar(&cf.data, "data", "", "data directory (default ./data, env PASSERELLE_DATA)")
	fs.StringVar(&cf.config, "config", "", "TOML configuration file")
	return fs, cf
}

type commonFlags struct {
	data, config, addr string
}

// parse parses args and builds the configuration: defaults, file, environment, flags.
func (p *Program) parse(fs *flag.FlagSet, cf *commonFlags, args []string) error {
	if err := parseInterspersed(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	cfg := DefaultConfig()
	if cf.config == "" {
		cf.config = p.Getenv("PASSERELLE_CONFIG")
	}
	if cf.config != "" {
		if err := cfg.LoadFile(cf.config); err != nil {
			return err
		}
	}
	if err := cfg.LoadEnv(p.Getenv); err != nil {
		return err
	}
	if cf.data != "" {
		cfg.Data = cf.data
	}
	if cf.addr != "" {
		cfg.Addr = cf.addr
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	p.Config = cfg
	p.Log = newLogger(p.Stderr, cfg)
	return nil
}

// parseInterspersed lets flags come after positional arguments (`ingest FILE --format csv`).
func parseInterspersed(fs *flag.FlagSet, args []string) error {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	return fs.Parse(append([]string{"--"}, pos...))
}

func newLogger(w io.Writer, cfg Config) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// open opens the store and the index under the data directory and wires the pipeline.
// A stale index (mapping changed) is rebuilt from the store at once.
func (p *Program) open(ctx context.Context) error { return p.openAs(ctx, openCreate) }

// openAs is open where mode openExisting refuses a data directory without a store, instead
// of creating an empty one: a typo in --data must not look like an empty store. Writing
// commands also mark interrupted the runs a crashed process left running.
func (p *Program) openAs(ctx context.Context, mode openMode) error {
	dbPath := filepath.Join(p.Config.Data, "passerelle.db")
	if mode == openExisting {
		if _, err := os.Stat(dbPath); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("no store in %s (no %s): check --data or PASSERELLE_DATA; this command only reads and creates nothing", p.Config.Data, dbPath)
			}
			return fmt.Errorf("store: %w", err)
		}
	}
	if err := os.MkdirAll(p.Config.Data, 0o755); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	db, err := store.Open(dbPath)
	if err != nil {
		return err
	}
	p.DB = db
	ix, err := index.Open(filepath.Join(p.Config.Data, "index"))
	if err != nil {
		return fmt.Errorf("index: %w", err)
	}
	p.Index = ix
	p.Pipeline = &pipeline.Pipeline{
		Store: db, Index: ix, Log: p.Log, Now: p.Now,
		Fetcher: &source.Fetcher{MaxBytes: p.Config.FetchMaxBytes, NoLocal: !p.Config.AllowLocalSources},
	}
	p.Pipeline.Fetcher.Client = httpClient(mustDuration(p.Config.FetchTimeout))
	p.Pipeline.RunTimeout = mustDuration(p.Config.RunTimeout)
	p.Pipeline.SourceTimeout = mustDuration(p.Config.SourceTimeout)
	p.Pipeline.Delivery = p.delivery()
	p.Pipeline.Workers = p.runWorkers
	ix.SetWriters(p.runWorkers)
	if mode == openCreate {
		// Read commands leave the records as they are (a run left running is reported by
		// `check`, marked by the next writing command).
		if _, err := p.Pipeline.Recover(ctx); err != nil {
			return fmt.Errorf("marking interrupted runs: %w", err)
		}
		if _, err := p.Pipeline.Rules(ctx); err != nil {
			return err
		}
	}
	if ix.NeedsRebuild() {
		p.Log.Info("index is new or its mapping changed: building it from the store")
		if _, err := p.Pipeline.Reindex(ctx); err != nil {
			return fmt.Errorf("rebuilding the index: %w", err)
		}
	}
	return nil
}

// delivery builds the digest settings; nil (no digests) when neither SMTP nor a webhook
// secret is configured.
func (p *Program) delivery() *pipeline.Delivery {
	d := &pipeline.Delivery{Location: p.Config.location(), BaseURL: p.Config.BaseURL, Association: p.Config.Association, Channels: map[string]pipeline.Channel{}}
	if p.Config.SMTP != "" {
		d.Channels["email"] = &notify.Mailer{URL: p.Config.SMTP, From: p.Config.MailFrom, Timeout: 30 * time.Second}
	}
	if p.Config.WebhookSecret != "" {
		policy, _ := p.Config.webhookPolicy() // Validate checked it
		// No Client: the webhook's own checks every address it connects to.
		d.Channels["webhook"] = &notify.Webhook{Secret: []byte(p.Config.WebhookSecret), Policy: policy}
	}
	if len(d.Channels) == 0 {
		return nil
	}
	return d
}

// webhooks is the configured webhook URL policy (Validate has checked it).
func (p *Program) webhooks() notify.URLPolicy {
	policy, _ := p.Config.webhookPolicy()
	return policy
}

// Close closes what open opened, index before store.
func (p *Program) Close() {
	if p.Index != nil {
		if err := p.Index.Close(); err != nil && p.Log != nil {
			p.Log.Error("closing index", "err", err)
		}
		p.Index = nil
	}
	if p.DB != nil {
		if err := p.DB.Close(); err != nil && p.Log != nil {
			p.Log.Error("closing store", "err", err)
		}
		p.DB = nil
	}
}

// isTerminal reports whether w is a terminal: long commands show a progress bar there and
// plain log lines otherwise.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func printRun(w io.Writer, r passerelle.Run) {
	fmt.Fprintf(w, "run %s: %s (indexed %d, matched %d opportunities, %d matches, %d bad records)\n", r.ID, r.Status, r.Indexed, r.Matched, r.Matches, r.FailedRecords)
	for _, s := range r.Sources {
		state := ""
		if s.NotModified {
			state = " not modified"
		}
		fmt.Fprintf(w, "  source %s:%s fetched %d, new %d, updated %d, unchanged %d, failed %d\n",
			s.Source, state, s.Fetched, s.New, s.Updated, s.Unchanged, s.Failed)
		for i, e := range s.Errors {
			if i == 5 {
				fmt.Fprintf(w, "    … and %d more errors\n", len(s.Errors)-5)
				break
			}
			fmt.Fprintf(w, "    error: %s\n", strings.ReplaceAll(e, "\n", " "))
		}
	}
	if r.Digests > 0 {
		fmt.Fprintf(w, "  digests: %d members, %d deliveries sent, %d failed\n", r.Digests, r.Deliveries, r.DeliveryFailures)
	}
	for _, c := range r.Channels {
		if c.Failed == 0 {
			continue
		}
		fmt.Fprintf(w, "  channel %s: sent %d, failed %d (tried again next run)\n", c.Channel, c.Sent, c.Failed)
		for i, e := range c.Errors {
			if i == 5 {
				fmt.Fprintf(w, "    … and %d more errors\n", len(c.Errors)-5)
				break
			}
			fmt.Fprintf(w, "    error: %s\n", strings.ReplaceAll(e, "\n", " "))
		}
	}
	if r.Error != "" {
		fmt.Fprintf(w, "  error: %s\n", r.Error)
	}
}
