package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/store"
)

func TestStaffCommand(t *testing.T) {
	data := t.TempDir()
	// Reading a store that does not exist is a mistake, not an empty list.
	if code, _, errOut := runMain(t, "staff", "list", "--data", data); code == 0 || !strings.Contains(errOut, data) {
		t.Errorf("staff list on an empty --data: exit %d, %s", code, errOut)
	}
	out := mustMain(t, "staff", "add", "--email", "Claire@Cluster.example", "--name", "Claire Dubois", "--data", data)
	if !strings.Contains(out, "email: claire@cluster.example") || !strings.Contains(out, "staff user: su_") {
		t.Errorf("staff add: %s", out)
	}
	for _, bad := range [][]string{
		{"staff", "add", "--email", "claire@cluster.example", "--name", "Encore"}, // taken
		{"staff", "add", "--email", "pas-une-adresse", "--name", "X"},
		{"staff", "add", "--name", "Sans adresse"},
		{"staff", "remove", "--email", "nobody@cluster.example"},
		{"staff", "fire"},
	} {
		if code, _, errOut := runMain(t, append(bad, "--data", data)...); code == 0 || strings.TrimSpace(errOut) == "" {
			t.Errorf("%v: exit %d, stderr %q", bad, code, errOut)
		}
	}
	mustMain(t, "staff", "add", "--email", "alain@cluster.example", "--name", "Alain Petit", "--data", data)
	list := mustMain(t, "staff", "list", "--data", data)
	if lines := strings.Split(strings.TrimSpace(list), "\n"); len(lines) != 2 || !strings.Contains(lines[0], "Alain Petit") {
		t.Errorf("staff list:\n%s", list)
	}
	mustMain(t, "staff", "remove", "--email", "ALAIN@cluster.example", "--data", data)

	// What the command stored is what a sign-in finds.
	db, err := store.Open(filepath.Join(data, "passerelle.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p, ok, err := db.PrincipalFor(context.Background(), "claire@cluster.example")
	if err != nil || !ok || p.Role != passerelle.RoleStaff {
		t.Errorf("Claire after staff add: %+v %v %v", p, ok, err)
	}
	if _, ok, _ := db.PrincipalFor(context.Background(), "alain@cluster.example"); ok {
		t.Error("Alain is still staff after staff remove")
	}
}

// TestServeSignsStaffInByMail: the staff user added by the command asks the running server for
// a link, which the configured SMTP server (mailpit) receives, built on the listen address, and
// which opens a staff session.
func TestServeSignsStaffInByMail(t *testing.T) {
	if testing.Short() {
		t.Skip("starts mailpit and a server")
	}
	smtpAddr, mpAPI := startPlainMailpit(t)
	data := t.TempDir()
	mustMain(t, "staff", "add", "--email", "claire@cluster.example", "--name", "Claire Dubois", "--data", data)
	cfg := filepath.Join(t.TempDir(), "passerelle.toml")
	if err := os.WriteFile(cfg, []byte("smtp = \"smtp://"+smtpAddr+"\"\nmail_from = \"Passerelle <veille@cluster.example>\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startMain(t, "serve", "--data", data, "--config", cfg, "--addr", "127.0.0.1:0")
	base := srv.want(t, "url: ")
	resp, err := http.Post(base+"/auth/link", "application/json", strings.NewReader(`{"email":"Claire@cluster.example"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 202 {
		t.Fatalf("POST /auth/link: %d", resp.StatusCode)
	}
	// The mail goes out after the answer: wait for mailpit to hold it (a bound against a hang,
	// not a timed assertion).
	var text string
	for deadline := time.Now().Add(time.Minute); text == ""; {
		var list struct{ Messages []struct{ ID string } }
		if r, err := http.Get(mpAPI + "/api/v1/messages"); err == nil {
			_ = json.NewDecoder(r.Body).Decode(&list)
			r.Body.Close()
		}
		if len(list.Messages) > 0 {
			var msg struct{ Text string }
			r, err := http.Get(mpAPI + "/api/v1/message/" + list.Messages[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			_ = json.NewDecoder(r.Body).Decode(&msg)
			r.Body.Close()
			text = msg.Text
		}
		if time.Now().After(deadline) {
			t.Fatalf("no sign-in mail reached mailpit; server log:\n%s", srv.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	link := regexp.MustCompile(`\S+/auth/login\?token=(\S+)`).FindStringSubmatch(text)
	if link == nil || !strings.HasPrefix(link[0], base+"/auth/login") {
		t.Fatalf("link %v not on the listen address %s:\n%s", link, base, text)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = noFollow.PostForm(base+"/auth/login", url.Values{"token": {link[1]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) != 1 {
		t.Fatalf("POST /auth/login: %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	req, _ := http.NewRequest("GET", base+"/api/v1/staff-users", nil)
	req.AddCookie(resp.Cookies()[0])
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var users struct{ Items []store.StaffUser }
	if err := json.NewDecoder(resp.Body).Decode(&users); err != nil || resp.StatusCode != 200 || len(users.Items) != 1 || users.Items[0].Name != "Claire Dubois" {
		t.Errorf("staff session: %d %+v %v", resp.StatusCode, users, err)
	}
}
