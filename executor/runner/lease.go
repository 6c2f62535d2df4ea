package runner

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// newOwner names this runner in the leases it takes: host, process id,
// the process's start time (so a reused pid is not mistaken for it) and a
// random suffix (so two runners in one process differ).
func newOwner() string {
	host, _ := os.Hostname()
	pid := os.Getpid()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s/%d/%s/%s", host, pid, procStart(pid), hex.EncodeToString(b[:]))
}

// ownerGone reports whether a lease's owner is a runner of a process on
// this host that is no longer running. Its lease can then be taken at once
// rather than after it lapses: a killed `pacer serve` restarted on the same
// machine resumes its accounts without waiting. On another host, or where
// /proc cannot tell, it reports false and the lease lapses by itself.
func ownerGone(owner string) bool {
	parts := strings.Split(owner, "/")
	if len(parts) != 4 {
		return false
	}
	host, err := os.Hostname()
	if err != nil || parts[0] != host {
		return false
	}
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

// free reports whether the account's lease may be taken at now.
func (l leaseRow) free(now time.Time) bool {
	return l.LeaseOwner == "" || l.LeaseUntil == nil || !l.LeaseUntil.After(now) || ownerGone(l.LeaseOwner)
}

// acquire takes an account's lease from the owner the runner saw (""
// when none), if nobody took it since. The compare on the owner makes the
// update a compare-and-swap on both stores: on Postgres the row lock of the
// UPDATE serializes two runners, on SQLite the write lock does.
func (r *Runner) acquire(ctx context.Context, l leaseRow, now time.Time) (time.Time, bool, error) {
	until := now.Add(r.opts.LeaseTTL)
	q := r.store.DB.WithContext(ctx).Table("accounts").Where("id = ? AND lease_owner = ?", l.ID, l.LeaseOwner)
	if l.LeaseOwner != "" && !ownerGone(l.LeaseOwner) {
		q = q.Where("lease_until IS NULL OR lease_until <= ?", now)
	}
	res := q.Updates(map[string]any{"lease_owner": r.owner, "lease_until": until})
	if res.Error != nil {
		return time.Time{}, false, fmt.Errorf("runner: take the lease of %s: %w", l.Name, res.Error)
	}
	return until, res.RowsAffected == 1, nil
}

// renew extends the runner's lease of an account, and of the account's
// action in flight. It reports false when the lease is no longer the
// runner's.
func (r *Runner) renew(ctx context.Context, accountID int64) (time.Time, bool, error) {
	until := r.now().Add(r.opts.LeaseTTL)
	var held bool
	err := r.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
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
		return time.Time{}, false, fmt.Errorf("runner: renew the lease of account %d: %w", accountID, err)
	}
	return until, held, nil
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
