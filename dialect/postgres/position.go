package postgres

import (
	"fmt"
	"strconv"
	"strings"
)

// LSN is a PostgreSQL write-ahead-log position, the replica-position
// primitive of this dialect: a commit's LSN on the primary is reached on a
// standby once pg_last_wal_replay_lsn() is at or past it.
type LSN uint64

// ParseLSN parses the text form "16/B374D848".
func ParseLSN(s string) (LSN, error) {
	hi, lo, ok := strings.Cut(s, "/")
	if !ok || hi == "" || lo == "" || len(hi) > 8 || len(lo) > 8 {
		return 0, fmt.Errorf("postgres: invalid LSN %q: want XXXXXXXX/XXXXXXXX", s)
	}
	h, err := strconv.ParseUint(hi, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("postgres: invalid LSN %q: %w", s, err)
	}
	l, err := strconv.ParseUint(lo, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("postgres: invalid LSN %q: %w", s, err)
	}
	return LSN(h<<32 | l), nil
}

// String returns the text form PostgreSQL uses.
func (l LSN) String() string {
	return fmt.Sprintf("%X/%X", uint64(l)>>32, uint64(l)&0xFFFFFFFF)
}

// Queries for the replica-position primitives. Each returns one text
// column holding an LSN (NULL where it does not apply).
const (
	// CurrentLSNQuery is the primary's WAL position after the caller's
	// last commit. pg_current_wal_insert_lsn would be later than needed;
	// pg_current_wal_lsn (the write position) covers every commit the
	// session has seen acknowledged.
	CurrentLSNQuery = "SELECT pg_current_wal_lsn()::text"
	// ReplayLSNQuery is a standby's replay position and whether it is in
	// recovery at all (a promoted standby has no replay position).
	ReplayLSNQuery = "SELECT pg_last_wal_replay_lsn()::text, pg_is_in_recovery(), " +
		"coalesce(extract(epoch from now() - pg_last_xact_replay_timestamp()), 0)::float8"
)
