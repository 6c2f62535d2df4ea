package campaign

import (
	"context"
	"errors"
	"testing"

	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
)

func TestParseSuppression(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, kind, value string
	}{
		{"https://www.linkedin.com/in/Ada-Lovelace/?trk=x", models.SuppressSlug, "ada-lovelace"},
		{"linkedin.com/in/ada-lovelace", models.SuppressSlug, "ada-lovelace"},
		{"Ada-Lovelace", models.SuppressSlug, "ada-lovelace"},
		{"ADA@Acme.COM", models.SuppressEmail, "ada@acme.com"},
		{"mailto:ada@acme.com", models.SuppressEmail, "ada@acme.com"},
		{"@acme.com", models.SuppressDomain, "acme.com"},
		{"acme.com", models.SuppressDomain, "acme.com"},
		{" ACME.co.uk. ", models.SuppressDomain, "acme.co.uk"},
	}
	for _, tc := range tests {
		got, err := ParseSuppression(tc.in)
		if err != nil || got.Kind != tc.kind || got.Value != tc.value {
			t.Errorf("ParseSuppression(%q): got %s %q, %v; want %s %q", tc.in, got.Kind, got.Value, err, tc.kind, tc.value)
		}
	}
	for _, in := range []string{"", "@", "ada@", "@acme", "ada lovelace", "https://www.linkedin.com/sales/lead/ACwAAA1", "acme..com", "acme.com..", "https://acme.com/about"} {
		if got, err := ParseSuppression(in); !errors.Is(err, ErrBadSuppression) {
			t.Errorf("ParseSuppression(%q): got %+v, %v; want ErrBadSuppression", in, got, err)
		}
	}
}

func TestSuppressAddRemoveList(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		res, err := Suppress(ctx, s, []string{"acme.com", "ada@engines.io", "https://www.linkedin.com/in/alan/"}, "asked us", "U1", monday09)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if !r.Added {
				t.Errorf("%s %s: got not added, want added", r.Entry.Kind, r.Entry.Value)
			}
		}
		res, err = Suppress(ctx, s, []string{"@ACME.com"}, "", "U2", monday09)
		if err != nil || len(res) != 1 || res[0].Added {
			t.Errorf("again: got %+v, %v; want one entry already there", res, err)
		}
		if _, err := Suppress(ctx, s, []string{"grace.hopper@navy.mil", "not a thing at all"}, "", "U1", monday09); !errors.Is(err, ErrBadSuppression) {
			t.Errorf("with a bad value: got %v, want ErrBadSuppression", err)
		}
		list, err := Suppressions(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range list {
			got = append(got, e.Kind+":"+e.Value)
		}
		want := []string{"domain:acme.com", "email:ada@engines.io", "slug:alan"}
		if len(got) != len(want) {
			t.Fatalf("list: got %v, want %v (nothing from the refused call)", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("list[%d]: got %s, want %s", i, got[i], want[i])
			}
		}
		if list[0].Reason != "asked us" || list[0].CreatedBy != "U1" {
			t.Errorf("entry: got %+v, want reason and author kept", list[0])
		}
		removed, err := Unsuppress(ctx, s, []string{"alan", "nobody-here"})
		if err != nil || len(removed) != 1 || removed[0].Value != "alan" {
			t.Errorf("remove: got %+v, %v; want alan removed", removed, err)
		}
	})
}
