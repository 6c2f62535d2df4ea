package campaign

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
)

// TestImportConnections reads LinkedIn's Connections.csv export as it
// comes (notes before the header, a row without a URL, a duplicate), and
// a prospect connected to one account is then proposed to no sender.
func TestImportConnections(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		b := setup(t, s, teamConfig())
		f, err := os.Open("testdata/Connections.csv")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sum, err := ImportConnections(ctx, s, "eve", f, b.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if sum.Rows != 4 || sum.Added != 2 || sum.AlreadyKnown != 1 || sum.Invalid != 1 || sum.InvalidRows[0].Line != 7 {
			t.Errorf("summary %+v, want 4 rows: 2 added, 1 duplicate, line 7 invalid", sum)
		}
		again, err := ImportConnections(ctx, s, "eve", strings.NewReader("URL\nhttps://www.linkedin.com/in/p2\n"), b.clock.Now())
		if err != nil || again.Added != 0 || again.AlreadyKnown != 1 {
			t.Errorf("the same connection again: %+v, %v; want it already known", again, err)
		}

		b.importCSV(t, "team", prospectsCSV(1, 5, ""))
		bt, err := b.p.Propose(ctx, "team", 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(slugs(bt), ","); got != "p1,p4,p5" {
			t.Errorf("proposed %s, want p1,p4,p5: p2 and p3 are eve's connections", got)
		}

		if _, err := ImportConnections(ctx, s, "eve", strings.NewReader("name,company\nAda,AE\n"), b.clock.Now()); !errors.Is(err, ErrNoURLColumn) {
			t.Errorf("a file without URLs: %v, want ErrNoURLColumn", err)
		}
		if _, err := ImportConnections(ctx, s, "zed", strings.NewReader("URL\n"), b.clock.Now()); err == nil || !strings.Contains(err.Error(), `no account is named "zed"`) {
			t.Errorf("an unknown account: %v", err)
		}
	})
}
