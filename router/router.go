package router

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
)

// DefaultGroup is the bind group of tables not bound to another.
const DefaultGroup = "default"

// Config describes a router. Durations left zero take the defaults
// documented on each field.
type Config struct {
	// Groups are the bind groups; at least one. A group named
	// DefaultGroup, or else the first group, receives unbound tables.
	Groups []GroupConfig
	// Binds maps table names to bind groups (SQLAlchemy's binds); the
	// mapper fills it from the models' bind names.
	Binds map[string]string
	// Policy chooses among eligible replicas (and the primary, with
	// PrimaryReads); default RoundRobin, or LeastLoaded with PrimaryReads.
	Policy Policy
	// PrimaryReads makes each group's primary a candidate for reads
	// alongside its replicas in service, so that it takes a share of the
	// reads; the Policy sees it as a Candidate for which IsPrimary is
	// true. The primary has every commit, so it is a candidate for reads
	// carrying a causal token too: such a read never waits for a replica
	// (CausalWait) while the primary may serve it. Reads the Policy sends
	// to the primary are reported with ReasonPrimaryByPolicy. A primary
	// reported down (Group.PrimaryStatus) is no candidate, and a group
	// with no replica in service reads from its primary as without the
	// option (ReasonNoReplica). Off by default: reads go to replicas only.
	PrimaryReads bool
	// MaxLag takes a replica out of service while its lag exceeds it;
	// default 5s. Negative disables the check.
	MaxLag time.Duration
	// CausalWait bounds how long a read with a causal token waits for a
	// replica to reach it before falling back to the primary; default
	// 100ms. Negative means never wait: go to the primary at once.
	CausalWait time.Duration
	// ReadTimeout bounds each attempt of a read on a replica, up to its
	// first answer (the first row, the end of an empty result, or a
	// read's Exec or Batch result); default 5s, negative for no bound.
	// Past it the attempt is cancelled (its connection destroyed), the
	// replica is out of service until a health probe answers, and the
	// read is retried on another replica or the primary; the caller's
	// context still bounds the whole read. Set it above the time your
	// slowest replica read takes to its first row.
	ReadTimeout time.Duration
	// HealthInterval is the period of the health and lag monitor; default
	// 500ms. A replica that fails a probe is out of service until one
	// succeeds.
	HealthInterval time.Duration
	// Observer, if set, is told of every routing decision.
	Observer Observer
	// Shards are the shard sets, each made of bind groups of Groups
	// (see ShardSet).
	Shards []ShardConfig
}

// GroupConfig is one bind group: a primary and its replicas. The router
// takes ownership of the engines: Router.Close closes them (if New or
// AddGroup fails, they stay the caller's).
type GroupConfig struct {
	Name     string
	Primary  *engine.DB
	Replicas []*engine.DB
	// ReplicaNames optionally names the replicas in decisions and traces
	// (default: the engine's address).
	ReplicaNames []string
}

// Errors returned by routing.
var (
	// ErrCrossGroup: a statement touches tables of two bind groups.
	ErrCrossGroup = errors.New("router: statement touches tables of more than one bind group")
	// ErrUnknownGroup: a bind names a group the router does not have.
	ErrUnknownGroup = errors.New("router: unknown bind group")
	// ErrClosed: the router has been closed. It is athanor.ErrClosed, the
	// value a closed engine or session returns too.
	ErrClosed = athanor.ErrClosed
)

// Router sends each statement to the right node of the right bind group.
// It is safe for concurrent use.
type Router struct {
	cfg Config
	// routes is replaced, never modified, by AddGroup and Bind, so the
	// statement path reads it without a lock.
	routes atomic.Pointer[routes]
	mu     sync.Mutex // serialises AddGroup, Bind and Close

	stopOnce sync.Once
	stop     chan struct{}
	closed   bool // guarded by mu
	done     sync.WaitGroup
}

// routes is an immutable snapshot of the groups and table bindings.
type routes struct {
	groups     map[string]*Group
	order      []*Group
	defaultGrp *Group
	binds      map[string]*Group
	shards     map[string]*ShardSet // never modified after New
	sharded    map[string]*ShardSet // table → its shard set (ShardConfig.Tables)
}

func (rt *routes) clone() *routes {
	n := &routes{groups: make(map[string]*Group, len(rt.groups)+1), order: append([]*Group(nil), rt.order...),
		defaultGrp: rt.defaultGrp, binds: make(map[string]*Group, len(rt.binds)), shards: rt.shards, sharded: rt.sharded}
	for k, v := range rt.groups {
		n.groups[k] = v
	}
	for k, v := range rt.binds {
		n.binds[k] = v
	}
	return n
}

// New builds a router and starts its health monitor (stopped by Close).
func New(cfg Config) (*Router, error) {
	if len(cfg.Groups) == 0 {
		return nil, errors.New("router: config has no bind group")
	}
	if cfg.Policy == nil {
		cfg.Policy = RoundRobin()
		if cfg.PrimaryReads {
			cfg.Policy = LeastLoaded()
		}
	}
	if cfg.MaxLag == 0 {
		cfg.MaxLag = 5 * time.Second
	}
	if cfg.CausalWait == 0 {
		cfg.CausalWait = 100 * time.Millisecond
	}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = 5 * time.Second
	}
	if cfg.HealthInterval <= 0 {
		cfg.HealthInterval = 500 * time.Millisecond
	}
	r := &Router{cfg: cfg, stop: make(chan struct{})}
	rt := &routes{groups: map[string]*Group{}, binds: map[string]*Group{}}
	for _, gc := range cfg.Groups {
		g, err := newGroup(r, gc)
		if err != nil {
			return nil, err
		}
		if _, dup := rt.groups[g.name]; dup {
			return nil, fmt.Errorf("router: bind group %q declared twice", g.name)
		}
		rt.groups[g.name] = g
		rt.order = append(rt.order, g)
	}
	rt.defaultGrp = rt.groups[DefaultGroup]
	if rt.defaultGrp == nil {
		rt.defaultGrp = rt.order[0]
	}
	for table, name := range cfg.Binds {
		g, ok := rt.groups[name]
		if !ok {
			return nil, fmt.Errorf("%w %q (bound to table %q)", ErrUnknownGroup, name, table)
		}
		rt.binds[table] = g
	}
	var err error
	if rt.shards, rt.sharded, err = newShardSets(rt, cfg.Shards); err != nil {
		return nil, err
	}
	r.routes.Store(rt)
	for _, g := range rt.order {
		r.start(g)
	}
	return r, nil
}

// start probes g once, so its first reads know who is up, and starts its
// monitor.
func (r *Router) start(g *Group) {
	g.probe(context.Background())
	if len(g.replicas) > 0 {
		r.done.Add(1)
		go r.monitor(g)
	}
}

// AddGroup adds a bind group for another database while the router runs,
// taking ownership of its engines. Bind tables to it with Bind.
func (r *Router) AddGroup(gc GroupConfig) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return fmt.Errorf("router: add group %q: %w", gc.Name, ErrClosed)
	}
	old := r.routes.Load()
	if _, dup := old.groups[gc.Name]; dup || gc.Name == "" {
		return fmt.Errorf("router: bind group %q already exists", cmp.Or(gc.Name, DefaultGroup))
	}
	g, err := newGroup(r, gc)
	if err != nil {
		return err
	}
	rt := old.clone()
	rt.groups[g.name] = g
	rt.order = append(rt.order, g)
	r.routes.Store(rt)
	r.start(g)
	return nil
}

// Bind routes statements on table to the bind group called group.
func (r *Router) Bind(table, group string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.routes.Load()
	g, ok := old.groups[group]
	if !ok {
		return fmt.Errorf("%w %q (bound to table %q)", ErrUnknownGroup, group, table)
	}
	rt := old.clone()
	rt.binds[table] = g
	r.routes.Store(rt)
	return nil
}

// Close stops the monitors, waits for them, and closes every engine.
func (r *Router) Close() error {
	var errs []error
	r.stopOnce.Do(func() {
		r.mu.Lock()
		r.closed = true
		r.mu.Unlock()
		close(r.stop)
		r.done.Wait()
		for _, g := range r.routes.Load().order {
			errs = append(errs, g.primary.db.Close())
			for _, rep := range g.replicas {
				errs = append(errs, rep.db.Close())
			}
		}
	})
	return errors.Join(errs...)
}

// Group returns the bind group called name, or nil.
func (r *Router) Group(name string) *Group { return r.routes.Load().groups[name] }

// Groups lists the bind groups in the order they were declared.
func (r *Router) Groups() []*Group { return r.routes.Load().order }

// GroupFor returns the bind group of the tables stmt touches: the group
// they are bound to, the default group for unbound tables, and
// ErrCrossGroup when they span two groups. The tables of a shard set are
// routed by key: see GroupForContext, which the Router's methods use.
func (r *Router) GroupFor(stmt core.Statement) (*Group, error) {
	rt := r.routes.Load()
	var g *Group
	for _, t := range stmt.Tables() {
		tg, ok := rt.binds[t]
		if !ok {
			tg = rt.defaultGrp
		}
		if g != nil && g != tg {
			return nil, fmt.Errorf("%w: table %q is in %q, another in %q", ErrCrossGroup, t, tg.name, g.name)
		}
		g = tg
	}
	if g == nil {
		g = rt.defaultGrp
	}
	return g, nil
}

// GroupOf returns the bind group of the table named table (as
// core.Table.FullName names it): the group it is bound to, else the
// default group (nil before a group is added).
func (r *Router) GroupOf(table string) *Group {
	rt := r.routes.Load()
	if g, ok := rt.binds[table]; ok {
		return g
	}
	return rt.defaultGrp
}

// Dialect is the dialect of the default group's primary (nil before a
// group is added), what statements without a bound table compile for.
// It makes a Router an engine.Executor.
func (r *Router) Dialect() core.Dialect {
	g := r.routes.Load().defaultGrp
	if g == nil {
		return nil
	}
	return g.Primary().Dialect()
}

// Exec runs a statement that returns no rows. Writes run on the primary
// and, when ctx carries a Tracker, add the commit's position to it.
func (r *Router) Exec(ctx context.Context, stmt core.Statement) (engine.Result, error) {
	g, err := r.GroupForContext(ctx, stmt)
	if err != nil {
		return engine.Result{}, err
	}
	return g.Exec(ctx, stmt)
}

// Exec is Router.Exec in g, whatever the statement's tables are bound to:
// how a statement reaches one shard of a ShardSet.
func (g *Group) Exec(ctx context.Context, stmt core.Statement) (engine.Result, error) {
	if err := engine.CheckContext(ctx); err != nil {
		return engine.Result{}, err
	}
	var err error
	var res engine.Result
	if stmt.Writes() {
		err = g.write(ctx, func(ctx context.Context, db *engine.DB) error {
			res, err = db.Exec(ctx, stmt)
			return err
		})
		return res, err
	}
	err = g.read(ctx, true, func(ctx context.Context, db *engine.DB, _ time.Duration) (bool, error) {
		var err error
		res, err = db.Exec(ctx, stmt)
		return false, err
	})
	return res, err
}

// Query runs a statement that returns rows. Plain reads go to a replica
// (honouring the causal token in ctx); writes such as INSERT … RETURNING
// and locking reads go to the primary. A read's first row is read before
// Query returns, so a replica that fails before it is retried elsewhere;
// an error while iterating is the caller's.
func (r *Router) Query(ctx context.Context, stmt core.Statement) (*engine.Rows, error) {
	g, err := r.GroupForContext(ctx, stmt)
	if err != nil {
		return nil, err
	}
	return g.Query(ctx, stmt)
}

// Query is Router.Query in g, whatever the statement's tables are bound to:
// how a statement reaches one shard of a ShardSet.
func (g *Group) Query(ctx context.Context, stmt core.Statement) (*engine.Rows, error) {
	if err := engine.CheckContext(ctx); err != nil {
		return nil, err
	}
	var err error
	var rows *engine.Rows
	if stmt.Writes() {
		// The write commits when its rows have been read; its position is
		// asked for lazily, at the next read through ctx (see wrote).
		err = g.write(ctx, func(ctx context.Context, db *engine.DB) error {
			rows, err = db.Query(ctx, stmt)
			return err
		})
		return rows, err
	}
	err = g.read(ctx, false, func(ctx context.Context, db *engine.DB, bound time.Duration) (bool, error) {
		var err error
		rows, err = db.QueryEager(ctx, stmt, bound)
		return false, err
	})
	return rows, err
}

// QueryFunc runs a statement that returns rows, routed like Query, and
// calls fn with its rows, then closes them: fn must not keep them (see
// engine.DB.QueryFunc). A replica that fails before fn is called is
// retried elsewhere, as for Query; once fn has run, its outcome stands.
func (r *Router) QueryFunc(ctx context.Context, stmt core.Statement, fn func(*engine.Rows) error) error {
	g, err := r.GroupForContext(ctx, stmt)
	if err != nil {
		return err
	}
	return g.QueryFunc(ctx, stmt, fn)
}

// QueryFunc is Router.QueryFunc in g, whatever the statement's tables are bound to:
// how a statement reaches one shard of a ShardSet.
func (g *Group) QueryFunc(ctx context.Context, stmt core.Statement, fn func(*engine.Rows) error) error {
	if err := engine.CheckContext(ctx); err != nil {
		return err
	}
	if stmt.Writes() {
		return g.write(ctx, func(ctx context.Context, db *engine.DB) error { return db.QueryFunc(ctx, stmt, fn) })
	}
	return g.read(ctx, false, func(ctx context.Context, db *engine.DB, bound time.Duration) (bool, error) {
		ran := false
		err := db.QueryFuncEager(ctx, stmt, bound, func(rows *engine.Rows) error {
			ran = true
			return fn(rows)
		})
		return ran, err
	})
}

// QueryRow runs a statement expected to return at most one row, routed
// like Query. Errors are deferred to Row.Scan.
func (r *Router) QueryRow(ctx context.Context, stmt core.Statement) *engine.Row {
	g, err := r.GroupForContext(ctx, stmt)
	if err != nil {
		return engine.ErrRow(err)
	}
	return g.QueryRow(ctx, stmt)
}

// QueryRow is Router.QueryRow in g, whatever the statement's tables are bound to:
// how a statement reaches one shard of a ShardSet.
func (g *Group) QueryRow(ctx context.Context, stmt core.Statement) *engine.Row {
	if err := engine.CheckContext(ctx); err != nil {
		return engine.ErrRow(err)
	}
	var row *engine.Row
	if stmt.Writes() {
		// The first row is read before returning, so that the primary's
		// refusal or a lost connection is seen here (see primaryError),
		// not only by Scan.
		if err := g.write(ctx, func(ctx context.Context, db *engine.DB) error {
			row = db.QueryRowEager(ctx, stmt, 0)
			if err := row.Err(); !errors.Is(err, engine.ErrNoRows) {
				return err
			}
			return nil
		}); err != nil {
			return engine.ErrRow(err) // failed before any row: it holds nothing
		}
		return row
	}
	err := g.read(ctx, false, func(ctx context.Context, db *engine.DB, bound time.Duration) (bool, error) {
		row = db.QueryRowEager(ctx, stmt, bound)
		if err := row.Err(); !errors.Is(err, engine.ErrNoRows) {
			return false, err
		}
		return false, nil // no row is an answer, not a failure
	})
	if row == nil { // no attempt was made
		return engine.ErrRow(err)
	}
	return row
}

// Batch runs independent statements in one group: on the primary if any
// of them writes, else on one replica chosen as for a read (see
// engine.DB.Batch for pipelining). A read batch is buffered whole, so a
// replica that fails with a connection error, for the batch or for any
// statement of it, is retried elsewhere.
func (r *Router) Batch(ctx context.Context, stmts ...core.Statement) ([]engine.BatchResult, error) {
	if err := engine.CheckContext(ctx); err != nil {
		return nil, err
	}
	if len(stmts) == 0 {
		return nil, nil
	}
	var g *Group
	writes := false
	for _, s := range stmts {
		sg, err := r.GroupForContext(ctx, s)
		if err != nil {
			return nil, err
		}
		if g != nil && sg != g {
			return nil, fmt.Errorf("%w: batch spans %q and %q", ErrCrossGroup, g.name, sg.name)
		}
		g = sg
		writes = writes || s.Writes()
	}
	var res []engine.BatchResult
	var err error
	if writes {
		err = g.write(ctx, func(ctx context.Context, db *engine.DB) error {
			res, err = db.Batch(ctx, stmts...)
			return err
		})
		for i := range res {
			res[i].Err = g.primaryError(res[i].Err)
		}
		return res, err
	}
	err = g.read(ctx, true, func(ctx context.Context, db *engine.DB, _ time.Duration) (bool, error) {
		var err error
		res, err = db.Batch(ctx, stmts...)
		if err != nil {
			return false, err
		}
		for i := range res {
			// A statement's own error is an answer, unless the
			// connection failed or the bound cut the batch short.
			if e := res[i].Err; e != nil && (connectionFailure(e) || ctx.Err() != nil) {
				return false, fmt.Errorf("router: batch statement %d: %w", i+1, e)
			}
		}
		return false, nil
	})
	return res, err
}

// Group is one bind group: a primary and its replicas.
type Group struct {
	r        *Router
	name     string
	shard    bool             // a shard of a ShardSet; set by New, before any statement
	kind     PositionKind     // repl's scheme; PositionNone without replication positions
	repl     core.Replication // the primary's dialect's, or nil
	primary  *node
	replicas []*node

	histMu sync.Mutex
	hist   []sample // primary positions over time, for lag; guarded by histMu

	// The position queries of repl, read-only Raw statements: text the
	// dialect owns, not user input. waitSQL is empty where the server
	// cannot wait for a position: the router polls instead.
	primaryPos, replicaPos core.Statement
	waitSQL                string
}

// sample is the primary's position at a time.
type sample struct {
	at  time.Time
	pos Position
}

const historyLen = 64

func newGroup(r *Router, gc GroupConfig) (*Group, error) {
	if gc.Name == "" {
		gc.Name = DefaultGroup
	}
	if gc.Primary == nil {
		return nil, fmt.Errorf("router: bind group %q has no primary", gc.Name)
	}
	if len(gc.ReplicaNames) != 0 && len(gc.ReplicaNames) != len(gc.Replicas) {
		return nil, fmt.Errorf("router: bind group %q: %d replica names for %d replicas", gc.Name, len(gc.ReplicaNames), len(gc.Replicas))
	}
	g := &Group{r: r, name: gc.Name}
	if g.repl = replicationOf(gc.Primary); g.repl != nil {
		g.kind = PositionKind(g.repl.PositionScheme())
		g.primaryPos = core.Raw(g.repl.PrimaryPositionQuery()).ReadOnly()
		g.replicaPos = core.Raw(g.repl.ReplicaPositionQuery()).ReadOnly()
		g.waitSQL = g.repl.WaitPositionQuery()
	}
	g.primary = newNode(gc.Primary, nodeName(gc.Primary), RolePrimary)
	if servedQuery(gc.Primary) != "" {
		g.primary.naming.Store(nameUnknown)
	}
	for i, db := range gc.Replicas {
		if db == nil {
			return nil, fmt.Errorf("router: bind group %q: replica %d is nil", gc.Name, i)
		}
		// One dialect, so one kind of replication position.
		if pd, rd := gc.Primary.Dialect(), db.Dialect(); rd != pd {
			return nil, fmt.Errorf("router: bind group %q: replica %d is %s, primary is %s", gc.Name, i, rd.Name(), pd.Name())
		}
		name := nodeName(db)
		if len(gc.ReplicaNames) > 0 {
			name = gc.ReplicaNames[i]
		}
		n := newNode(db, name, RoleReplica)
		g.replicas = append(g.replicas, n)
	}
	return g, nil
}

// Name is the group's name.
func (g *Group) Name() string { return g.name }

// Primary is the group's primary engine.
func (g *Group) Primary() *engine.DB { return g.primary.db }

// Replicas reports each replica's state, in configuration order.
func (g *Group) Replicas() []ReplicaStatus {
	out := make([]ReplicaStatus, len(g.replicas))
	for i, n := range g.replicas {
		out[i] = n.status()
	}
	return out
}

// decide reports d and returns the context to run the statement with.
func (g *Group) decide(ctx context.Context, d Decision) context.Context {
	recordDecision(ctx, d)
	if g.r.cfg.Observer != nil {
		return g.r.cfg.Observer.Routed(ctx, d)
	}
	return ctx
}

// attempt runs a read on db, once. bound, when positive, limits the wait
// for the read's first row (Config.ReadTimeout); past it the attempt
// fails with an error matching engine.ErrFirstRowTimeout. delivered
// reports that rows reached the caller: the read is then never retried.
type attempt func(ctx context.Context, db *engine.DB, bound time.Duration) (delivered bool, err error)

// read runs a read on the node chosen for it. A replica that fails with a
// connection error, or gives no answer within ReadTimeout, before any row
// reached the caller, is taken out of service and the read retried on
// another node, finally the primary (which has no bound but the caller's
// context). Every read path goes through here; fn must not write.
//
// The eager queries bound their first row themselves (the rows outlive
// the call); a scoped attempt (Exec, Batch: done when fn returns) is
// bounded here, by its context. Either way the decision is observed with
// the context the engine gets: the attempt runs with the context the
// Observer returned.
func (g *Group) read(ctx context.Context, scoped bool, fn attempt) error {
	tok, err := g.causalPosition(ctx)
	if err != nil {
		return err
	}
	var tried []*node
	retried := false
	for {
		n, d := g.choose(ctx, tok, tried)
		if retried {
			d.Reason = ReasonRetry
		}
		var bound time.Duration
		if n.role == RoleReplica && g.r.cfg.ReadTimeout > 0 {
			bound = g.r.cfg.ReadTimeout
		}
		actx, inTime := ctx, func() bool { return true }
		if scoped && bound > 0 {
			actx, inTime = boundContext(ctx, bound)
		}
		actx = g.decide(actx, d)
		n.inFlight.Add(1)
		delivered, err := fn(actx, n.db, bound)
		n.inFlight.Add(-1)
		if !inTime() && err != nil && ctx.Err() == nil {
			err = fmt.Errorf("%w (%v): %w", engine.ErrFirstRowTimeout, bound, err)
		}
		if err == nil || delivered || n.role == RolePrimary || ctx.Err() != nil {
			return err
		}
		switch {
		case errors.Is(err, engine.ErrFirstRowTimeout):
			// Frozen or overloaded: suspect it until a probe answers.
			n.markDown(fmt.Errorf("router: replica %s: %w", n.name, err))
		case connectionFailure(err):
			// Unreachable: take it out now rather than at the next probe.
			n.markDown(err)
		default:
			return err
		}
		tried = append(tried, n)
		retried = true
	}
}

// boundContext returns a context cancelled after bound, and a function
// that ends it and reports whether the bound had not passed yet.
func boundContext(ctx context.Context, bound time.Duration) (context.Context, func() bool) {
	actx, cancel := context.WithCancelCause(ctx)
	t := time.AfterFunc(bound, func() { cancel(engine.ErrFirstRowTimeout) })
	return actx, func() bool {
		stopped := t.Stop()
		cancel(nil)
		return stopped
	}
}

// write runs a statement that writes on g's primary, never retried, and
// notes the write for the Tracker of ctx. It is noted whatever fn
// returns: a failed write may still have committed (an unknown outcome,
// a batch in part), and noting it costs at most one position query, at
// the next read through ctx.
func (g *Group) write(ctx context.Context, fn func(ctx context.Context, db *engine.DB) error) error {
	if err := g.namePrimary(ctx); err != nil {
		return err // nothing was sent
	}
	dctx := g.decide(ctx, Decision{Group: g.name, Node: g.primary.Name(), Role: RolePrimary, Reason: ReasonWrite})
	g.primary.inFlight.Add(1) // the primary's load, for LeastLoaded
	err := fn(dctx, g.primary.db)
	g.primary.inFlight.Add(-1)
	g.wrote(ctx)
	return g.primaryError(err)
}

// connectionFailure reports whether err means the node could not be
// reached or the connection broke: the read may be retried elsewhere.
func connectionFailure(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if athanor.IsConnectionError(err) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne)
}
