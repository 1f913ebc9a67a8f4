package router

import (
	"fmt"
	"strings"

	"github.com/athanor-orm/athanor/core"
)

// PositionKind names the replication scheme a Position belongs to: the
// PositionScheme of the dialect whose servers made it (see
// core.Replication), or one of the router's own kinds, PositionNone and
// PositionPrimary.
type PositionKind string

const (
	// PositionNone is the zero Position: nothing to wait for.
	PositionNone PositionKind = ""
	// PositionLSN is a PostgreSQL WAL LSN (dialect/postgres's scheme).
	PositionLSN PositionKind = "pg"
	// PositionMariaDB is a MariaDB GTID position, a domain-server-seq
	// list (dialect/mysql's MariaDB scheme).
	PositionMariaDB PositionKind = "mariadb"
	// PositionMySQL is a MySQL GTID set (dialect/mysql's MySQL scheme).
	PositionMySQL PositionKind = "mysql"
	// PositionPrimary stands for a commit whose position could not be
	// read after it (see Tx.Commit): no replica is known to have it, so a
	// read needing it goes to the primary. A later position, of any
	// kind, merged over it replaces it (it was read after that commit).
	PositionPrimary PositionKind = "primary"
)

func (k PositionKind) String() string {
	if k == PositionNone {
		return "none"
	}
	return string(k)
}

// Position is a point in a primary's replication stream: the position of a
// commit on the primary, or how far a replica has replayed. Positions of
// one kind are ordered by Covers. The zero value is the empty position.
type Position struct {
	kind PositionKind
	rp   core.ReplicaPosition // the dialect's value; nil for PositionNone and PositionPrimary
}

// NewPosition makes a position of the dialect replication r from p, one
// of r's positions.
func NewPosition(r core.Replication, p core.ReplicaPosition) Position {
	if r == nil || p == nil {
		return Position{}
	}
	return Position{kind: PositionKind(r.PositionScheme()), rp: p}
}

// PrimaryPosition makes the position of a commit whose position is
// unknown: only the primary covers it.
func PrimaryPosition() Position { return Position{kind: PositionPrimary} }

// Kind reports the replication scheme.
func (p Position) Kind() PositionKind { return p.kind }

// IsZero reports whether p is the empty position.
func (p Position) IsZero() bool { return p.kind == PositionNone }

// Covers reports whether a replica at p has replayed everything up to q.
// The empty q is covered by anything; positions of different kinds never
// cover each other (they come from different servers), and nothing
// covers PrimaryPosition.
func (p Position) Covers(q Position) bool {
	switch {
	case q.kind == PositionNone:
		return true
	case p.kind != q.kind || q.rp == nil || p.rp == nil:
		return false
	}
	return p.rp.Covers(q.rp)
}

// Merge returns the newer of p and q (per domain for MariaDB, the union for
// MySQL). Positions of different kinds cannot be merged: q wins, since it is
// the later observation of a group whose primary changed kind.
func (p Position) Merge(q Position) Position {
	switch {
	case q.kind == PositionNone:
		return p
	case p.kind != q.kind || p.rp == nil || q.rp == nil:
		return q
	}
	return Position{kind: p.kind, rp: p.rp.Merge(q.rp)}
}

// String returns "pg:16/B374D848", "mariadb:0-1-42", "mysql:uuid:1-5"
// (the kind, then the dialect's text form) or "primary:"; ParsePosition
// reads it back.
func (p Position) String() string {
	switch {
	case p.kind == PositionNone:
		return ""
	case p.rp == nil:
		return string(p.kind) + ":"
	}
	return string(p.kind) + ":" + p.rp.String()
}

// ParsePosition parses the String form. The kind before the ':' names the
// dialect replication that parses the rest (core.LookupReplication): the
// dialect's package must be linked into the program, as it is wherever
// an engine of that dialect can be opened.
func ParsePosition(s string) (Position, error) {
	if s == "" {
		return Position{}, nil
	}
	kind, rest, ok := strings.Cut(s, ":")
	if !ok {
		return Position{}, fmt.Errorf("router: invalid position %q: want kind:value", s)
	}
	if PositionKind(kind) == PositionPrimary {
		if rest != "" {
			return Position{}, fmt.Errorf("router: invalid position %q: the primary position has no value", s)
		}
		return PrimaryPosition(), nil
	}
	r := core.LookupReplication(kind)
	if r == nil {
		return Position{}, fmt.Errorf("router: invalid position %q: unknown kind %q (no dialect registered it)", s, kind)
	}
	rp, err := r.ParsePosition(rest)
	if err != nil {
		return Position{}, fmt.Errorf("router: invalid position: %w", err)
	}
	return NewPosition(r, rp), nil
}
