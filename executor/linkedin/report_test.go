package linkedin

import (
	"testing"

	"github.com/pacerhq/pacer/executor"
)

func TestReportState(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		r    report
		want executor.State
	}{
		{"no top card", report{}, executor.StateUnknown},
		{"404", report{Unavailable: true}, executor.StateUnavailable},
		{"pending wins over a 1st sign", report{Topcard: true, Pending: true, Degree: 1}, executor.StatePending},
		{"direct connect", report{Topcard: true, ConnectDirect: true, Degree: 2}, executor.StateConnect},
		{"connect under More", report{Topcard: true, ConnectMenu: true, MenuOpen: true, Menu: true, MenuItems: 5, Degree: 2}, executor.StateConnectViaMore},
		{"1st degree", report{Topcard: true, Degree: 1}, executor.StateConnected},
		{"remove connection in the menu", report{Topcard: true, Remove: true, Menu: true, MenuItems: 5}, executor.StateConnected},
		{"menu read, no connect", report{Topcard: true, Degree: 3, Menu: true, MenuItems: 4, Follow: true}, executor.StateFollowOnly},
		{"menu closed, nothing seen", report{Topcard: true, Degree: 3, More: true}, executor.StateUnknown},
		{"menu open but empty", report{Topcard: true, Degree: 2, MenuOpen: true, Menu: true}, executor.StateUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.r.state(); got != tt.want {
				t.Errorf("state() = %q, want %q", got, tt.want)
			}
		})
	}
}
