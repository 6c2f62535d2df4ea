package webhook

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url     string
		wantErr string // empty: valid
	}{
		{"https://hooks.example.com/pacer", ""},
		{"https://hooks.example.com:8443/pacer?token=x", ""},
		{"http://localhost:8080/hook", ""},
		{"http://api.localhost/hook", ""},
		{"http://127.0.0.1:9000/hook", ""},
		{"http://127.8.9.10/hook", ""},
		{"http://[::1]:9000/hook", ""},
		{"http://hooks.example.com/s3cret", "http://hooks.example.com/… must use https:// (http:// is accepted only for localhost"},
		{"http://10.0.0.5/hook", "must use https://"},
		{"http://[::2]/hook", "must use https://"},
		{"ftp://hooks.example.com/s3cret", "ftp://hooks.example.com/… must use https://"},
		{"hooks.example.com/s3cret", "has no host"},
		{"https:///s3cret", "has no host"},
		{"https://hooks.example.com/%zz/s3cret", "does not parse"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			t.Parallel()
			err := ValidateURL(tt.url)
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("ValidateURL() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("ValidateURL() = %v, want an error containing %q", err, tt.wantErr)
			}
			if !errors.Is(err, ErrInvalidURL) {
				t.Errorf("errors.Is(%v, ErrInvalidURL) = false", err)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error %q shows the URL's path", err)
			}
		})
	}
}

func TestNewClientNamesTheEndpoint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		settings Settings
		want     string
	}{
		{"bad URL", Settings{Name: "crm", URL: "http://hooks.example.com/s3cret", Secret: vectorSecret}, `webhook: endpoint "crm": webhook: invalid endpoint URL: http://hooks.example.com/… must use https://`},
		{"bad secret", Settings{Name: "crm", URL: "https://hooks.example.com/s3cret", Secret: "whsec_s3cret"}, `webhook: endpoint "crm": webhook: invalid secret: want "whsec_"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewClient(tt.settings)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewClient() = %v, want an error containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error %q shows a secret", err)
			}
		})
	}
}
