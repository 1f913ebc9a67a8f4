package router

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/dialect/mysql"
	"github.com/athanor-orm/athanor/dialect/postgres"
	"github.com/athanor-orm/athanor/engine"
)

// node is one engine in a group, with what the router knows of it.
type node struct {
	db   *engine.DB
	name string
	role Role

	inFlight atomic.Int64
	lag      atomic.Int64 // nanoseconds, as last measured
	down     atomic.Bool  // failed its last probe or a read

	mu      sync.Mutex
	pos     Position // last known replay position; guarded by mu
	lastErr error    // why it is down; guarded by mu
	since   time.Time
}

func (n *node) Name() string       { return n.name }
func (n *node) Lag() time.Duration { return time.Duration(n.lag.Load()) }
func (n *node) InFlight() int64    { return n.inFlight.Load() }

func (n *node) inService(maxLag time.Duration) bool {
	if n.down.Load() {
		return false
	}
	return maxLag < 0 || n.Lag() <= maxLag
}

func (n *node) position() Position {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.pos
}

// advance records a replay position observed on the node; positions only
// move forward.
func (n *node) advance(p Position) {
	n.mu.Lock()
	n.pos = n.pos.Merge(p)
	n.mu.Unlock()
}

func (n *node) markDown(err error) {
	n.mu.Lock()
	if !n.down.Load() {
		n.since = time.Now()
	}
	n.lastErr = err
	n.mu.Unlock()
	n.down.Store(true)
}

func (n *node) markUp() {
	n.mu.Lock()
	if n.down.Load() {
		n.since = time.Now()
	}
	n.lastErr = nil
	n.mu.Unlock()
	n.down.Store(false)
}

// ReplicaStatus is a snapshot of what the router knows of a replica.
type ReplicaStatus struct {
	Name     string
	Up       bool          // passed its last probe
	Lag      time.Duration // as last measured
	Position Position      // replay position as last seen
	InFlight int64
	Err      error     // why it is down
	Since    time.Time // when Up last changed
}

func (n *node) status() ReplicaStatus {
	n.mu.Lock()
	defer n.mu.Unlock()
	return ReplicaStatus{Name: n.name, Up: !n.down.Load(), Lag: n.Lag(), Position: n.pos,
		InFlight: n.inFlight.Load(), Err: n.lastErr, Since: n.since}
}

func nodeName(db *engine.DB) string {
	if a, ok := any(db).(interface{ Addr() string }); ok {
		return a.Addr()
	}
	s := db.String()
	// engine.DB(postgres://user@host:port/db) → host:port
	if _, rest, ok := strings.Cut(s, "://"); ok {
		if _, hp, ok := strings.Cut(rest, "@"); ok {
			rest = hp
		}
		if i := strings.IndexAny(rest, "/?)"); i >= 0 {
			rest = rest[:i]
		}
		return rest
	}
	return s
}

func positionKind(db *engine.DB) (PositionKind, error) {
	switch db.Driver() {
	case engine.Postgres:
		return PositionLSN, nil
	case engine.MySQL:
		if db.Dialect() == mysql.MariaDB {
			return PositionMariaDB, nil
		}
		return PositionMySQL, nil
	}
	return PositionNone, nil
}

// Statements for the replica-position primitives. They are read-only Raw
// statements: plain text the dialects own, not user input.
var (
	pgPrimaryPos  = core.Raw(postgres.CurrentLSNQuery).ReadOnly()
	pgReplicaPos  = core.Raw("SELECT coalesce(pg_last_wal_replay_lsn()::text, '')").ReadOnly()
	myPrimaryPos  = core.Raw("SELECT @@gtid_binlog_pos").ReadOnly()
	myReplicaPos  = core.Raw("SELECT @@gtid_slave_pos").ReadOnly()
	mysqlExecuted = core.Raw("SELECT @@GLOBAL.gtid_executed").ReadOnly()
)

func (g *Group) parse(s string) (Position, error) {
	switch g.kind {
	case PositionLSN:
		if s == "" {
			return Position{}, errors.New("not a standby (no replay position)")
		}
		l, err := postgres.ParseLSN(s)
		return LSNPosition(l), err
	case PositionMariaDB:
		p, err := mysql.ParseGTIDPos(s)
		return MariaDBPosition(p), err
	case PositionMySQL:
		p, err := mysql.ParseGTIDSet(s)
		return MySQLPosition(p), err
	}
	return Position{}, fmt.Errorf("bind group %q has no replication positions", g.name)
}

// primaryPosition asks the primary for its current position: it covers
// every commit acknowledged before the call.
func (g *Group) primaryPosition(ctx context.Context) (Position, error) {
	var stmt core.Statement
	switch g.kind {
	case PositionLSN:
		stmt = pgPrimaryPos
	case PositionMariaDB:
		stmt = myPrimaryPos
	case PositionMySQL:
		stmt = mysqlExecuted
	default:
		return Position{}, nil
	}
	var s string
	if err := g.primary.db.QueryRow(ctx, stmt).Scan(&s); err != nil {
		return Position{}, fmt.Errorf("router: position of primary %s: %w", g.primary.name, err)
	}
	p, err := g.parse(s)
	if err == nil && p.kind == PositionLSN {
		p.lsn = p.lsn.RecordEnd()
	}
	return p, err
}

// replicaPosition asks a replica how far it has replayed.
func (g *Group) replicaPosition(ctx context.Context, n *node) (Position, error) {
	var stmt core.Statement
	switch g.kind {
	case PositionLSN:
		stmt = pgReplicaPos
	case PositionMariaDB:
		stmt = myReplicaPos
	case PositionMySQL:
		stmt = mysqlExecuted
	default:
		return Position{}, nil
	}
	var s string
	if err := n.db.QueryRow(ctx, stmt).Scan(&s); err != nil {
		return Position{}, err
	}
	p, err := g.parse(s)
	if err != nil {
		return Position{}, err
	}
	n.advance(p)
	return p, nil
}
