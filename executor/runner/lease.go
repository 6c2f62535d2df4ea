package runner

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// newOwner names this runner in the leases it takes: host, the process's
// view of processes (see processSpace), process id, the process's start
// time (so a reused pid is not mistaken for it) and a random suffix (so
// two runners in one process, or two processes anywhere, differ).
func newOwner() string {
	host, _ := os.Hostname()
	pid := os.Getpid()
	var b [8]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s/%s/%d/%s/%s", host, processSpace(), pid, procStart(pid), hex.EncodeToString(b[:]))
}

// processSpace names the set of processes this one can see: the boot and
// the pid namespace, as Linux gives them. Two containers may share a
// hostname and both run as pid 1; their process spaces differ, so neither
// takes the other's lease for that of a process gone. "" when unknown.
func processSpace() string {
	boot, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	ns, err := os.Readlink("/proc/self/ns/pid")
	if err != nil {
		return ""
	}
	h := sha256.Sum256([]byte(strings.TrimSpace(string(boot)) + "\x00" + ns))
	return hex.EncodeToString(h[:6])
}

// ownerGone reports whether a lease's owner is a runner of a process this
// process can see (same host, same boot, same pid namespace) that is no
// longer running. Its lease can then be taken at once rather than after it
// lapses: a killed `pacer serve` restarted on the same machine resumes its
// accounts without waiting. Anywhere else, or where /proc cannot tell, it
// reports false and the lease lapses by itself.
func ownerGone(owner string) bool {
	parts := strings.Split(owner, "/")
	if len(parts) != 5 {
		return false
	}
	host, err := os.Hostname()
	if err != nil || parts[0] != host {
		return false
	}
	if space := processSpace(); space == "" || parts[1] != space {
		return false
	}
	parts = parts[1:] // space, pid, start, suffix
	pid, err := strconv.Atoi(parts[1])
	if err != nil || pid <= 0 || pid == os.Getpid() {
		return false
	}
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		return false // no /proc: cannot tell
	}
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return true // no such process
	}
	fields := statFields(stat)
	if len(fields) < 20 {
		return false
	}
	if fields[0] == "Z" || fields[0] == "X" {
		return true // ended, not yet reaped
	}
	return fields[19] != parts[2] // another process reuses the pid
}

// procStart returns the start time of a process, in clock ticks since boot,
// as /proc/<pid>/stat gives it, or "" when it cannot be read.
func procStart(pid int) string {
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return ""
	}
	fields := statFields(stat)
	if len(fields) < 20 {
		return ""
	}
	return fields[19]
}

// statFields returns the fields of /proc/<pid>/stat after the command name,
// which may itself hold spaces and parentheses: the state first, the start
// time at index 19.
func statFields(stat []byte) []string {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(string(stat[i+1:]))
}

// leaseRow is what the runner reads of an account to decide whether it may
// take its lease.
type leaseRow struct {
	ID              int64
	Name            string
	Plan            string
	State           string
	RestrictedUntil *time.Time
	LeaseOwner      string
	LeaseUntil      *time.Time
}

// free reports whether the account's lease may be taken at dbNow, the
// database's time.
func (l leaseRow) free(dbNow time.Time) bool {
	return l.LeaseOwner == "" || l.LeaseUntil == nil || !l.LeaseUntil.After(dbNow) || ownerGone(l.LeaseOwner)
}

// leaseEnd is when a lease ends: on the database's clock, which every
// runner compares against (lease_until), and on this process's clock, which
// bounds its own actions. Each is its clock's reading when the lease was
// taken or renewed (this process's read first) plus the lease's length, so
// the process stops acting no later than the others see the lease lapse.
type leaseEnd struct {
	db, local time.Time
}

// newLeaseEnd reads both clocks for a lease taken or renewed now.
func (r *Runner) newLeaseEnd(ctx context.Context) (leaseEnd, time.Time, error) {
	local := time.Now()
	dbNow, err := r.store.Now(ctx)
	if err != nil {
		return leaseEnd{}, dbNow, err
	}
	return leaseEnd{db: dbNow.Add(r.opts.LeaseTTL), local: local.Add(r.opts.LeaseTTL)}, dbNow, nil
}

// acquire takes an account's lease from the owner the runner saw (""
// when none), if nobody took it since. The compare on the owner makes the
// update a compare-and-swap on both stores: on Postgres the row lock of the
// UPDATE serializes two runners, on SQLite the write lock does.
func (r *Runner) acquire(ctx context.Context, l leaseRow) (leaseEnd, bool, error) {
	end, dbNow, err := r.newLeaseEnd(ctx)
	if err != nil {
		return end, false, err
	}
	q := r.store.DB.WithContext(ctx).Table("accounts").Where("id = ? AND lease_owner = ?", l.ID, l.LeaseOwner)
	if l.LeaseOwner != "" && !ownerGone(l.LeaseOwner) {
		q = q.Where("lease_until IS NULL OR lease_until <= ?", dbNow)
	}
	res := q.Updates(map[string]any{"lease_owner": r.owner, "lease_until": end.db})
	if res.Error != nil {
		return end, false, fmt.Errorf("runner: take the lease of %s: %w", l.Name, res.Error)
	}
	return end, res.RowsAffected == 1, nil
}

// renew extends the runner's lease of an account, and of the account's
// action in flight. It reports false when the lease is no longer the
// runner's.
func (r *Runner) renew(ctx context.Context, accountID int64) (leaseEnd, bool, error) {
	end, _, err := r.newLeaseEnd(ctx)
	if err != nil {
		return end, false, err
	}
	until := end.db
	var held bool
	err = r.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Table("accounts").Where("id = ? AND lease_owner = ?", accountID, r.owner).Update("lease_until", until)
		if res.Error != nil {
			return res.Error
		}
		held = res.RowsAffected == 1
		if !held {
			return nil
		}
		return tx.Table("actions").Where("account_id = ? AND state = ? AND lease_owner = ?", accountID, stateInFlight, r.owner).
			Update("lease_until", until).Error
	})
	if err != nil {
		return end, false, fmt.Errorf("runner: renew the lease of account %d: %w", accountID, err)
	}
	return end, held, nil
}

// release gives an account's lease back.
func (r *Runner) release(ctx context.Context, accountID int64) error {
	err := r.store.DB.WithContext(ctx).Table("accounts").Where("id = ? AND lease_owner = ?", accountID, r.owner).
		Updates(map[string]any{"lease_owner": "", "lease_until": nil}).Error
	if err != nil {
		return fmt.Errorf("runner: release the lease of account %d: %w", accountID, err)
	}
	return nil
}
