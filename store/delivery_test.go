package store

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
)

func TestDeliveries(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	createMembers(t, db, "acme", "acme2", "beta")
	for i, m := range []string{"acme", "beta", "acme2", "acme", "beta", "acme"} {
		d, err := db.AddDelivery(ctx, Delivery{Member: m, Channel: "email", Target: "ann@" + m + ".example",
			Opportunities: []string{"ted:1"}, At: t0.Add(time.Duration(i) * time.Hour), OK: true})
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"000000001", "000000002", "000000003", "000000004", "000000005", "000000006"}[i]; d.ID != want {
			t.Fatalf("delivery %d id %q, want %q", i, d.ID, want)
		}
	}
	for _, tc := range []struct {
		member string
		limit  int
		want   []string
	}{
		{"", 0, []string{"000000006", "000000005", "000000004", "000000003", "000000002", "000000001"}},
		{"", 2, []string{"000000006", "000000005"}},
		{"acme", 0, []string{"000000006", "000000004", "000000001"}},
		{"acme", 2, []string{"000000006", "000000004"}},
		{"acme2", 0, []string{"000000003"}},
		{"beta", 0, []string{"000000005", "000000002"}},
		{"nobody", 0, nil},
	} {
		ds, err := db.Deliveries(ctx, tc.member, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, d := range ds {
			got = append(got, d.ID)
			if tc.member != "" && d.Member != tc.member {
				t.Errorf("Deliveries(%q) returned one of %q", tc.member, d.Member)
			}
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Deliveries(%q, %d) = %v, want %v", tc.member, tc.limit, got, tc.want)
		}
	}
	if rep, _ := db.Check(ctx); !rep.OK() {
		t.Fatalf("check: %v", rep.Problems)
	}
	if err := db.DeleteMember(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	if ds, _ := db.Deliveries(ctx, "acme", 0); len(ds) != 0 {
		t.Errorf("deleted member's deliveries kept: %+v", ds)
	}
	if ds, _ := db.Deliveries(ctx, "", 0); len(ds) != 3 {
		t.Errorf("%d deliveries left, want 3", len(ds))
	}
	if rep, _ := db.Check(ctx); !rep.OK() {
		t.Fatalf("check after delete: %v", rep.Problems)
	}
	_, err := db.AddDelivery(ctx, Delivery{Channel: "email"})
	wantCode(t, err, passerelle.EINVALID)
}
