package core

import (
	"fmt"
	"strings"
	"sync"
)

// Replication is implemented by a dialect whose servers replicate from a
// primary by positions in its log (a PostgreSQL WAL LSN, a MariaDB GTID
// position, a MySQL GTID set). The router asks a node's dialect for it; a
// dialect without it (SQLite) has no replication positions, so the
// router has nothing to wait for.
//
// Dialect packages register theirs with RegisterReplication, so that a
// position's text form (in a causal token read back from a cookie) can be
// parsed before any node is at hand.
type Replication interface {
	// PositionScheme names the positions in their text form
	// "scheme:value" ("pg", "mariadb", "mysql"). It is lower-case, holds
	// no ':', and no two registered Replications share it.
	PositionScheme() string
	// ParsePosition parses a position's String form.
	ParsePosition(s string) (ReplicaPosition, error)
	// PrimaryPositionQuery is a read-only query returning one text column,
	// read by ParsePrimaryPosition: the primary's current position, which
	// covers every commit acknowledged before the query ran.
	PrimaryPositionQuery() string
	ParsePrimaryPosition(s string) (ReplicaPosition, error)
	// ReplicaPositionQuery is a read-only query returning one text column,
	// read by ParseReplicaPosition: how far a replica has replayed. The
	// parse fails on a server that is not a replica.
	ReplicaPositionQuery() string
	ParseReplicaPosition(s string) (ReplicaPosition, error)
	// WaitPositionQuery is a read-only query, with two arguments (a
	// position's String form, then a timeout in seconds), that waits in
	// the server until the replica has reached the position or the
	// timeout has passed, and returns 0 in the first case. Empty when the
	// server cannot wait: the router then polls ReplicaPositionQuery.
	WaitPositionQuery() string
}

// ServedAddress is implemented by a Replication whose server can tell
// which address a connection reached: with several hosts in one DSN (a
// PostgreSQL multi-host DSN with target_session_attrs=read-write) the
// router names the primary by it, not by the first host listed.
type ServedAddress interface {
	// ServedAddressQuery is a read-only query returning one row: the
	// server's address (text, '' when it has none, as over a Unix
	// socket), its port (an integer, 0 when none), and whether the server
	// is a standby (a boolean).
	ServedAddressQuery() string
}

// ReplicaPosition is a point in a primary's replication stream, made by a
// Replication: the position of a commit, or how far a replica has
// replayed. Values are immutable. Covers and Merge are only asked of two
// positions of the same Replication.
type ReplicaPosition interface {
	// Covers reports whether a replica at this position has replayed
	// everything up to q.
	Covers(q ReplicaPosition) bool
	// Merge returns the newer of the position and q (per stream where the
	// position has several).
	Merge(q ReplicaPosition) ReplicaPosition
	// String is the position's text form, which ParsePosition reads back.
	String() string
}

var (
	replicationsMu sync.RWMutex
	replications   = map[string]Replication{} // by PositionScheme; guarded by replicationsMu
)

// RegisterReplication makes r's positions parseable by their scheme (see
// LookupReplication). Dialect packages call it from init. It panics on a
// scheme that is empty, not lower-case or holds ':', and on a scheme
// another value has registered (two packages claiming it is a build
// mistake); registering the same value twice is harmless. r must be
// comparable, as a Dialect is.
func RegisterReplication(r Replication) {
	s := r.PositionScheme()
	if s == "" || s != strings.ToLower(s) || strings.ContainsAny(s, ":=\n") {
		panic(fmt.Sprintf("core: RegisterReplication: invalid position scheme %q", s))
	}
	replicationsMu.Lock()
	defer replicationsMu.Unlock()
	if old, dup := replications[s]; dup && old != r {
		panic(fmt.Sprintf("core: RegisterReplication called twice for position scheme %q", s))
	}
	replications[s] = r
}

// LookupReplication returns the Replication registered for scheme, or nil.
func LookupReplication(scheme string) Replication {
	replicationsMu.RLock()
	defer replicationsMu.RUnlock()
	return replications[scheme]
}
