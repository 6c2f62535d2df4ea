package session

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// CookieLiAt is the name of LinkedIn's authentication cookie: its presence is
// what "signed in" means to the executor.
const CookieLiAt = "li_at"

// KeySize is the length in bytes of the key Seal and Open require
// (AES-256).
const KeySize = 32

// ErrNoKey is returned by Seal and Open when no key is configured.
var ErrNoKey = errors.New("session: PACER_SECRET_KEY is not set: Pacer will not store LinkedIn sessions unencrypted; generate one with `openssl rand -base64 32`")

// ErrKeySize is returned by Seal and Open when the key is not 32 bytes long.
var ErrKeySize = errors.New("session: PACER_SECRET_KEY must be 32 bytes (base64 of 32 random bytes); generate one with `openssl rand -base64 32`")

// ErrCorrupt is returned by Open when the sealed bytes were not made by Seal
// with the same key, or were altered since.
var ErrCorrupt = errors.New("session: the stored session cannot be opened: it was sealed with another PACER_SECRET_KEY or is damaged; sign in again with `pacer account login`")

// Cookie is one browser cookie of an account's session.
//
// An empty Domain means "the site the adapter talks to": the adapter then sets
// the cookie for its base URL, so a session made from a bare li_at value works
// against LinkedIn and against the simulator alike.
type Cookie struct {
	// Name is the cookie name, such as li_at.
	Name string `json:"name"`
	// Value is the secret itself; it never appears in String or logs.
	Value string `json:"value"`
	// Domain is the cookie domain, such as ".www.linkedin.com"; empty means the adapter's site.
	Domain string `json:"domain,omitempty"`
	// Path is the cookie path; empty means "/".
	Path string `json:"path,omitempty"`
	// Expires is when the cookie ends; zero means at the end of the browser session.
	Expires time.Time `json:"expires,omitzero"`
	// HTTPOnly hides the cookie from page scripts.
	HTTPOnly bool `json:"http_only,omitempty"`
	// Secure sends the cookie over HTTPS only.
	Secure bool `json:"secure,omitempty"`
	// SameSite is "Strict", "Lax", "None" or empty.
	SameSite string `json:"same_site,omitempty"`
}

// String never shows the cookie's value: sessions must not reach logs.
func (c Cookie) String() string {
	return fmt.Sprintf("%s=[redacted] (domain %q)", c.Name, c.Domain)
}

// LogValue keeps slog from printing the cookie's value.
func (c Cookie) LogValue() slog.Value { return slog.StringValue(c.String()) }

// LiAt returns a session made of a single li_at cookie with the given value,
// for `pacer account set-cookie`. Its domain is left empty so that the adapter
// scopes it to the site it talks to.
func LiAt(value string) []Cookie {
	return []Cookie{{Name: CookieLiAt, Value: value, Path: "/", HTTPOnly: true}}
}

// Find returns the cookie with that name, if the session has one.
func Find(cookies []Cookie, name string) (Cookie, bool) {
	for _, c := range cookies {
		if c.Name == name {
			return c, true
		}
	}
	return Cookie{}, false
}

// HasLiAt reports whether the session holds a non-empty li_at cookie.
func HasLiAt(cookies []Cookie) bool {
	c, ok := Find(cookies, CookieLiAt)
	return ok && c.Value != ""
}

// Marshal returns the JSON form of a session.
func Marshal(cookies []Cookie) ([]byte, error) {
	if cookies == nil {
		cookies = []Cookie{}
	}
	b, err := json.Marshal(cookies)
	if err != nil {
		return nil, fmt.Errorf("session: encode cookies: %w", err)
	}
	return b, nil
}

// Unmarshal reads a session from its JSON form.
func Unmarshal(data []byte) ([]Cookie, error) {
	var cookies []Cookie
	if err := json.Unmarshal(data, &cookies); err != nil {
		return nil, fmt.Errorf("session: decode cookies: %w", err)
	}
	return cookies, nil
}

// sealVersion leads every sealed blob so the format can change later without
// guessing.
const sealVersion byte = 1

// additionalData binds the ciphertext to its purpose: a blob sealed by another
// part of Pacer with the same key does not open as a session.
var additionalData = []byte("pacer linkedin session v1")

// Seal encrypts a session with AES-256-GCM under key (the 32 bytes of
// PACER_SECRET_KEY) for storage. Each call uses a fresh random nonce.
func Seal(key []byte, cookies []Cookie) ([]byte, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	plain, err := Marshal(cookies)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 1+aead.NonceSize(), 1+aead.NonceSize()+len(plain)+aead.Overhead())
	out[0] = sealVersion
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("session: read random nonce: %w", err)
	}
	return aead.Seal(out, out[1:1+aead.NonceSize()], plain, additionalData), nil
}

// Open decrypts a session sealed by Seal with the same key.
func Open(key, sealed []byte) ([]Cookie, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	n := aead.NonceSize()
	if len(sealed) < 1+n+aead.Overhead() || sealed[0] != sealVersion {
		return nil, ErrCorrupt
	}
	plain, err := aead.Open(nil, sealed[1:1+n], sealed[1+n:], additionalData)
	if err != nil {
		return nil, ErrCorrupt
	}
	return Unmarshal(plain)
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) == 0 {
		return nil, ErrNoKey
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("%w (got %d bytes)", ErrKeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	return aead, nil
}
