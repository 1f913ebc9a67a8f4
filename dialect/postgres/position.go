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
	// CurrentLSNQuery is the primary's WAL insert position: it is at or
	// past the end of every commit record already inserted, including
	// commits made with synchronous_commit = off whose WAL is not yet
	// written (pg_current_wal_lsn, the write position, could precede them).
	CurrentLSNQuery = "SELECT pg_current_wal_insert_lsn()::text"
	// ReplayLSNQuery is a standby's replay position and whether it is in
	// recovery at all (a promoted standby has no replay position).
	ReplayLSNQuery = "SELECT pg_last_wal_replay_lsn()::text, pg_is_in_recovery(), " +
		"coalesce(extract(epoch from now() - pg_last_xact_replay_timestamp()), 0)::float8"
)

// WAL page geometry of a default build (XLOG_BLCKSZ 8 kB, 16 MB segments).
const (
	walPageSize     = 8192
	walSegmentSize  = 16 << 20
	walShortPageHdr = 24 // SizeOfXLogShortPHD, MAXALIGNed
	walLongPageHdr  = 40 // SizeOfXLogLongPHD, MAXALIGNed: first page of a segment
)

// RecordEnd converts an insert position (pg_current_wal_insert_lsn: where
// the next record will start) into the end-of-record form a standby
// reports as its replay position (pg_last_wal_replay_lsn). They differ
// when the last record ended exactly at a page boundary: the insert
// position then skips the next page's header, which no replay position
// ever reaches until more WAL is written.
func (l LSN) RecordEnd() LSN {
	switch {
	case uint64(l)%walSegmentSize == walLongPageHdr:
		return l - walLongPageHdr
	case uint64(l)%walPageSize == walShortPageHdr && uint64(l)%walSegmentSize != walShortPageHdr:
		return l - walShortPageHdr
	}
	return l
}
