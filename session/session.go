package session

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/objaccess"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/router"
)

// State is the life-cycle state of an object in a session.
type State uint32

const (
	// Transient: not in the session, never saved.
	Transient State = iota
	// Pending: added; inserted at the next flush.
	Pending
	// Persistent: has a row; loaded or flushed by the session.
	Persistent
	// Deleted: marked for deletion; deleted at the next flush.
	Deleted
	// Detached: had a row, but is no longer in the session (expunged,
	// deleted and flushed, or the session was closed).
	Detached
)

func (s State) String() string {
	switch s {
	case Transient:
		return "transient"
	case Pending:
		return "pending"
	case Persistent:
		return "persistent"
	case Deleted:
		return "deleted"
	case Detached:
		return "detached"
	}
	return "invalid"
}

// Errors of the session; match with errors.Is.
var (
	// ErrNotMapped: the object's type is not a registered model.
	ErrNotMapped = errors.New("session: type is not a mapped model")
	// ErrMultipleRows: One found more than one row.
	ErrMultipleRows = errors.New("session: more than one row")
	// ErrDetached: an operation needs an object in the session.
	ErrDetached = errors.New("session: object is not in the session")
	// ErrClosed: the session was closed. It is athanor.ErrClosed, the value
	// a closed engine or router returns too.
	ErrClosed = athanor.ErrClosed
)

// Options configure a session. The zero value is ready to use.
type Options struct {
	// Registry holds the models; default mapper.Default.
	Registry *mapper.Registry
	// BatchSize bounds the rows of one multi-row INSERT (and the keys of
	// one DELETE); default 500. Statements hold fewer where the dialect's
	// limit on bound values (core.Features.MaxParams) requires.
	BatchSize int
	// NoAutoflush turns off the flush that runs before every query.
	// (Beside the other flags: a session holds its Options, and their
	// padding would be its too; see TestStructSizes.)
	NoAutoflush bool
	// Tx are the options of the session's transaction.
	Tx engine.TxOptions
	// MultiGroup lets a transaction over a router write to several bind
	// groups, one transaction per group committed in turn: not atomic (see
	// "Several bind groups" in the package doc). Without it a write to a
	// second group fails with ErrMultiGroup before it is sent.
	MultiGroup bool
	// ConsecutiveIDs lets a multi-row INSERT on MySQL (which has no
	// RETURNING) derive its keys from LAST_INSERT_ID() as consecutive
	// values. That holds with innodb_autoinc_lock_mode 0 or 1, and for
	// "simple inserts" in practice with mode 2, but mode 2 does not
	// promise it; without this option MySQL inserts row by row. MariaDB,
	// PostgreSQL and SQLite use INSERT … RETURNING and need no option.
	ConsecutiveIDs bool
	// Raise puts every query in raise mode (loader.Raise): objects it
	// loads refuse Load of relationships the query did not plan.
	Raise bool
	// Strict is Raise plus the N+1 detector turned into errors: a
	// relationship loaded one object at a time, repeatedly, from one call
	// site fails with loader.ErrNPlusOne naming relationship and site.
	Strict bool
	// OnNPlusOne, when set, is told of every repeated per-object load
	// (see Load), with the call site.
	OnNPlusOne func(loader.Report)
	// Observer, if set, is told of every flush (tracing.Tracer is one).
	Observer Observer
	// Events, if set, holds the ORM event listeners the session calls
	// (see Events); New seals it against further registration.
	Events *Events
	// Filters, if set, holds the global filters whose criteria the
	// session adds to its queries, Get and relationship loads (see
	// Filters); New seals it against further registration.
	Filters *Filters
	// Token is the causal token the session starts with (a previous
	// request's, from router.ParseToken): its reads honour it, and Token
	// returns it merged with the tokens of the session's commits.
	Token router.Token
}

// Session is a unit of work over a Backend: an identity map holding one
// object per primary key, the objects added, changed and deleted since
// the last flush, and the transaction flushes run in.
//
// Loads (Get, queries) are safe from many goroutines at once. Flush,
// Commit and Rollback serialise with each other, and a read waits for a
// running one; while they run, the caller must not modify the session's
// objects.
type Session struct {
	b       Backend
	opts    Options // Registry set
	dialect core.Dialect

	ids  identityMap
	objs objectSet

	// flushMu serialises flushes, commits, rollbacks and refreshes.
	flushMu sync.Mutex
	// txLock owns the transaction state (see txlock.go). A flush that
	// writes, Commit and Rollback hold it exclusively: they change the
	// transaction, and write rows whose objects are not in the identity
	// map yet. Every read statement, and Get's lookup, shares it. Lock
	// order: flushMu, txLock, txMu, then the identity map's and the
	// object set's own locks.
	txLock sync.RWMutex
	tx     Tx                       // guarded by txLock; nil: no transaction open
	txLog  *journal                 // guarded by txLock; undoes the transaction
	flush  atomic.Pointer[flushCtx] // the running flush's context; stored holding txLock
	// txMu is held while a statement runs on tx, whose connection serves
	// one at a time.
	txMu   sync.Mutex
	closed atomic.Bool
	// The parts of first's block taken (see firstwrite.go); guarded by
	// flushMu.
	firstCtxUsed, firstSnapUsed bool

	// txHandle is Begin's handle of tx, nil for a transaction a flush
	// began; a savepoint's holds the transactions enclosing it (see
	// tx.go). Guarded by txLock.
	txHandle *SessionTx

	seq atomic.Int64 // Add order

	// tokenMu guards opts.Token, which holds the session's causal token:
	// Options.Token merged with the tokens of its commits.
	tokenMu sync.Mutex
	// first is the first added object's entry, at the head of a block
	// that holds the slab of the later added objects' entries, the first
	// flush's context and a snapshot too (see firstwrite.go); nil until
	// an Add. Stored holding objs' lock.
	first atomic.Pointer[entry]

	// detect counts per-object loads; nil unless Strict or OnNPlusOne
	// asks for it (most sessions never load one object at a time).
	detect *loader.Detector

	rare *rareState // guarded by flushMu; nil until a rare feature needs it
}

// rareState is what only sessions with after-listeners or
// interface-typed one-to-many relationships keep: one pointer in every
// session instead of a field each.
type rareState struct {
	done     *flushed                   // the last flush, for its after-listeners (events.go)
	polyPrev map[polyOwner][]mapper.Ref // see flush_poly.go
}

// rareState returns s.rare, made on first need; flushMu is held.
func (s *Session) rareState() *rareState {
	if s.rare == nil {
		s.rare = &rareState{}
	}
	return s.rare
}

// New returns a session over ex: an *engine.DB, a *router.Router, a
// caller's *engine.Tx or *router.Tx (flushes run in savepoints of it), or
// a Backend.
//
//	s := session.New(db, session.Options{})
func New(ex engine.Executor, opts Options) *Session {
	b := backendOf(ex)
	if opts.Registry == nil {
		opts.Registry = mapper.Default
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 500
	}
	if opts.Events != nil {
		opts.Events.sealed.Store(true)
	}
	if opts.Filters != nil {
		opts.Filters.sealed.Store(true)
	}
	s := &Session{b: b, opts: opts}
	if opts.Strict || opts.OnNPlusOne != nil {
		s.detect = new(loader.Detector)
	}
	s.dialect = b.Dialect()
	if rb, ok := b.(routerBackend); ok {
		rb.conf = &groupConf{multi: opts.MultiGroup, token: s.Token}
		s.b = rb
	}
	return s // the identity map and object set start empty as zero values
}

// addEntry puts a pending entry for the object at p in the object set,
// unless it holds one: it returns the entry holding the object and
// whether it is new. Entries of added objects come from a slab: a request
// adding many objects makes a few allocations, not one per object (they
// all live as long as the session).
func (s *Session) addEntry(m *mapper.Model, p mapper.Ref) (*entry, bool) {
	// The entry is made under the object set's lock, which guards first
	// and its block's slab: only when p is new, so no block is made and
	// dropped.
	return s.objs.putNew(p, func() *entry {
		var ne *entry
		if first := s.first.Load(); first == nil {
			ne = newFirstBlock(m)
			s.first.Store(ne)
		} else {
			slab := addSlab(first)
			if *slab == (objaccess.Slab{}) {
				*slab = entrySlab
			}
			ne = slab.Next().(*entry)
			slab.Keep()
		}
		ne.m, ne.p, ne.seq = m, p, s.seq.Add(1)
		ne.setState(Pending)
		return ne
	})
}

// entrySlab is an unused Slab of entries, copied by a session's first
// Add (NewSlab looks types up).
var entrySlab = objaccess.NewSlab(reflect.TypeFor[entry]())

// entry is the session's record of one object.
type entry struct {
	m *mapper.Model
	p mapper.Ref // the object (a traced pointer: it keeps the object alive)

	state atomic.Uint32
	// raise: loaded in raise mode; Load of an unloaded relationship fails.
	raise atomic.Bool
	seq   int64

	// The fields below are written by flushes (under flushMu) and before
	// the entry is published.
	key  idKey
	snap mapper.Snapshot // column values at the last load or flush; zero for pending
	coll colls           // relationship members at the last load or flush
}

func (e *entry) State() State     { return State(e.state.Load()) }
func (e *entry) setState(s State) { e.state.Store(uint32(s)) }

// model returns the model of obj, which must be a non-nil *T.
func (s *Session) model(obj any) (*mapper.Model, mapper.Ref, error) {
	if obj == nil {
		return nil, mapper.Ref{}, fmt.Errorf("session: nil object: %w", ErrNotMapped)
	}
	t := typeOf(obj)
	m, err := s.opts.Registry.Of(t)
	if err != nil {
		return nil, mapper.Ref{}, fmt.Errorf("session: %T: %w", obj, err)
	}
	if t.Kind() != reflect.Pointer || t.Elem() != m.Type {
		return nil, mapper.Ref{}, fmt.Errorf("session: %T is not a *%s: %w", obj, m.Name, ErrNotMapped)
	}
	p := m.Ref(obj)
	if p.IsNil() {
		return nil, mapper.Ref{}, fmt.Errorf("session: nil *%s: %w", m.Name, ErrNotMapped)
	}
	return m, p, nil
}

// StateOf reports obj's state in the session. An object the session
// does not hold is Detached when its primary key is set (it has, or had,
// a row) and Transient otherwise, as SQLAlchemy decides by identity.
func (s *Session) StateOf(obj any) State {
	m, p, err := s.model(obj)
	if err != nil {
		return Transient
	}
	if e := s.objs.get(p); e != nil {
		return e.State()
	}
	for _, f := range m.PrimaryKey() {
		if f.IsZero(p) {
			return Transient
		}
	}
	return Detached
}

// Add puts objects in the session: an object the session does not hold
// becomes pending (inserted at the next flush), a deleted one persistent
// again. Objects reachable through relationships with the save-update
// cascade follow at flush time. The session cannot tell a detached object
// (read by a closed session) from a new one built with a key, so Add
// inserts both: the INSERT of a row that exists fails with a unique
// violation. Use Attach (UPDATE by key, no read) or Merge (read, then
// UPDATE of the differences) for detached objects.
func (s *Session) Add(objs ...any) error {
	for _, obj := range objs {
		m, p, err := s.model(obj)
		if err != nil {
			return err
		}
		e, added := s.addEntry(m, p)
		if !added {
			switch e.State() {
			case Deleted:
				e.setState(Persistent)
			case Detached:
				s.attach(e)
			}
		}
	}
	return nil
}

// attach makes a detached entry persistent again with an unknown
// snapshot, so every column is written at the next flush.
func (s *Session) attach(e *entry) {
	e.key = identOf(e.m, e.p)
	e.snap = mapper.Snapshot{}
	if cur, ok := s.ids.putIfAbsent(e.key, e); !ok && cur != e {
		return // another object holds the key; the flush will fail on it
	}
	e.setState(Persistent)
}

// Delete marks objects for deletion at the next flush. A pending object is
// simply removed from the session.
func (s *Session) Delete(objs ...any) error {
	for _, obj := range objs {
		m, p, err := s.model(obj)
		if err != nil {
			return err
		}
		e := s.objs.get(p)
		if e == nil {
			return fmt.Errorf("session: delete %s: %w", m.Name, ErrDetached)
		}
		switch e.State() {
		case Pending:
			s.objs.remove(p)
			e.setState(Transient)
		case Persistent:
			e.setState(Deleted)
		case Detached:
			return fmt.Errorf("session: delete %s: %w", m.Name, ErrDetached)
		}
	}
	return nil
}

// Expunge removes objects from the session without touching the
// database: persistent ones become detached, pending ones transient.
func (s *Session) Expunge(objs ...any) {
	for _, obj := range objs {
		_, p, err := s.model(obj)
		if err != nil {
			continue
		}
		e := s.objs.get(p)
		if e == nil {
			continue
		}
		s.objs.remove(p)
		switch e.State() {
		case Pending:
			e.setState(Transient)
		default:
			s.ids.remove(e.key, e)
			e.setState(Detached)
		}
	}
}

// Token is the causal token of the session's commits, merged with
// Options.Token: carry it (router.WithToken, or its String in a cookie) so
// later requests read their own writes.
func (s *Session) Token() router.Token {
	s.tokenMu.Lock()
	tok := s.opts.Token
	s.tokenMu.Unlock()
	return tok
}

// readCtx adds the session's causal token to ctx.
func (s *Session) readCtx(ctx context.Context) context.Context {
	if tok := s.Token(); !tok.IsZero() {
		return router.WithToken(ctx, tok)
	}
	return ctx
}

// Commit flushes and commits the session's transaction. Over a router,
// the commit's causal token is merged into the session's (read it with
// Token after Commit); over a single engine there is none. Should the
// router fail to read the commit's position, Commit still returns nil
// and Token holds router.PrimaryPosition: the commit happened, and
// reads carrying the token (the session's own among them) go to the
// primary until a later commit's position replaces it. On error the
// database is rolled back and the objects are back in their states from
// before the transaction, with the caller's changes still pending.
//
// With no transaction open, and Options.Tx left at its defaults, a flush
// that is a single statement (one new object, or one changed object) runs
// that statement alone: it is atomic by itself, so BEGIN and COMMIT would
// only add two round trips. Should its connection fail mid-statement, the
// error matches athanor.ErrOutcomeUnknown, as a failed COMMIT's would.
//
// After an error matching athanor.ErrOutcomeUnknown, the objects the
// commit was to insert leave the session, so that committing again does
// not insert them twice (see "Unknown outcomes" in the package doc).
//
// Savepoints still open (see Begin) are released into the transaction
// before it commits.
//
// Over a router, a transaction that wrote to several bind groups
// (Options.MultiGroup) commits them one after another; when a COMMIT
// fails after another group committed, Commit returns a
// *PartialCommitError saying which groups committed and which did not
// (see "Several bind groups" in the package doc).
func (s *Session) Commit(ctx context.Context) error {
	if err := engine.CheckContext(ctx); err != nil {
		return err
	}
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	flushed, committed, err := s.flushLocked(ctx, true)
	if err != nil {
		return err
	}
	if committed {
		s.mergeToken(flushed)
		s.afterCommit(ctx)
		return nil
	}
	s.txLock.Lock() // no read runs in the transaction while it ends
	defer s.txLock.Unlock()
	if s.tx == nil {
		s.afterCommit(ctx)
		return nil
	}
	if err := s.releaseSavepoints(ctx); err != nil {
		return err
	}
	tok, err := s.tx.Commit(ctx)
	var pe *PartialCommitError
	if errors.As(err, &pe) {
		s.endPartial(pe) // see groups_commit.go
		s.afterRollback(ctx)
		return err
	}
	if err != nil {
		inserted := s.txLog.inserted()
		s.endTx(false)
		s.forgetIfUnknown(err, inserted) // see outcome.go
		s.afterRollback(ctx)
		return fmt.Errorf("session: commit: %w", err)
	}
	s.endTx(true)
	s.mergeToken(tok)
	s.afterCommit(ctx)
	return nil
}

// mergeToken folds a commit's token into the session's.
func (s *Session) mergeToken(tok router.Token) {
	if tok.IsZero() { // a single engine's commit: nothing to merge
		return
	}
	s.tokenMu.Lock()
	s.opts.Token = s.opts.Token.Merge(tok)
	s.tokenMu.Unlock()
}

// Rollback rolls the session's transaction back, with the savepoints
// open in it (see Begin). Objects inserted in it
// become pending again (their generated keys cleared), deleted ones
// persistent, and changed ones keep their changes as pending changes
// against their pre-transaction values.
func (s *Session) Rollback(ctx context.Context) error {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	s.txLock.Lock()
	defer s.txLock.Unlock()
	if s.tx == nil {
		return nil
	}
	err := s.rootTx().Rollback(ctx) // and the savepoints open in it
	s.endTx(false)
	s.afterRollback(ctx)
	if err != nil && !errors.Is(err, engine.ErrTxDone) {
		return fmt.Errorf("session: rollback: %w", err)
	}
	return nil
}

// endTx closes the transaction; without commit it restores the journal.
// The caller holds txLock for writing.
func (s *Session) endTx(committed bool) {
	if !committed && s.txLog != nil {
		s.txLog.restore(s)
	}
	s.endFrames(committed)
	s.tx, s.txLog = nil, nil
}

// Close rolls back an open transaction and detaches every object.
func (s *Session) Close(ctx context.Context) error {
	if s.closed.Swap(true) {
		return nil
	}
	err := s.Rollback(ctx)
	s.objs.each(func(e *entry) {
		if e.State() == Pending {
			e.setState(Transient)
		} else {
			e.setState(Detached)
		}
	})
	s.objs.init()
	s.ids.init()
	return err
}

// Exec runs a core statement (or core.Raw) through the session: in its
// transaction when one is open, after an autoflush.
func (s *Session) Exec(ctx context.Context, stmt core.Statement) (engine.Result, error) {
	if err := s.autoflush(ctx); err != nil {
		return engine.Result{}, err
	}
	locked := s.readLock(ctx)
	defer s.readUnlock(locked)
	if tx := s.stmtTx(locked); tx != nil {
		s.txMu.Lock()
		defer s.txMu.Unlock()
		return tx.Exec(ctx, stmt)
	}
	return s.b.Exec(s.readCtx(ctx), stmt)
}

// QueryFunc runs a query through the session (see Exec: autoflushed, in
// the open transaction if there is one) and calls fn with its rows, then
// closes them; fn must not keep them. While fn runs, other statements of
// the session's transaction and flushes wait, so fn must not use the
// session.
func (s *Session) QueryFunc(ctx context.Context, stmt core.Statement, fn func(*engine.Rows) error) error {
	if err := s.autoflush(ctx); err != nil {
		return err
	}
	return s.query(ctx, stmt, fn)
}

// Scan runs a query through the session and scans every row into a T, as
// engine.All does, naming the columns of struct fields without a `db` tag
// by the registry's rules (Registry.FieldColumn), so a model's own SELECT
// scans back into the model.
func Scan[T any](ctx context.Context, s *Session, stmt core.Statement) ([]T, error) {
	if err := s.autoflush(ctx); err != nil {
		return nil, err
	}
	var out []T
	err := s.query(ctx, stmt, func(rows *engine.Rows) error {
		var err error
		out, err = engine.CollectNamed[T](rows, s.opts.Registry)
		return err
	})
	return out, err
}

// query runs stmt in the transaction if one is open, else on the backend,
// and hands the rows to fn; the rows are closed afterwards.
func (s *Session) query(ctx context.Context, stmt core.Statement, fn func(*engine.Rows) error) error {
	locked := s.readLock(ctx)
	defer s.readUnlock(locked)
	tx := s.stmtTx(locked)
	// A statement is checked against its dialect before it is sent,
	// except on a single engine outside a transaction: the engine compiles
	// it before it takes a connection, so a refused one has no effect
	// there, and a request's read is not compiled twice.
	if _, direct := s.b.(engineBackend); tx != nil || !direct {
		if d := s.dialectFor(stmt); d != nil {
			if _, err := core.Compile(d, stmt); err != nil {
				return err
			}
		}
	}
	if tx != nil {
		s.txMu.Lock()
		defer s.txMu.Unlock()
		return tx.QueryFunc(ctx, stmt, fn)
	}
	return s.b.QueryFunc(s.readCtx(ctx), stmt, fn)
}

func (s *Session) autoflush(ctx context.Context) error {
	if ctx == nil {
		return engine.ErrNilContext // every statement of the session passes here
	}
	if s.opts.NoAutoflush {
		return nil
	}
	if !s.holdsObjects() && !s.closed.Load() {
		// Nothing to flush (a fresh session's first read): no need to
		// take the flush lock. A flush running meanwhile makes the read
		// wait anyway (see readLock).
		return nil
	}
	return s.Flush(ctx)
}

// snapshot copies every column value of the object at p.
func snapshot(m *mapper.Model, p mapper.Ref) mapper.Snapshot {
	return m.Snapshot(p) // one allocation, values unboxed
}

// colls records, per relationship, the members an object had when it
// was last loaded or flushed; a relationship absent from it was never
// loaded. Models have few relationships, so a short list beats a map (one
// per loaded object was most of an eager load's garbage). It is a
// []collRec held in two words, not three: every entry has one, and most
// stay empty. The zero value is the empty list.
type colls struct {
	p    *collRec // the list's first element; nil: empty
	n, c uint32   // its length and capacity
}

type collRec struct {
	r  *mapper.Relation
	ps []mapper.Ref
}

// collsOf returns the list holding the elements of recs (and its capacity).
func collsOf(recs []collRec) colls {
	if cap(recs) == 0 {
		return colls{}
	}
	return colls{p: &recs[:1][0], n: uint32(len(recs)), c: uint32(cap(recs))}
}

// recs returns the list as a slice.
func (c colls) recs() []collRec {
	if c.p == nil {
		return nil
	}
	return unsafe.Slice(c.p, c.c)[:c.n]
}

// loaded reports whether the list holds a record.
func (c colls) loaded() bool { return c.n > 0 }

// get returns the members recorded for r, and whether r was loaded.
func (c colls) get(r *mapper.Relation) ([]mapper.Ref, bool) {
	for _, rec := range c.recs() {
		if rec.r == r {
			return rec.ps, true
		}
	}
	return nil, false
}

// add records r's members, which c must not hold yet. It may append in
// place: a copy of c taken earlier (a journal's) keeps its length, so it
// never sees the new record.
func (c colls) add(r *mapper.Relation, ps []mapper.Ref, hint int) colls {
	if ps == nil {
		ps = []mapper.Ref{}
	}
	recs := c.recs()
	if recs == nil {
		recs = make([]collRec, 0, hint)
	}
	return collsOf(append(recs, collRec{r, ps}))
}

// collections records the members of every loaded relationship of the
// object (an unloaded collection is nil, and left out).
func collections(m *mapper.Model, p mapper.Ref) colls {
	rels := m.Relations()
	var out colls // nil while nothing is loaded: no allocation per fresh row
	for _, r := range rels {
		if r.IsNil(p) {
			continue
		}
		out = out.add(r, r.Get(p), len(rels))
	}
	return out
}
