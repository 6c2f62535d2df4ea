package runner

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestOwnerGoneOnlyForAProcessThisOneCanSee(t *testing.T) {
	t.Parallel()
	host, _ := os.Hostname()
	space := processSpace()
	if space == "" {
		t.Fatal("processSpace: this Linux machine should tell its boot and pid namespace")
	}
	const missing = 1<<22 + 4242 // beyond pid_max: no such process
	tests := []struct {
		name  string
		owner string
		want  bool
	}{
		{"a process of this space that is gone", fmt.Sprintf("%s/%s/%d/1/x", host, space, missing), true},
		{"this very process", fmt.Sprintf("%s/%s/%d/%s/x", host, space, os.Getpid(), procStart(os.Getpid())), false},
		// Another container with the same hostname: its pid 1 (or any pid)
		// says nothing about this one's processes.
		{"another pid namespace, same hostname", fmt.Sprintf("%s/%s/%d/1/x", host, "0000feedbeef", missing), false},
		{"another host", fmt.Sprintf("%s/%s/%d/1/x", host+"-other", space, missing), false},
		{"an owner from before process spaces", fmt.Sprintf("%s/%d/1/x", host, missing), false},
		{"garbage", "nobody", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ownerGone(tt.owner); got != tt.want {
				t.Errorf("ownerGone(%q) = %v, want %v", tt.owner, got, tt.want)
			}
		})
	}
}

func TestOwnersAreUniqueAndNameTheirProcessSpace(t *testing.T) {
	t.Parallel()
	a, b := newOwner(), newOwner()
	if a == b {
		t.Fatalf("two owners are both %q", a)
	}
	if parts := strings.Split(a, "/"); len(parts) != 5 || parts[1] != processSpace() {
		t.Errorf("owner %q does not name this process space %q", a, processSpace())
	}
}
