package notify

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// mailpit is a real SMTP server with an HTTP API to read what it received
// (github.com/axllent/mailpit). It is not a module dependency: it pulls a large tree
// (an SQLite in Go among others) into go.mod for every package's sake. The test finds a
// binary ($PASSERELLE_MAILPIT, then mailpit on PATH, then the user cache), or builds it
// once with `go install` into the user cache; -short never builds it.
const mailpitVersion = "v1.33.1"

var (
	mailpitOnce sync.Once
	mailpitPath string
	mailpitErr  error
)

func mailpitBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("PASSERELLE_MAILPIT"); p != "" {
		return p
	}
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Skipf("mailpit: no user cache dir to build it into (%v); set PASSERELLE_MAILPIT", err)
	}
	dir := filepath.Join(cache, "passerelle-test", "mailpit-"+mailpitVersion)
	bin := filepath.Join(dir, "mailpit")
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	if testing.Short() {
		t.Skip("mailpit not built and -short: skipping the mailpit test (the SMTP sink test still runs)")
	}
	mailpitOnce.Do(func() {
		mailpitPath, mailpitErr = buildMailpit(dir, bin)
	})
	if mailpitErr != nil {
		t.Skipf("mailpit %s could not be built here, skipping (the SMTP sink test still runs): %v", mailpitVersion, mailpitErr)
	}
	return mailpitPath
}

// buildMailpit installs mailpit into a temporary GOBIN beside dir and renames it into
// place, so that a half-built binary is never found.
func buildMailpit(dir, bin string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(dir, "build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "install", "github.com/axllent/mailpit@"+mailpitVersion)
	cmd.Dir = tmp // outside our module: install the version asked for, not ours
	cmd.Env = append(os.Environ(), "GOBIN="+tmp, "GOFLAGS=-buildvcs=false", "GOTOOLCHAIN=local")
	out, err := cmd.CombinedOutput()
	if err != nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		return "", fmt.Errorf("go install: %v: %s", err, strings.Join(lines[max(0, len(lines)-5):], " | "))
	}
	if err := os.Rename(filepath.Join(tmp, "mailpit"), bin); err != nil {
		return "", err
	}
	return bin, nil
}

func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns a pool trusting it.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

type mailpitServer struct {
	smtp, api string
	pool      *x509.CertPool
}

// startMailpit runs mailpit on free loopback ports with STARTTLS required and any
// credentials accepted, and waits until its API answers.
func startMailpit(t *testing.T) *mailpitServer {
	bin := mailpitBinary(t)
	dir := t.TempDir()
	cert, key, pool := selfSigned(t, dir)
	s := &mailpitServer{smtp: freePort(t), api: "http://" + freePort(t), pool: pool}
	var logs bytes.Buffer
	cmd := exec.Command(bin,
		"--smtp", s.smtp, "--listen", strings.TrimPrefix(s.api, "http://"),
		"--database", filepath.Join(dir, "mailpit.db"),
		"--smtp-tls-cert", cert, "--smtp-tls-key", key, "--smtp-require-starttls",
		"--smtp-auth-accept-any", "--smtp-disable-rdns", "--disable-version-check")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start mailpit: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("mailpit output:\n%s", logs.String())
		}
	})
	// Waiting for a process to come up is not a timed assertion: the bound is generous
	// and only turns a hang into a clear failure.
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("mailpit exited: %v\n%s", err, logs.String())
		default:
		}
		resp, err := http.Get(s.api + "/api/v1/info")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				if c, err := net.Dial("tcp", s.smtp); err == nil {
					c.Close()
					return s
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpit did not come up:\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *mailpitServer) get(t *testing.T, path string, v any) {
	t.Helper()
	resp, err := http.Get(s.api + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

type mpAddress struct{ Name, Address string }

type mpSummary struct {
	ID      string
	Subject string
	To      []mpAddress
}

type mpMessage struct {
	ID      string
	From    mpAddress
	To      []mpAddress
	Subject string
	Text    string
	HTML    string
}

func TestMailpit(t *testing.T) {
	mp := startMailpit(t)
	mailer := &Mailer{
		URL:       "smtp://veille:secret@" + mp.smtp,
		From:      "Passerelle <veille@passerelle.example>",
		Timeout:   20 * time.Second,
		TLSConfig: &tls.Config{RootCAs: mp.pool},
	}
	fr, ok := Build(codeloop(), fixtureItems(t, "codeloop"), 3, clock(t), brussels(t))
	if !ok {
		t.Fatal("no digest for codeloop")
	}
	fr.BaseURL = "https://passerelle.example"
	en, ok := Build(dataforge(), fixtureItems(t, "dataforge"), 2, clock(t), brussels(t))
	if !ok {
		t.Fatal("no digest for dataforge")
	}
	for _, d := range []Digest{fr, en} {
		if err := mailer.Send(context.Background(), d); err != nil {
			t.Fatalf("Send to %s: %v", d.Member.ID, err)
		}
	}

	var list struct {
		Total    int
		Messages []mpSummary
	}
	mp.get(t, "/api/v1/messages", &list)
	if list.Total != 2 || len(list.Messages) != 2 {
		t.Fatalf("mailpit holds %d messages, want 2 (one per member, not one per contact)", list.Total)
	}
	bySubject := map[string]string{}
	for _, m := range list.Messages {
		bySubject[m.Subject] = m.ID
	}
	for _, tc := range []struct {
		subject  string
		to       []string
		contains []string
	}{
		{
			subject: "Passerelle — 3 nouvelles opportunités pour Codeloop",
			to:      []string{"amelie@codeloop.example", "jon@codeloop.example"},
			contains: []string{
				"Audit de sécurité informatique des hôpitaux",
				"Call for projects: secure medical IoT, phase 1",
				"Développement d'une plateforme web; maintenance, hébergement et support \\ 3 ans",
				"Acheteur : CHU de Liège", "Date limite : 7 mars 2026 à 17:00 (dans 5 jours)", "Score : 87/100",
				"- CPV 72212730 ⊂ bundle security (+18)",
				"- skill 'développement web' ~ title 'plateforme web' (+22.5)",
				"Avis officiel : https://ted.example/notice/123456-2026",
				"Lien : https://passerelle.example/app/opportunities/ted:123456-2026",
			},
		},
		{
			subject:  "Passerelle — 2 new opportunities for DataForge",
			to:       []string{"ann@dataforge.example"},
			contains: []string{"IT security audit of the hospitals", "Deadline: 7 March 2026, 17:00 (in 5 days)", "- cluster security (+20)", "Why:"},
		},
	} {
		id, ok := bySubject[tc.subject]
		if !ok {
			t.Errorf("no message with subject %q; got %v", tc.subject, bySubject)
			continue
		}
		var m mpMessage
		mp.get(t, "/api/v1/message/"+id, &m)
		var to []string
		for _, a := range m.To {
			to = append(to, a.Address)
		}
		slices.Sort(to)
		if !slices.Equal(to, tc.to) {
			t.Errorf("%s: recipients %v, want %v", tc.subject, to, tc.to)
		}
		if m.From.Address != "veille@passerelle.example" || m.From.Name != "Passerelle" {
			t.Errorf("%s: from %+v", tc.subject, m.From)
		}
		for _, s := range tc.contains {
			if !strings.Contains(m.Text, s) {
				t.Errorf("%s: text lacks %q:\n%s", tc.subject, s, m.Text)
			}
		}
		if !strings.Contains(m.HTML, "<table role=\"presentation\"") || !strings.Contains(m.HTML, strings.Split(tc.contains[0], " (")[0]) {
			t.Errorf("%s: HTML part lacks the layout or the first title", tc.subject)
		}
	}
}
