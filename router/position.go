package router

import (
	"fmt"
	"strings"

	"github.com/athanor-orm/athanor/dialect/mysql"
	"github.com/athanor-orm/athanor/dialect/postgres"
)

// PositionKind names the replication scheme a Position belongs to.
type PositionKind uint8

const (
	// PositionNone is the zero Position: nothing to wait for.
	PositionNone PositionKind = iota
	// PositionLSN is a PostgreSQL WAL LSN.
	PositionLSN
	// PositionMariaDB is a MariaDB GTID position (domain-server-seq list).
	PositionMariaDB
	// PositionMySQL is a MySQL GTID set.
	PositionMySQL
	// PositionPrimary stands for a commit whose position could not be
	// read after it (see Tx.Commit): no replica is known to have it, so a
	// read needing it goes to the primary. A later position, of any
	// kind, merged over it replaces it (it was read after that commit).
	PositionPrimary
)

var kindNames = [...]string{"none", "pg", "mariadb", "mysql", "primary"}

func (k PositionKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("PositionKind(%d)", k)
}

// Position is a point in a primary's replication stream: the position of a
// commit on the primary, or how far a replica has replayed. Positions of
// one kind are ordered by Covers. The zero value is the empty position.
type Position struct {
	kind PositionKind
	lsn  postgres.LSN
	pos  mysql.GTIDPos // MariaDB; never mutated once built
	set  mysql.GTIDSet // MySQL; never mutated once built
}

// LSNPosition makes a PostgreSQL position.
func LSNPosition(l postgres.LSN) Position { return Position{kind: PositionLSN, lsn: l} }

// MariaDBPosition makes a MariaDB GTID position.
func MariaDBPosition(p mysql.GTIDPos) Position { return Position{kind: PositionMariaDB, pos: p} }

// MySQLPosition makes a MySQL GTID-set position.
func MySQLPosition(s mysql.GTIDSet) Position { return Position{kind: PositionMySQL, set: s} }

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
	if q.kind == PositionNone {
		return true
	}
	if p.kind != q.kind || q.kind == PositionPrimary {
		return false
	}
	switch p.kind {
	case PositionLSN:
		return p.lsn >= q.lsn
	case PositionMariaDB:
		return p.pos.Covers(q.pos)
	case PositionMySQL:
		return p.set.Covers(q.set)
	}
	return false
}

// Merge returns the newer of p and q (per domain for MariaDB, the union for
// MySQL). Positions of different kinds cannot be merged: q wins, since it is
// the later observation of a group whose primary changed kind.
func (p Position) Merge(q Position) Position {
	switch {
	case q.kind == PositionNone:
		return p
	case p.kind != q.kind:
		return q
	}
	switch p.kind {
	case PositionLSN:
		return LSNPosition(max(p.lsn, q.lsn))
	case PositionMariaDB:
		return MariaDBPosition(p.pos.Merge(q.pos))
	case PositionMySQL:
		return MySQLPosition(p.set.Union(q.set))
	}
	return q
}

// String returns "pg:16/B374D848", "mariadb:0-1-42", "mysql:uuid:1-5"
// or "primary:"; ParsePosition reads it back.
func (p Position) String() string {
	switch p.kind {
	case PositionLSN:
		return "pg:" + p.lsn.String()
	case PositionMariaDB:
		return "mariadb:" + p.pos.String()
	case PositionMySQL:
		return "mysql:" + p.set.String()
	case PositionPrimary:
		return "primary:"
	}
	return ""
}

// ParsePosition parses the String form.
func ParsePosition(s string) (Position, error) {
	if s == "" {
		return Position{}, nil
	}
	kind, rest, ok := strings.Cut(s, ":")
	if !ok {
		return Position{}, fmt.Errorf("router: invalid position %q: want kind:value", s)
	}
	switch kind {
	case "pg":
		l, err := postgres.ParseLSN(rest)
		if err != nil {
			return Position{}, fmt.Errorf("router: invalid position: %w", err)
		}
		return LSNPosition(l), nil
	case "mariadb":
		g, err := mysql.ParseGTIDPos(rest)
		if err != nil {
			return Position{}, fmt.Errorf("router: invalid position: %w", err)
		}
		return MariaDBPosition(g), nil
	case "mysql":
		g, err := mysql.ParseGTIDSet(rest)
		if err != nil {
			return Position{}, fmt.Errorf("router: invalid position: %w", err)
		}
		return MySQLPosition(g), nil
	case "primary":
		if rest != "" {
			return Position{}, fmt.Errorf("router: invalid position %q: the primary position has no value", s)
		}
		return PrimaryPosition(), nil
	}
	return Position{}, fmt.Errorf("router: invalid position %q: unknown kind %q", s, kind)
}
