package session

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func TestSealOpenRoundTrip(t *testing.T) {
	t.Parallel()
	want := []Cookie{
		{Name: "li_at", Value: "AQEDAR-secret", Domain: ".www.linkedin.com", Path: "/", HTTPOnly: true, Secure: true, SameSite: "None",
			Expires: time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)},
		{Name: "JSESSIONID", Value: `"ajax:123"`, Domain: ".www.linkedin.com", Path: "/"},
	}
	sealed, err := Seal(testKey(7), want)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	if bytes.Contains(sealed, []byte("AQEDAR-secret")) {
		t.Fatal("sealed blob contains the cookie value in clear")
	}
	got, err := Open(testKey(7), sealed)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || got[0].Value != want[0].Value || !got[0].Expires.Equal(want[0].Expires) {
		t.Errorf("Open = %+v, want %+v", got, want)
	}
	again, err := Seal(testKey(7), want)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(again, sealed) {
		t.Error("two seals of the same session are identical: the nonce is not fresh")
	}
}

func TestSealRefusesBadKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		key     []byte
		wantErr error
		wantMsg string
	}{
		{"nil key", nil, ErrNoKey, "PACER_SECRET_KEY is not set: Pacer will not store LinkedIn sessions unencrypted; generate one with `openssl rand -base64 32`"},
		{"empty key", []byte{}, ErrNoKey, "openssl rand -base64 32"},
		{"short key", []byte("short"), ErrKeySize, "got 5 bytes"},
		{"long key", bytes.Repeat([]byte{1}, 64), ErrKeySize, "got 64 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Seal(tt.key, LiAt("v"))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Seal err = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("Seal err = %q, want it to contain %q", err, tt.wantMsg)
			}
			_, err = Open(tt.key, []byte("whatever"))
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Open err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestOpenRejectsTamperingAndOtherKeys(t *testing.T) {
	t.Parallel()
	sealed, err := Seal(testKey(1), LiAt("abc"))
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(sealed)
	flipped[len(flipped)-1] ^= 1
	tests := []struct {
		name   string
		key    []byte
		sealed []byte
	}{
		{"other key", testKey(2), sealed},
		{"flipped bit", testKey(1), flipped},
		{"truncated", testKey(1), sealed[:10]},
		{"empty", testKey(1), nil},
		{"unknown version", testKey(1), append([]byte{9}, sealed[1:]...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(tt.key, tt.sealed)
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("Open err = %v, want ErrCorrupt", err)
			}
		})
	}
}

func TestCookieNeverPrintsItsValue(t *testing.T) {
	t.Parallel()
	c := LiAt("super-secret-token")[0]
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", slog.Any("cookie", c))
	for name, got := range map[string]string{"String": c.String(), "Sprint": fmt.Sprint(c), "slog": buf.String()} {
		if strings.Contains(got, "super-secret-token") {
			t.Errorf("%s shows the value: %s", name, got)
		}
	}
}

func TestMarshalUnmarshalAndHelpers(t *testing.T) {
	t.Parallel()
	b, err := Marshal(nil)
	if err != nil || string(b) != "[]" {
		t.Fatalf("Marshal(nil) = %s, %v; want [] <nil>", b, err)
	}
	b, err = Marshal(LiAt("tok"))
	if err != nil {
		t.Fatal(err)
	}
	if want := `[{"name":"li_at","value":"tok","path":"/","http_only":true}]`; string(b) != want {
		t.Errorf("Marshal = %s, want %s", b, want)
	}
	got, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if !HasLiAt(got) {
		t.Error("HasLiAt = false, want true")
	}
	if HasLiAt([]Cookie{{Name: "li_at"}}) {
		t.Error("HasLiAt(empty value) = true, want false")
	}
	if _, err := Unmarshal([]byte("{")); err == nil {
		t.Error("Unmarshal of bad JSON succeeded")
	}
}
