package postgres

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/athanor-orm/athanor/core"
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

// Covers reports whether a standby that has replayed up to l has
// replayed q; it is false for a q that is not an LSN.
func (l LSN) Covers(q core.ReplicaPosition) bool {
	o, ok := q.(LSN)
	return ok && l >= o
}

// Merge returns the later of l and q (l for a q that is not an LSN).
func (l LSN) Merge(q core.ReplicaPosition) core.ReplicaPosition {
	if o, ok := q.(LSN); ok && o > l {
		return o
	}
	return l
}

var _ core.ReplicaPosition = LSN(0)

func init() { core.RegisterReplication(Dialect) }

var _ core.Replication = Dialect

// PositionScheme implements core.Replication: PostgreSQL positions are
// WAL LSNs, written "pg:16/B374D848".
func (dialect) PositionScheme() string { return "pg" }

// ParsePosition implements core.Replication: it parses an LSN.
func (dialect) ParsePosition(s string) (core.ReplicaPosition, error) {
	l, err := ParseLSN(s)
	if err != nil {
		return nil, err
	}
	return l, nil
}

// PrimaryPositionQuery implements core.Replication (CurrentLSNQuery).
func (dialect) PrimaryPositionQuery() string { return CurrentLSNQuery }

// ParsePrimaryPosition implements core.Replication: the primary's insert
// position, in the form a standby's replay position reaches (RecordEnd).
func (dialect) ParsePrimaryPosition(s string) (core.ReplicaPosition, error) {
	l, err := ParseLSN(s)
	if err != nil {
		return nil, err
	}
	return l.RecordEnd(), nil
}

// ReplicaPositionQuery implements core.Replication: the standby's replay
// LSN, empty on a server that is not in recovery.
func (dialect) ReplicaPositionQuery() string { return replicaLSNQuery }

const replicaLSNQuery = "SELECT coalesce(pg_last_wal_replay_lsn()::text, '')"

// errNotStandby: ReplicaPositionQuery found no replay position.
var errNotStandby = errors.New("postgres: not a standby (no replay position)")

// ParseReplicaPosition implements core.Replication.
func (dialect) ParseReplicaPosition(s string) (core.ReplicaPosition, error) {
	if s == "" {
		return nil, errNotStandby
	}
	l, err := ParseLSN(s)
	if err != nil {
		return nil, err
	}
	return l, nil
}

// WaitPositionQuery implements core.Replication: PostgreSQL has no
// server-side wait for replay, so it is empty.
func (dialect) WaitPositionQuery() string { return "" }

// ServedAddressQuery implements core.ServedAddress: the address and port
// the server's end of the connection is bound to (an empty
// address and port 0 over a Unix socket), and whether it is a standby.
func (dialect) ServedAddressQuery() string {
	return "SELECT coalesce(host(inet_server_addr()), ''), coalesce(inet_server_port(), 0), pg_is_in_recovery()"
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
