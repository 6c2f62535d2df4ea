package config

// Secret holds a value that must never appear in logs, errors or command
// output. Its String, YAML and JSON forms are redacted; Value returns the real
// value for the one place that needs it.
type Secret string

const redacted = "[redacted]"

// Value returns the secret itself.
func (s Secret) Value() string { return string(s) }

// IsSet reports whether the secret has a value.
func (s Secret) IsSet() bool { return s != "" }

// String returns a redacted form, so that fmt and slog never print the value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return s.String() }

// MarshalText redacts the secret in JSON, YAML and slog output.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads the real value from a configuration file.
func (s *Secret) UnmarshalText(b []byte) error {
	*s = Secret(b)
	return nil
}
