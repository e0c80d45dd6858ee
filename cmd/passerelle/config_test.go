package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigLayers(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "passerelle.toml")
	if err := os.WriteFile(file, []byte("data = \"/srv/passerelle\"\naddr = \"127.0.0.1:9000\"\ntimezone = \"Europe/Paris\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := DefaultConfig()
	if err := c.LoadFile(file); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"PASSERELLE_ADDR": "127.0.0.1:9100", "PASSERELLE_MAX_BODY": "2048", "PASSERELLE_LOG_JSON": "true"}
	if err := c.LoadEnv(func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Data != "/srv/passerelle" || c.Addr != "127.0.0.1:9100" || c.Timezone != "Europe/Paris" || c.MaxBody != 2048 || !c.LogJSON || c.Schedule != "0 2 * * *" {
		t.Errorf("layers not applied in order (defaults < file < env): %+v", c)
	}
}

func TestConfigErrorsNameTheSetting(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("data = \"x\"\ncolour = \"red\"\n"), 0o644)
	c := DefaultConfig()
	if err := c.LoadFile(bad); err == nil || !strings.Contains(err.Error(), "colour") {
		t.Errorf("unknown setting not named: %v", err)
	}
	c = DefaultConfig()
	if err := c.LoadEnv(func(k string) string {
		if k == "PASSERELLE_MAX_BODY" {
			return "lots"
		}
		return ""
	}); err == nil || !strings.Contains(err.Error(), "PASSERELLE_MAX_BODY") {
		t.Errorf("bad env value not named: %v", err)
	}
	for _, tc := range []struct {
		mut  func(*Config)
		want string
	}{
		{func(c *Config) { c.Timezone = "Mars/Olympus" }, "timezone"},
		{func(c *Config) { c.SMTP = "http://mail" }, "smtp"},
		{func(c *Config) { c.FetchTimeout = "soon" }, "fetch_timeout"},
		{func(c *Config) { c.LogLevel = "loud" }, "log_level"},
	} {
		c := DefaultConfig()
		tc.mut(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate: %v, want an error naming %s", err, tc.want)
		}
	}
	// Through Main: a bad config is a clear failure, not a crash.
	code, _, errOut := runMain(t, "check", "--config", bad, "--data", filepath.Join(dir, "d"))
	if code == 0 || !strings.Contains(errOut, "colour") {
		t.Errorf("check with a bad config: exit %d, %s", code, errOut)
	}
}

func TestUsageErrors(t *testing.T) {
	if code, _, _ := runMain(t); code != exitUsage {
		t.Errorf("no command: exit %d", code)
	}
	if code, _, errOut := runMain(t, "frobnicate"); code != exitUsage || !strings.Contains(errOut, "unknown command") {
		t.Errorf("unknown command: exit %d %s", code, errOut)
	}
	dir := t.TempDir()
	if code, _, errOut := runMain(t, "ingest", "--data", dir, filepath.Join(dir, "missing.jsonl")); code == 0 || !strings.Contains(errOut, "missing.jsonl") {
		t.Errorf("ingest of a missing file: exit %d %s", code, errOut)
	}
	bad := filepath.Join(dir, "members.json")
	os.WriteFile(bad, []byte(`[{"id":"a","name":"A","tier":"gold"}]`), 0o644)
	if code, _, errOut := runMain(t, "members", "import", bad, "--data", dir); code == 0 || !strings.Contains(errOut, "tier") {
		t.Errorf("members import with a bad tier: exit %d %s", code, errOut)
	}
}
