package session

// This file holds ORM bulk UPDATE and DELETE (QueryOf.UpdateAll and
// DeleteAll): one statement over every row the query matches, run in the
// session's transaction, with the objects the session holds brought up to
// date by evaluating the criteria in memory or by reading the affected
// keys back (bulk_sync.go). See "Bulk UPDATE and DELETE" in doc.go.

import (
	"context"
	"errors"
	"fmt"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/mapper"
)

// Set holds the assignments of a bulk UPDATE (QueryOf.UpdateAll): field
// (or column) names of T to values. A value is bound as a parameter (nil
// is NULL), unless it is a core.Expr, which the server evaluates for each
// row from the row's values before the update:
//
//	session.Set{"Title": "x", "Price": core.Add(q.C("Price"), 1)}
type Set map[string]any

// Sync says how UpdateAll and DeleteAll bring the objects the session
// holds of T up to date with what the statement did to their rows.
type Sync uint8

const (
	// SyncAuto is SyncEvaluate where the criteria and values can be
	// evaluated in memory for every object held, and SyncFetch otherwise
	// (SQLAlchemy's "auto").
	SyncAuto Sync = iota
	// SyncEvaluate evaluates the query's criteria in memory against each
	// object held (its values as last loaded or flushed): an update
	// assigns the new values to the matching objects, a delete detaches
	// them. Criteria or values it cannot evaluate (see core.Evaluate:
	// joins, subqueries, functions, text ordering, …) fail with an error
	// wrapping core.ErrNotEvaluable before the statement is sent; use
	// SyncFetch for those.
	SyncEvaluate
	// SyncFetch asks the server which rows the statement affected
	// (RETURNING, or a SELECT … FOR UPDATE of their keys first where the
	// dialect has no UPDATE … RETURNING) and brings the objects held for
	// them up to date with the values the server wrote.
	SyncFetch
	// SyncNone changes nothing in memory: objects held for affected rows
	// keep their old values (and a deleted row's object stays in the
	// session) until refreshed or the session ends.
	SyncNone
)

func (s Sync) String() string {
	switch s {
	case SyncAuto:
		return "auto"
	case SyncEvaluate:
		return "evaluate"
	case SyncFetch:
		return "fetch"
	case SyncNone:
		return "none"
	}
	return "invalid"
}

// ErrBulkUnsupported: a query was given to UpdateAll or DeleteAll with a
// clause a bulk statement cannot honour on every dialect (Limit, Offset,
// OrderBy, loader options, ForUpdate/ForShare, JoinOn, or a join on a
// model with a composite primary key), or with an assignment it refuses
// (a primary-key or version field, a relationship).
var ErrBulkUnsupported = errors.New("session: not supported by a bulk update or delete")

// UpdateAll updates every row the query matches with one UPDATE, and
// returns the number of rows matched (see "Bulk UPDATE and DELETE" in
// the package doc for MariaDB). set names fields or columns of T; the
// statement assigns them in T's field order. sync says how objects the
// session holds follow (see Sync).
//
//	n, err := session.Query[Book](s).Filter("AuthorID", 3).
//		UpdateAll(ctx, session.Set{"Title": "x"}, session.SyncEvaluate)
//
// It autoflushes first, then runs in the session's transaction (begun if
// none is open, as a flush that writes begins it: Commit commits the
// update, Rollback undoes it and restores the objects). A version column
// is incremented in every row updated, so that sessions holding an
// object of one of them fail their next flush of it with
// athanor.ErrStaleObject. Per-object ORM events do not run.
func (q *QueryOf[T]) UpdateAll(ctx context.Context, set Set, sync Sync) (int64, error) {
	if err := engine.CheckContext(ctx); err != nil {
		return 0, err
	}
	if err := q.ready(); err != nil {
		return 0, err
	}
	q, err := q.scoped(ctx) // the session's global filters restrict the rows too
	if err != nil {
		return 0, err
	}
	b, err := q.bulk("update", sync)
	if err != nil {
		return 0, err
	}
	if err := b.assignments(set); err != nil {
		return 0, err
	}
	return b.run(ctx)
}

// DeleteAll deletes every row the query matches with one DELETE, and
// returns the number of rows deleted. sync says how objects the session
// holds follow (see Sync): with SyncEvaluate and SyncFetch the objects of
// deleted rows leave the session, Detached as after a flush deletes
// them. It autoflushes first and runs in the session's transaction, as
// UpdateAll. Relationship cascades and per-object ORM events do not run:
// rows referencing the deleted ones are the database's foreign keys'
// business (ON DELETE).
func (q *QueryOf[T]) DeleteAll(ctx context.Context, sync Sync) (int64, error) {
	if err := engine.CheckContext(ctx); err != nil {
		return 0, err
	}
	if err := q.ready(); err != nil {
		return 0, err
	}
	q, err := q.scoped(ctx) // the session's global filters restrict the rows too
	if err != nil {
		return 0, err
	}
	b, err := q.bulk("delete", sync)
	if err != nil {
		return 0, err
	}
	return b.run(ctx)
}

// bulk is one UpdateAll or DeleteAll.
type bulk struct {
	s    *Session
	m    *mapper.Model
	op   string // "update" or "delete"
	sync Sync
	// where is the statement's WHERE (see bulkWhere); preds the query's
	// own predicates, which SyncEvaluate evaluates, and joined whether
	// joins restrict the rows too (then nothing is evaluable).
	where  []core.Expr
	preds  []core.Expr
	joined bool
	sets   []bulkSet // in field order; the version bump last
}

// bulkSet is one assignment.
type bulkSet struct {
	f   *mapper.Field
	i   int // index in m.Fields()
	val any // a bound value, or a core.Expr
	raw any // the value as given (val is as bound: JSON encoded, say)
	// expr: val is an expression the server evaluates per row.
	expr bool
}

// bulk checks the query for a bulk statement.
func (q *QueryOf[T]) bulk(op string, sync Sync) (*bulk, error) {
	m := q.m
	if sync > SyncNone {
		return nil, fmt.Errorf("session: %s %s: invalid Sync %d", op, m.Name, sync)
	}
	var clause string
	switch {
	case q.hasLimit:
		clause = "Limit"
	case q.hasOffset:
		clause = "Offset"
	case len(q.order) > 0:
		clause = "OrderBy"
	case len(q.loads) > 0:
		clause = "loader options"
	case q.lock.mode != lockNone:
		clause = "ForUpdate/ForShare"
	}
	if clause != "" {
		return nil, fmt.Errorf("session: %s %s: query with %s: %w", op, m.Name, clause, ErrBulkUnsupported)
	}
	if h := m.Inheritance(); h != nil && h.Joined() {
		return nil, fmt.Errorf("session: %s %s: joined-table subtype (rows in two tables): %w", op, m.Name, ErrBulkUnsupported)
	}
	where, preds, err := q.bulkWhere()
	if err != nil {
		return nil, fmt.Errorf("session: %s %s: %w", op, m.Name, err)
	}
	if c := m.Criterion(m.Table()); c != nil && len(q.joins) == 0 {
		// A hierarchy's model: its rows only (with joins, SelectFrom has it).
		where = append(where[:len(where):len(where)], c)
	}
	return &bulk{s: q.s, m: m, op: op, sync: sync, where: where, preds: preds, joined: len(q.joins) > 0}, nil
}

// bulkWhere is the WHERE of the query's bulk statement over T's table
// alone, and the predicates SyncEvaluate evaluates: the query's
// predicates, or with joins, T's key IN (SELECT key FROM T JOIN … WHERE
// …), the semijoin a query builds for to-many joins (see base): UPDATE
// and DELETE name joined tables differently on every dialect, and a key
// IN subquery reads the same everywhere. Every condition of a bulk
// statement is built here.
func (q *QueryOf[T]) bulkWhere() (where, preds []core.Expr, err error) {
	if len(q.joins) == 0 {
		return q.where, q.where, nil
	}
	pk := q.m.PrimaryKey()
	if len(pk) != 1 {
		return nil, nil, fmt.Errorf("join on a model with a composite primary key: %w", ErrBulkUnsupported)
	}
	inner := q.m.SelectFrom(pk[0].Col)
	for i := range q.joins {
		if q.joins[i].table == nil {
			return nil, nil, fmt.Errorf("JoinOn: %w", ErrBulkUnsupported)
		}
		inner = q.joins[i].apply(inner)
	}
	if len(q.where) > 0 {
		inner = inner.Where(q.where...)
	}
	return []core.Expr{core.In(pk[0].Col, inner)}, q.where, nil
}

// assignments checks set against the model and orders it by field.
func (b *bulk) assignments(set Set) error {
	m := b.m
	if len(set) == 0 {
		return fmt.Errorf("session: update %s: no assignments", m.Name)
	}
	byField := make(map[*mapper.Field]string, len(set))
	for name := range set {
		f, ok := m.Field(name)
		if !ok {
			if _, rel := m.Relation(name); rel {
				return fmt.Errorf("session: update %s: %q is a relationship, not a column: %w", m.Name, name, ErrBulkUnsupported)
			}
			return fmt.Errorf("session: update %s: no field or column %q: %w", m.Name, name, mapper.ErrUnknownColumn)
		}
		if other, dup := byField[f]; dup {
			return fmt.Errorf("session: update %s: field %s assigned twice (as %q and %q)", m.Name, f.Name, other, name)
		}
		byField[f] = name
		switch {
		case f.PrimaryKey:
			return fmt.Errorf("session: update %s: primary-key field %s: %w", m.Name, f.Name, ErrBulkUnsupported)
		case f.Version:
			return fmt.Errorf("session: update %s: version field %s is incremented by the update itself: %w", m.Name, f.Name, ErrBulkUnsupported)
		}
	}
	_, sp := m.New()
	for i, f := range m.Fields() {
		name, ok := byField[f]
		if !ok {
			continue
		}
		v := set[name]
		if e, isExpr := v.(core.Expr); isExpr {
			b.sets = append(b.sets, bulkSet{f: f, i: i, val: e, expr: true})
			continue
		}
		// A Go value: stored as the field stores it (so a value the field
		// cannot hold fails here, before anything is sent), and bound as
		// a flush binds the field (JSON encoded, for one).
		if v == nil && !f.Nullable {
			return fmt.Errorf("session: update %s: nil for field %s, which is not nullable", m.Name, f.Name)
		}
		if err := storable(f, v); err != nil {
			return fmt.Errorf("session: update %s: %w", m.Name, err)
		}
		if err := f.Set(sp, v); err != nil {
			return fmt.Errorf("session: update %s: %w", m.Name, err)
		}
		bv, err := f.Bind(sp)
		if err != nil {
			return fmt.Errorf("session: update %s: field %s: %w", m.Name, f.Name, err)
		}
		if v == nil {
			bv = nil
		}
		b.sets = append(b.sets, bulkSet{f: f, i: i, val: bv, raw: v})
	}
	if err := b.checkOrder(); err != nil {
		return err
	}
	if v := m.Version(); v != nil {
		for i, f := range m.Fields() {
			if f == v {
				b.sets = append(b.sets, bulkSet{f: v, i: i, val: core.Add(v.Col, 1), expr: true})
			}
		}
	}
	return nil
}

// checkOrder refuses an expression reading a column an earlier
// assignment of the statement sets: MariaDB evaluates assignments left
// to right (the expression would see the new value), PostgreSQL and
// SQLite from the row as it was.
func (b *bulk) checkOrder() error {
	t := b.m.Table()
	for j, a := range b.sets {
		if !a.expr {
			continue
		}
		read, complete := core.Columns(a.val.(core.Expr))
		for _, earlier := range b.sets[:j] {
			if !complete {
				return fmt.Errorf("session: update %s: the expression for %s follows the assignment of %s and may read it (raw SQL or a subquery), which MariaDB and the other servers read differently; assign it in its own UpdateAll: %w",
					b.m.Name, a.f.Name, earlier.f.Name, ErrBulkUnsupported)
			}
			for _, c := range read {
				if c.Name == earlier.f.Column && (c.Table() == t || c.Table() != nil && c.Table().Alias() == "" && c.Table().FullName() == t.FullName()) {
					return fmt.Errorf("session: update %s: the expression for %s reads %s, which the same statement assigns first: MariaDB would read the new value, PostgreSQL and SQLite the old one; use two UpdateAll calls: %w",
						b.m.Name, a.f.Name, earlier.f.Name, ErrBulkUnsupported)
				}
			}
		}
	}
	return nil
}

// statement is the bulk UPDATE or DELETE with the given WHERE.
func (b *bulk) statement(where []core.Expr) core.Statement {
	t := b.m.Table()
	if b.op == "delete" {
		return core.Delete(t).Where(where...)
	}
	u := core.Update(t)
	for _, a := range b.sets {
		u = u.Set(a.f.Col, a.val)
	}
	return u.Where(where...)
}

// run runs the statement: checks, autoflush, in-memory evaluation, then
// the statement in the session's transaction and the sync.
func (b *bulk) run(ctx context.Context) (int64, error) {
	s := b.s
	if s.closed.Load() {
		return 0, ErrClosed
	}
	if d := s.dialectOfTable(b.m.Table()); d != nil {
		if _, err := core.Compile(d, b.statement(b.where)); err != nil {
			return 0, b.errorf("%w", err)
		}
	}
	if b.sync == SyncEvaluate || b.sync == SyncAuto {
		// Structure first, whatever the session holds: the error does
		// not depend on which objects are loaded.
		if err := b.evaluable(); err != nil {
			if b.sync == SyncEvaluate {
				return 0, b.errorf("synchronize by evaluation (use SyncFetch): %w", err)
			}
			b.sync = SyncFetch
		}
	}
	if err := s.autoflush(ctx); err != nil {
		return 0, err
	}
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	var affected []synced
	if b.sync == SyncEvaluate || b.sync == SyncAuto {
		var err error
		affected, err = b.evaluate()
		if err != nil {
			if b.sync == SyncEvaluate || !errors.Is(err, core.ErrNotEvaluable) {
				return 0, b.errorf("synchronize by evaluation (use SyncFetch): %w", err)
			}
			b.sync = SyncFetch
		}
	}
	var n int64
	err := s.bulkTx(ctx, func(ctx context.Context, tx Tx) error {
		var err error
		switch b.sync {
		case SyncFetch:
			n, affected, err = b.fetch(ctx, tx)
		default:
			var res engine.Result
			res, err = txExec(s, ctx, tx, b.statement(b.where))
			n = res.RowsAffected
		}
		return err
	}, func(log *journal) {
		if b.sync != SyncNone {
			b.apply(log, affected)
		}
	})
	if err != nil {
		return 0, b.errorf("%w", err)
	}
	return n, nil
}

func (b *bulk) errorf(format string, a ...any) error {
	return fmt.Errorf("session: "+b.op+" "+b.m.Name+": "+format, a...)
}

// txExec runs stmt in tx, whose connection serves one statement at a
// time.
func txExec(s *Session, ctx context.Context, tx Tx, stmt core.Statement) (engine.Result, error) {
	s.txMu.Lock()
	defer s.txMu.Unlock()
	return tx.Exec(ctx, stmt)
}

func txQuery(s *Session, ctx context.Context, tx Tx, stmt core.Statement, fn func(*engine.Rows) error) error {
	s.txMu.Lock()
	defer s.txMu.Unlock()
	return tx.QueryFunc(ctx, stmt, fn)
}

// bulkTx runs fn in the session's transaction as a flush runs its
// statements: in a new transaction (which stays open for Commit), or in a
// savepoint of the open one, so that a failed statement leaves the
// transaction usable and the session as it was. After fn succeeds, apply
// brings the session's objects up to date, journaling what it changes
// so that a rollback of the transaction restores them. Reads wait
// meanwhile. The caller holds flushMu.
func (s *Session) bulkTx(ctx context.Context, fn func(context.Context, Tx) error, apply func(*journal)) error {
	ctx = s.lockFlush(ctx)
	defer s.unlockFlush()
	began := false
	var tx Tx
	if s.tx == nil {
		t, err := s.b.Begin(ctx, s.opts.Tx)
		if err != nil {
			return fmt.Errorf("begin: %w", err)
		}
		s.tx, s.txLog, began = t, &journal{}, true
		tx = t
	} else {
		s.txMu.Lock()
		sp, err := s.tx.Savepoint(ctx)
		s.txMu.Unlock()
		if err != nil {
			return fmt.Errorf("savepoint: %w", err)
		}
		tx = sp
	}
	s.setFlushTx(tx)
	if err := fn(ctx, tx); err != nil {
		s.txMu.Lock()
		rerr := tx.Rollback(ctx)
		s.txMu.Unlock()
		if began || rerr != nil {
			_ = s.rootTx().Rollback(ctx)
			s.endTx(false)
		}
		return err
	}
	if !began {
		s.txMu.Lock()
		_, err := tx.Commit(ctx) // RELEASE SAVEPOINT
		s.txMu.Unlock()
		if err != nil {
			_ = s.rootTx().Rollback(ctx)
			s.endTx(false)
			return fmt.Errorf("release savepoint: %w", err)
		}
	}
	var log journal
	apply(&log)
	s.txLog.merge(s, &log)
	return nil
}
