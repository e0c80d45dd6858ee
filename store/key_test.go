package store

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/passerelle/passerelle"
)

func TestKeysAuthenticate(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	createMembers(t, db, "acme")
	staff, staffSecret, err := db.CreateKey(ctx, passerelle.RoleStaff, "", t0)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(staffSecret, "pk_") || len(staffSecret) != 3+64 {
		t.Errorf("secret %q is not pk_ + 64 hex", staffSecret)
	}
	mem, memSecret, err := db.CreateKey(ctx, passerelle.RoleMember, "acme", t0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.Authenticate(ctx, memSecret)
	if err != nil || got.ID != mem.ID || got.Role != passerelle.RoleMember || got.Member != "acme" {
		t.Fatalf("Authenticate(member) = %+v, %v", got, err)
	}
	if got, err := db.Authenticate(ctx, staffSecret); err != nil || got.ID != staff.ID || got.Role != passerelle.RoleStaff {
		t.Fatalf("Authenticate(staff) = %+v, %v", got, err)
	}
	for _, wrong := range []string{"", "pk_", staffSecret[:len(staffSecret)-1] + "x", strings.TrimPrefix(staffSecret, "pk_"), mem.ID} {
		_, err := db.Authenticate(ctx, wrong)
		wantCode(t, err, passerelle.EUNAUTHORIZED)
	}
	// Nothing stored reveals a secret.
	keys, err := db.Keys(ctx)
	if err != nil || len(keys) != 2 {
		t.Fatalf("Keys = %+v, %v", keys, err)
	}
	var buf strings.Builder
	if _, err := db.Backup(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), strings.TrimPrefix(staffSecret, "pk_")) {
		t.Fatal("the store file contains a secret in clear")
	}

	if err := db.DeleteKey(ctx, staff.ID); err != nil {
		t.Fatal(err)
	}
	_, err = db.Authenticate(ctx, staffSecret)
	wantCode(t, err, passerelle.EUNAUTHORIZED)
	wantCode(t, db.DeleteKey(ctx, staff.ID), passerelle.ENOTFOUND)
	if _, err := db.Authenticate(ctx, memSecret); err != nil {
		t.Errorf("deleting one key broke another: %v", err)
	}
}

func TestCreateKeyChecks(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	for _, tc := range []struct {
		role   passerelle.Role
		member string
		code   string
	}{
		{"admin", "", passerelle.EINVALID},
		{passerelle.RoleMember, "", passerelle.EINVALID},
		{passerelle.RoleMember, "ghost", passerelle.ENOTFOUND},
		{passerelle.RoleStaff, "ghost", passerelle.EINVALID},
	} {
		_, _, err := db.CreateKey(ctx, tc.role, tc.member, t0)
		wantCode(t, err, tc.code)
	}
	if keys, _ := db.Keys(ctx); len(keys) != 0 {
		t.Errorf("failed creations left keys %+v", keys)
	}
}

func TestFeedToken(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	createMembers(t, db, "acme", "beta")
	if has, _ := db.HasFeedToken(ctx, "acme"); has {
		t.Fatal("a member has a feed token before asking")
	}
	tok, err := db.RotateFeedToken(ctx, "acme")
	if err != nil || len(tok) < 32 {
		t.Fatalf("RotateFeedToken = %q, %v", tok, err)
	}
	if has, _ := db.HasFeedToken(ctx, "acme"); !has {
		t.Error("HasFeedToken false after RotateFeedToken")
	}
	other, _ := db.RotateFeedToken(ctx, "beta")
	if other == tok {
		t.Errorf("two members share a token")
	}
	if m, err := db.MemberByFeedToken(ctx, tok); err != nil || m != "acme" {
		t.Errorf("MemberByFeedToken = %q, %v", m, err)
	}
	// The file holds the hash, never the token: a copy of the store opens no feed.
	var raw bytes.Buffer
	if _, err := db.Backup(ctx, &raw); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw.Bytes(), []byte(tok)) {
		t.Error("the store file holds the feed token in clear")
	}
	rotated, err := db.RotateFeedToken(ctx, "acme")
	if err != nil || rotated == tok {
		t.Fatalf("rotate: %q, %v", rotated, err)
	}
	_, err = db.MemberByFeedToken(ctx, tok)
	wantCode(t, err, passerelle.ENOTFOUND)
	if m, _ := db.MemberByFeedToken(ctx, rotated); m != "acme" {
		t.Errorf("rotated token belongs to %q", m)
	}
	if m, _ := db.MemberByFeedToken(ctx, other); m != "beta" {
		t.Errorf("rotating acme's token broke beta's: %q", m)
	}
	_, err = db.MemberByFeedToken(ctx, "nope")
	wantCode(t, err, passerelle.ENOTFOUND)
	_, err = db.MemberByFeedToken(ctx, "")
	wantCode(t, err, passerelle.ENOTFOUND)
	_, err = db.RotateFeedToken(ctx, "ghost")
	wantCode(t, err, passerelle.ENOTFOUND)
}
