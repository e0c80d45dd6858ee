package main

import (
	"fmt"
	"net/netip"
	"net/url"
	"reflect"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/passerelle/passerelle/notify"
)

// Config holds every setting, with documented defaults. It is filled from the TOML file
// (--config), then the environment (PASSERELLE_<NAME>), then flags; Validate checks it.
type Config struct {
	Data     string `toml:"data"`     // data directory: store (passerelle.db) and index (index/)
	Addr     string `toml:"addr"`     // listen address; loopback by default
	Timezone string `toml:"timezone"` // zone of the schedule and of dates without a zone
	Schedule string `toml:"schedule"` // cron expression of the nightly run
	LogLevel string `toml:"log_level"`
	LogJSON  bool   `toml:"log_json"`
	SMTP     string `toml:"smtp"`      // smtp[s]://[user:pass@]host:port, for digests
	MailFrom string `toml:"mail_from"` // sender of digests
	// WebhookSecret signs webhook digests (HMAC-SHA256); webhooks are off without it.
	WebhookSecret string `toml:"webhook_secret"`
	// BaseURL is this server's public address, for links in digests and feeds.
	BaseURL string `toml:"base_url"`
	// Association is the name that heads the digest e-mails (default "Passerelle").
	Association string `toml:"association"`
	MaxBody     int64  `toml:"max_body"` // API request body cap, bytes
	// FetchMaxBytes caps one fetched document.
	FetchMaxBytes int64 `toml:"fetch_max_bytes"`
	// FetchTimeout bounds one HTTP fetch.
	FetchTimeout string `toml:"fetch_timeout"`
	// RunTimeout bounds one pipeline run as a whole, however it was started (command line,
	// schedule, API): past it the run is recorded failed and its pending work kept.
	RunTimeout string `toml:"run_timeout"`
	// WebhookHTTPHosts are hosts (comma-separated) members' webhooks may reach over plain
	// http; every other webhook URL must be https.
	WebhookHTTPHosts string `toml:"webhook_http_hosts"`
	// WebhookAllowNets are internal address ranges (comma-separated CIDR) webhooks may
	// reach; loopback, private, link-local and metadata addresses are refused otherwise.
	WebhookAllowNets string `toml:"webhook_allow_nets"`
	// SourceTimeout bounds one source's whole fetch, every try and wait included, so a
	// slow source costs at most this much of a run.
	SourceTimeout string `toml:"source_timeout"`
	// AllowLocalSources lets sources read local files and directories (a path or file://
	// URL). Off, only http(s) sources are saved, tested or fetched: whoever holds a staff
	// key then cannot make the server read its own files.
	AllowLocalSources bool `toml:"allow_local_sources"`
	// ShutdownTimeout is how long a stopping server waits for a run in progress before it
	// interrupts it (recorded interrupted; the next run finishes its work).
	ShutdownTimeout string `toml:"shutdown_timeout"`
}

// DefaultConfig returns the defaults documented in the README.
func DefaultConfig() Config {
	return Config{
		Data:            "./data",
		Addr:            "127.0.0.1:8080",
		Timezone:        "Europe/Brussels",
		Schedule:        "0 2 * * *",
		LogLevel:        "info",
		MailFrom:        "passerelle@localhost",
		MaxBody:         1 << 20,
		FetchMaxBytes:   50 << 20,
		FetchTimeout:    "60s",
		RunTimeout:      "6h",
		SourceTimeout:   "2m",
		ShutdownTimeout: "30s",
		// On by default: the command line and the demo read local files; a server whose staff
		// keys are used over the network should switch it off.
		AllowLocalSources: true,
	}
}

// LoadFile reads a TOML file over c. Unknown keys are an error naming them.
func (c *Config) LoadFile(path string) error {
	md, err := toml.DecodeFile(path, c)
	if err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return fmt.Errorf("config %s: unknown settings: %s", path, strings.Join(keys, ", "))
	}
	return nil
}

// LoadEnv reads PASSERELLE_<NAME> for every setting (NAME is the TOML key in capitals).
func (c *Config) LoadEnv(getenv func(string) string) error {
	v := reflect.ValueOf(c).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		name := "PASSERELLE_" + strings.ToUpper(t.Field(i).Tag.Get("toml"))
		val := getenv(name)
		if val == "" {
			continue
		}
		f := v.Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString(val)
		case reflect.Bool:
			f.SetBool(val == "1" || strings.EqualFold(val, "true") || strings.EqualFold(val, "yes"))
		case reflect.Int64:
			var n int64
			if _, err := fmt.Sscan(val, &n); err != nil {
				return fmt.Errorf("%s: %q is not a whole number", name, val)
			}
			f.SetInt(n)
		}
	}
	return nil
}

// Validate checks every setting and names the bad ones.
func (c *Config) Validate() error {
	var bad []string
	if c.Data == "" {
		bad = append(bad, "data: is required")
	}
	if _, err := time.LoadLocation(c.Timezone); err != nil {
		bad = append(bad, fmt.Sprintf("timezone: unknown zone %q", c.Timezone))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad = append(bad, "log_level: must be debug, info, warn or error")
	}
	if c.SMTP != "" {
		u, err := url.Parse(c.SMTP)
		if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Host == "" {
			bad = append(bad, "smtp: must look like smtp[s]://[user:pass@]host:port")
		}
	}
	for name, d := range map[string]string{"fetch_timeout": c.FetchTimeout, "run_timeout": c.RunTimeout, "source_timeout": c.SourceTimeout, "shutdown_timeout": c.ShutdownTimeout} {
		if x, err := time.ParseDuration(d); err != nil || x <= 0 {
			bad = append(bad, fmt.Sprintf("%s: %q is not a positive duration (e.g. 60s)", name, d))
		}
	}
	if _, err := c.webhookPolicy(); err != nil {
		bad = append(bad, err.Error())
	}
	if c.BaseURL != "" {
		if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad = append(bad, "base_url: must be an http(s) URL such as https://veille.example.org")
		}
	}
	if c.MaxBody <= 0 {
		bad = append(bad, "max_body: must be above 0")
	}
	if c.FetchMaxBytes <= 0 {
		bad = append(bad, "fetch_max_bytes: must be above 0")
	}
	if len(bad) > 0 {
		return fmt.Errorf("invalid configuration: %s", strings.Join(bad, "; "))
	}
	return nil
}

// webhookPolicy is what members' webhook URLs are checked against.
func (c *Config) webhookPolicy() (notify.URLPolicy, error) {
	var p notify.URLPolicy
	for _, h := range strings.Split(c.WebhookHTTPHosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			p.HTTPHosts = append(p.HTTPHosts, h)
		}
	}
	for _, n := range strings.Split(c.WebhookAllowNets, ",") {
		if n = strings.TrimSpace(n); n == "" {
			continue
		}
		pf, err := netip.ParsePrefix(n)
		if err != nil {
			if a, aerr := netip.ParseAddr(n); aerr == nil {
				pf = netip.PrefixFrom(a, a.BitLen())
			} else {
				return p, fmt.Errorf("webhook_allow_nets: %q is not an address range such as 10.0.0.0/8", n)
			}
		}
		p.AllowNets = append(p.AllowNets, pf.Masked())
	}
	return p, nil
}

func (c *Config) location() *time.Location {
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

func mustDuration(s string) time.Duration {
	d, _ := time.ParseDuration(s)
	return d
}
