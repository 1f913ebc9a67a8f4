package session_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/router"
	"github.com/athanor-orm/athanor/session"
)

// Two bind groups, two databases: users in one, orders in the other. The
// relationship crosses them; no foreign key can.
type MgUser struct {
	_      struct{} `athanor:",table:mg_users,bind:users"`
	ID     int64
	Name   string `athanor:",size:100"`
	Orders []*MgOrder
	Notes  []*MgNote `athanor:",fk:user_id"`
}

// MgNote is in the users group, with its user.
type MgNote struct {
	_      struct{} `athanor:",table:mg_notes,bind:users"`
	ID     int64
	UserID int64
	Text   string `athanor:",size:100"`
}

type MgOrder struct {
	_      struct{} `athanor:",table:mg_orders,bind:orders"`
	ID     int64
	UserID int64
	User   *MgUser
	Item   string `athanor:",size:100"`
	// RefID references mg_refs in the orders database; on PostgreSQL and
	// SQLite the foreign key is checked at COMMIT (DEFERRABLE INITIALLY
	// DEFERRED), which makes the orders group's COMMIT fail.
	RefID *int64
}

// mgSetup is a router over two groups, "users" and "orders", each its own
// database on one server, and direct connections to check the rows.
type mgSetup struct {
	name          string
	r             *router.Router
	reg           *mapper.Registry // whose binds the router routes by
	users, orders *engine.DB       // direct, for checks
	deferredFK    bool             // mg_orders.ref_id is a deferred foreign key
	backendID     string           // the SQL giving the connection's id, "" for none
	kill          string           // the SQL ending a connection by its id
}

func (m mgSetup) count(t *testing.T, db *engine.DB, table string) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow(context.Background(), core.Raw("SELECT COUNT(*) FROM "+table).ReadOnly()).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// eachGroupPair runs f over two databases of each server kind, bound to
// two groups of one router.
func eachGroupPair(t *testing.T, f func(t *testing.T, m mgSetup)) {
	t.Helper()
	for _, kind := range []string{"postgres", "mariadb", "sqlite"} {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			var clusters [2]testdb.Cluster
			m := mgSetup{name: kind}
			var ddl [2][]string
			switch kind {
			case "postgres":
				clusters = [2]testdb.Cluster{testdb.PG(t), testdb.PG(t)}
				ddl[0] = []string{`CREATE TABLE mg_users (id BIGSERIAL PRIMARY KEY, name VARCHAR(100) NOT NULL)`,
					`CREATE TABLE mg_notes (id BIGSERIAL PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES mg_users (id), text VARCHAR(100) NOT NULL)`}
				ddl[1] = []string{`CREATE TABLE mg_refs (id BIGINT PRIMARY KEY)`,
					`CREATE TABLE mg_orders (id BIGSERIAL PRIMARY KEY, user_id BIGINT NOT NULL, item VARCHAR(100) NOT NULL,
						ref_id BIGINT NULL REFERENCES mg_refs (id) DEFERRABLE INITIALLY DEFERRED)`}
				m.deferredFK = true
				m.backendID, m.kill = "SELECT pg_backend_pid()", "SELECT pg_terminate_backend(?)"
			case "mariadb":
				clusters = [2]testdb.Cluster{testdb.MySQL(t), testdb.MySQL(t)}
				ddl[0] = []string{`CREATE TABLE mg_users (id BIGINT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(100) NOT NULL)`,
					`CREATE TABLE mg_notes (id BIGINT AUTO_INCREMENT PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES mg_users (id), text VARCHAR(100) NOT NULL)`}
				ddl[1] = []string{`CREATE TABLE mg_orders (id BIGINT AUTO_INCREMENT PRIMARY KEY, user_id BIGINT NOT NULL,
					item VARCHAR(100) NOT NULL, ref_id BIGINT NULL)`}
				m.backendID, m.kill = "SELECT CONNECTION_ID()", "KILL ?"
			default:
				clusters = [2]testdb.Cluster{{}, {}}
				ddl[0] = []string{`CREATE TABLE mg_users (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL)`,
					`CREATE TABLE mg_notes (id INTEGER PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES mg_users (id), text VARCHAR(100) NOT NULL)`}
				ddl[1] = []string{`CREATE TABLE mg_refs (id INTEGER PRIMARY KEY)`,
					`CREATE TABLE mg_orders (id INTEGER PRIMARY KEY, user_id BIGINT NOT NULL, item VARCHAR(100) NOT NULL,
						ref_id BIGINT NULL REFERENCES mg_refs (id) DEFERRABLE INITIALLY DEFERRED)`}
				m.deferredFK = true
			}
			open := func(url string) *engine.DB {
				db, err := engine.Open(ctx, url)
				if err != nil {
					t.Fatal(err)
				}
				return db
			}
			var groups []router.GroupConfig
			var direct [2]*engine.DB
			for i, name := range []string{"users", "orders"} {
				url := clusters[i].Primary.URL()
				if kind == "sqlite" {
					url = "sqlite://" + testdb.SQLite(t)
				}
				direct[i] = open(url)
				t.Cleanup(func() { direct[i].Close() })
				for _, q := range ddl[i] {
					if _, err := direct[i].Exec(ctx, core.Raw(q)); err != nil {
						t.Fatal(err)
					}
				}
				gc := router.GroupConfig{Name: name, Primary: open(url)}
				for _, r := range clusters[i].Replicas {
					gc.Replicas = append(gc.Replicas, open(r.URL()))
				}
				groups = append(groups, gc)
			}
			reg := mapper.NewRegistry()
			for _, register := range []func(*mapper.Registry) (*mapper.Model, error){mapper.RegisterIn[MgUser], mapper.RegisterIn[MgOrder]} {
				if _, err := register(reg); err != nil {
					t.Fatal(err)
				}
			}
			r, err := router.New(router.Config{Groups: groups, Binds: reg.Binds()})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { r.Close() })
			m.r, m.users, m.orders, m.reg = r, direct[0], direct[1], reg
			f(t, m)
		})
	}
}

// newSession returns a session over the router, closed (its
// transactions rolled back, their connections returned) before the
// router closes.
func (m mgSetup) newSession(t *testing.T, multi bool) *session.Session {
	s := session.New(m.r, session.Options{Registry: m.reg, MultiGroup: multi})
	t.Cleanup(func() { s.Close(context.Background()) })
	return s
}

func wantGroups(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s = %q, want %q", what, got, want)
	}
}

// (a) A session writing to two groups commits both, each in its own
// transaction, keys copied across; the token covers both groups.
func TestMultiGroupCommitsBoth(t *testing.T) {
	eachGroupPair(t, func(t *testing.T, m mgSetup) {
		ctx := context.Background()
		s := m.newSession(t, true)
		u := &MgUser{Name: "ada"}
		o1 := &MgOrder{Item: "lamp", User: u}
		o2 := &MgOrder{Item: "desk"}
		u.Orders = []*MgOrder{o1, o2}
		u.Notes = []*MgNote{{Text: "vip"}}
		if err := s.Add(u); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if n := m.count(t, m.users, "mg_users"); n != 1 {
			t.Fatalf("users database holds %d users, want 1", n)
		}
		var bad int64
		if err := m.orders.QueryRow(ctx, core.Raw("SELECT COUNT(*) FROM mg_orders WHERE user_id <> ?", u.ID).ReadOnly()).Scan(&bad); err != nil {
			t.Fatal(err)
		}
		if n := m.count(t, m.orders, "mg_orders"); n != 2 || bad != 0 || u.ID == 0 {
			t.Fatalf("orders database holds %d orders (%d not of user %d), want 2 of it", n, bad, u.ID)
		}
		for _, obj := range []any{u, o1, o2} {
			if st := s.StateOf(obj); st != session.Persistent {
				t.Fatalf("%T is %v after commit, want persistent", obj, st)
			}
		}
		if m.name != "sqlite" {
			wantGroups(t, "token groups", sorted(s.Token().Groups()), []string{"orders", "users"})
		}
		// A new session, carrying the token, loads relationships within
		// and across the groups in one batch.
		s2 := session.New(m.r, session.Options{Registry: m.reg, Token: s.Token()})
		t.Cleanup(func() { s2.Close(ctx) })
		us, err := session.Query[MgUser](s2).Options(loader.SelectIn("Orders"), loader.SelectIn("Notes")).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(us) != 1 || len(us[0].Orders) != 2 || len(us[0].Notes) != 1 {
			t.Fatalf("loaded %d users, want 1 with 2 orders and 1 note", len(us))
		}
	})
}

func sorted(xs []string) []string { slices.Sort(xs); return xs }

// (b, c) The orders group's COMMIT fails after the users group's
// committed: the error says exactly that, the databases agree, the user
// is persistent and the orders restored as after a failed commit (an
// added one pending, one reached by cascade transient, a changed one
// keeping its change pending); committing again writes the orders
// alone, with the user's key.
func TestMultiGroupPartialCommit(t *testing.T) {
	for _, tc := range []struct {
		name      string
		addOrder  bool          // Add the order itself, not only by cascade
		wantState session.State // the order's after the partial commit
	}{
		{"order added", true, session.Pending},
		{"order by cascade", false, session.Transient},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachGroupPair(t, func(t *testing.T, m mgSetup) {
				if !m.deferredFK {
					t.Skip("no deferred constraint on this server; see TestMultiGroupLostConnection")
				}
				testPartialCommit(t, m, tc.addOrder, tc.wantState)
			})
		})
	}
}

func testPartialCommit(t *testing.T, m mgSetup, addOrder bool, wantState session.State) {
	ctx := context.Background()
	s := m.newSession(t, true)
	old := &MgOrder{Item: "old", UserID: 1}
	if err := s.Add(old); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	old.Item = "changed"
	ref := int64(999) // no such row in mg_refs: the deferred key fails at COMMIT
	u := &MgUser{Name: "ada"}
	o := &MgOrder{Item: "lamp", RefID: &ref}
	u.Orders = []*MgOrder{o}
	objs := []any{u}
	if addOrder {
		objs = append(objs, o)
	}
	if err := s.Add(objs...); err != nil {
		t.Fatal(err)
	}
	err := s.Commit(ctx)
	var pe *session.PartialCommitError
	if !errors.As(err, &pe) {
		t.Fatalf("commit: %v, want a *session.PartialCommitError", err)
	}
	wantGroups(t, "committed", pe.Committed, []string{"users"})
	wantGroups(t, "rolled back", pe.RolledBack, []string{"orders"})
	wantGroups(t, "unknown", pe.Unknown, nil)
	if errors.Is(err, athanor.ErrOutcomeUnknown) {
		t.Fatalf("a refused COMMIT reported as unknown: %v", err)
	}
	var item string
	if err := m.orders.QueryRow(ctx, core.Raw("SELECT item FROM mg_orders").ReadOnly()).Scan(&item); err != nil {
		t.Fatal(err)
	}
	if nu, no := m.count(t, m.users, "mg_users"), m.count(t, m.orders, "mg_orders"); nu != 1 || no != 1 || item != "old" {
		t.Fatalf("databases hold %d users and %d orders (%q), want 1 and the old one as reported", nu, no, item)
	}
	if st := s.StateOf(u); st != session.Persistent || u.ID == 0 {
		t.Fatalf("user is %v with key %d, want persistent with its key", st, u.ID)
	}
	if st := s.StateOf(o); st != wantState || o.ID != 0 {
		t.Fatalf("order is %v with key %d, want %v with no key", st, o.ID, wantState)
	}
	if st := s.StateOf(old); st != session.Persistent || old.Item != "changed" {
		t.Fatalf("changed order is %v, item %q: want persistent with its change kept", st, old.Item)
	}
	if m.name != "sqlite" {
		wantGroups(t, "token groups", s.Token().Groups(), []string{"orders", "users"}) // orders: the first commit's
		wantGroups(t, "error token groups", pe.Token.Groups(), []string{"users"})
	}
	// Fixed, the second commit writes the orders alone.
	o.RefID = nil
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	var uid int64
	if err := m.orders.QueryRow(ctx, core.Raw("SELECT user_id FROM mg_orders WHERE item = ?", "lamp").ReadOnly()).Scan(&uid); err != nil {
		t.Fatal(err)
	}
	if err := m.orders.QueryRow(ctx, core.Raw("SELECT item FROM mg_orders WHERE id = ?", old.ID).ReadOnly()).Scan(&item); err != nil {
		t.Fatal(err)
	}
	if nu := m.count(t, m.users, "mg_users"); nu != 1 || uid != u.ID || item != "changed" {
		t.Fatalf("after the second commit: %d users, the order's user_id %d, the changed order %q; want 1, %d, changed", nu, uid, item, u.ID)
	}
	if st := s.StateOf(o); st != session.Persistent {
		t.Fatalf("order is %v after the second commit, want persistent", st)
	}
}

// (b, c) The orders group's connection is ended before COMMIT: the users
// group committed, the orders group did not (rolled back, or of unknown
// outcome when the COMMIT's answer was lost; either way the report and
// the database agree), and the orders' objects follow the report.
func TestMultiGroupLostConnection(t *testing.T) {
	eachGroupPair(t, func(t *testing.T, m mgSetup) {
		if m.backendID == "" {
			t.Skip("no connection to end on SQLite")
		}
		ctx := context.Background()
		s := m.newSession(t, true)
		if _, err := s.Begin(ctx); err != nil {
			t.Fatal(err)
		}
		u := &MgUser{Name: "ada"}
		o := &MgOrder{Item: "lamp", User: u}
		if err := s.Add(o); err != nil {
			t.Fatal(err)
		}
		if err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		// The orders group's connection, asked in its transaction.
		var id int64
		err := s.QueryFunc(ctx, core.Raw(m.backendID).Touches("mg_orders").ReadOnly(), func(rows *engine.Rows) error {
			for rows.Next() {
				if err := rows.Scan(&id); err != nil {
					return err
				}
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.orders.Exec(ctx, core.Raw(m.kill, id)); err != nil {
			t.Fatal(err)
		}
		err = s.Commit(ctx)
		var pe *session.PartialCommitError
		if !errors.As(err, &pe) {
			t.Fatalf("commit: %v, want a *session.PartialCommitError", err)
		}
		t.Logf("commit: %v", err)
		wantGroups(t, "committed", pe.Committed, []string{"users"})
		if nu, no := m.count(t, m.users, "mg_users"), m.count(t, m.orders, "mg_orders"); nu != 1 || no != 0 {
			t.Fatalf("databases hold %d users and %d orders, want 1 and 0", nu, no)
		}
		if st := s.StateOf(u); st != session.Persistent {
			t.Fatalf("user is %v, want persistent", st)
		}
		switch {
		case slices.Equal(pe.Unknown, []string{"orders"}) && len(pe.RolledBack) == 0:
			if !errors.Is(err, athanor.ErrOutcomeUnknown) {
				t.Fatalf("unknown outcome not matching athanor.ErrOutcomeUnknown: %v", err)
			}
			// The order leaves the session: committing again must not insert it twice.
			if st := s.StateOf(o); st != session.Transient {
				t.Fatalf("order is %v after an unknown outcome, want transient", st)
			}
		case slices.Equal(pe.RolledBack, []string{"orders"}) && len(pe.Unknown) == 0:
			if st := s.StateOf(o); st != session.Pending {
				t.Fatalf("order is %v after its group rolled back, want pending", st)
			}
		default:
			t.Fatalf("report: rolled back %q, unknown %q; want orders in one of them", pe.RolledBack, pe.Unknown)
		}
	})
}

// (d) Reads in the session's transaction run in the transaction of their
// table's group and see its uncommitted writes; outside, nothing shows
// until Commit.
func TestMultiGroupReadsInTransaction(t *testing.T) {
	eachGroupPair(t, func(t *testing.T, m mgSetup) {
		ctx := context.Background()
		s := m.newSession(t, true)
		if _, err := s.Begin(ctx); err != nil {
			t.Fatal(err)
		}
		u := &MgUser{Name: "ada", Orders: []*MgOrder{{Item: "lamp"}, {Item: "desk"}}}
		if err := s.Add(u); err != nil {
			t.Fatal(err)
		}
		// The query autoflushes, then reads in the orders transaction.
		got, err := session.Query[MgOrder](s).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if u.ID == 0 || len(got) != 2 || got[0].UserID != u.ID {
			t.Fatalf("query in the transaction found %d orders (user %d), want 2 of user %d", len(got), got[0].UserID, u.ID)
		}
		var n int64
		if err := s.QueryFunc(ctx, core.Raw("SELECT COUNT(*) FROM mg_users").Touches("mg_users").ReadOnly(), func(rows *engine.Rows) error {
			for rows.Next() {
				if err := rows.Scan(&n); err != nil {
					return err
				}
			}
			return rows.Err()
		}); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("count in the users transaction = %d, want 1", n)
		}
		if m.name != "sqlite" { // SQLite's writer holds the file: no outside read to compare
			if nu, no := m.count(t, m.users, "mg_users"), m.count(t, m.orders, "mg_orders"); nu != 0 || no != 0 {
				t.Fatalf("outside the transactions: %d users, %d orders, want none yet", nu, no)
			}
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if nu, no := m.count(t, m.users, "mg_users"), m.count(t, m.orders, "mg_orders"); nu != 1 || no != 2 {
			t.Fatalf("after commit: %d users, %d orders, want 1 and 2", nu, no)
		}
	})
}

// Without Options.MultiGroup a write to a second group is refused before
// it is sent; writes to one group, even not the default, commit.
func TestSingleGroupRefusesSecondGroup(t *testing.T) {
	eachGroupPair(t, func(t *testing.T, m mgSetup) {
		ctx := context.Background()
		s := m.newSession(t, false)
		u := &MgUser{Name: "ada", Orders: []*MgOrder{{Item: "lamp"}}}
		if err := s.Add(u); err != nil {
			t.Fatal(err)
		}
		err := s.Commit(ctx)
		if !errors.Is(err, session.ErrMultiGroup) || !errors.Is(err, router.ErrCrossGroup) {
			t.Fatalf("commit over two groups: %v, want ErrMultiGroup (an ErrCrossGroup)", err)
		}
		if nu, no := m.count(t, m.users, "mg_users"), m.count(t, m.orders, "mg_orders"); nu != 0 || no != 0 {
			t.Fatalf("refused commit left %d users, %d orders", nu, no)
		}
		if st := s.StateOf(u); st != session.Pending || u.ID != 0 {
			t.Fatalf("user is %v with key %d after the refusal, want pending without key", st, u.ID)
		}
		// A multi-statement flush in the orders group alone.
		s2 := m.newSession(t, false)
		for _, item := range []string{"a", "b", "c"} {
			if err := s2.Add(&MgOrder{Item: item, UserID: 7}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s2.Begin(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s2.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if no := m.count(t, m.orders, "mg_orders"); no != 3 {
			t.Fatalf("orders database holds %d orders, want 3", no)
		}
	})
}

// A savepoint spans the groups: rolling it back undoes its writes in
// each; a group first written inside it is rolled back whole and begins
// again when next used; the enclosing transaction commits what it kept.
func TestMultiGroupSavepoint(t *testing.T) {
	eachGroupPair(t, func(t *testing.T, m mgSetup) {
		ctx := context.Background()
		s := m.newSession(t, true)
		if _, err := s.Begin(ctx); err != nil {
			t.Fatal(err)
		}
		u := &MgUser{Name: "ada"}
		if err := s.Add(u); err != nil {
			t.Fatal(err)
		}
		sp, err := s.Begin(ctx) // flushes the user, then a savepoint
		if err != nil {
			t.Fatal(err)
		}
		u2 := &MgUser{Name: "bob"}
		o := &MgOrder{Item: "lamp", User: u}
		if err := s.Add(u2, o); err != nil {
			t.Fatal(err)
		}
		if err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if err := sp.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		for _, obj := range []any{u2, o} {
			if st := s.StateOf(obj); st != session.Pending {
				t.Fatalf("%T is %v after the savepoint's rollback, want pending", obj, st)
			}
		}
		if o.ID != 0 || u2.ID != 0 || u.ID == 0 {
			t.Fatalf("keys after the savepoint's rollback: user %d, bob %d, order %d; want only the user's", u.ID, u2.ID, o.ID)
		}
		inTx := func(table string) int64 {
			t.Helper()
			var n int64
			err := s.QueryFunc(ctx, core.Raw("SELECT COUNT(*) FROM "+table).Touches(table).ReadOnly(), func(rows *engine.Rows) error {
				for rows.Next() {
					if err := rows.Scan(&n); err != nil {
						return err
					}
				}
				return rows.Err()
			})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		s.Expunge(u2, o) // out of the autoflush of the counts below
		if nu, no := inTx("mg_users"), inTx("mg_orders"); nu != 1 || no != 0 {
			t.Fatalf("in the transaction after the savepoint's rollback: %d users, %d orders; want 1 and 0", nu, no)
		}
		if err := s.Add(u2, o); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if nu, no := m.count(t, m.users, "mg_users"), m.count(t, m.orders, "mg_orders"); nu != 2 || no != 1 {
			t.Fatalf("after commit: %d users, %d orders, want 2 and 1", nu, no)
		}
	})
}

// RunInTx never retries after a partial commit.
func TestRunInTxNoRetryAfterPartialCommit(t *testing.T) {
	eachGroupPair(t, func(t *testing.T, m mgSetup) {
		if !m.deferredFK {
			t.Skip("no deferred constraint on this server")
		}
		ctx := context.Background()
		s := m.newSession(t, true)
		calls := 0
		err := s.RunInTx(ctx, func(ctx context.Context, s *session.Session) error {
			calls++
			ref := int64(999)
			u := &MgUser{Name: "ada", Orders: []*MgOrder{{Item: "lamp", RefID: &ref}}}
			return s.Add(u)
		}, session.TxOptions{})
		var pe *session.PartialCommitError
		if !errors.As(err, &pe) || calls != 1 {
			t.Fatalf("RunInTx: %v after %d calls, want a partial commit after 1", err, calls)
		}
		if nu := m.count(t, m.users, "mg_users"); nu != 1 {
			t.Fatalf("users database holds %d users, want 1", nu)
		}
	})
}

// A cycle of models across groups is refused as any cycle is, naming the
// models, before anything is sent.
type MgCycA struct {
	_   struct{} `athanor:",table:mg_cyc_a,bind:users"`
	ID  int64
	BID *int64
	B   *MgCycB
}

type MgCycB struct {
	_   struct{} `athanor:",table:mg_cyc_b,bind:orders"`
	ID  int64
	AID *int64
	A   *MgCycA
}

func TestMultiGroupCycleRefused(t *testing.T) {
	ctx := context.Background()
	reg := mapper.NewRegistry()
	if _, err := mapper.RegisterIn[MgCycA](reg); err != nil {
		t.Fatal(err)
	}
	var groups []router.GroupConfig
	for _, name := range []string{"users", "orders"} {
		db, err := engine.Open(ctx, "sqlite://"+testdb.SQLite(t))
		if err != nil {
			t.Fatal(err)
		}
		groups = append(groups, router.GroupConfig{Name: name, Primary: db})
	}
	r, err := router.New(router.Config{Groups: groups, Binds: reg.Binds()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	s := session.New(r, session.Options{Registry: reg, MultiGroup: true})
	t.Cleanup(func() { s.Close(ctx) })
	a := &MgCycA{B: &MgCycB{}}
	if err := s.Add(a, a.B); err != nil {
		t.Fatal(err)
	}
	err = s.Commit(ctx)
	if err == nil || !strings.Contains(err.Error(), "cycle") || !strings.Contains(err.Error(), "MgCycA") {
		t.Fatalf("commit of a cycle across groups: %v, want the cycle named", err)
	}
	if st := s.StateOf(a); st != session.Pending {
		t.Fatalf("object is %v after the refusal, want pending", st)
	}
}

// Reads from many goroutines in one multi-group transaction begin each
// group's transaction once and all see its writes (run with -race).
func TestMultiGroupConcurrentReads(t *testing.T) {
	eachGroupPair(t, func(t *testing.T, m mgSetup) {
		ctx := context.Background()
		s := m.newSession(t, true)
		if _, err := s.Begin(ctx); err != nil {
			t.Fatal(err)
		}
		u := &MgUser{Name: "ada", Orders: []*MgOrder{{Item: "lamp"}}}
		if err := s.Add(u); err != nil {
			t.Fatal(err)
		}
		if err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		errs := make(chan error, 16)
		for i := range 16 {
			go func() {
				var err error
				if i%2 == 0 {
					var us []*MgUser
					us, err = session.Query[MgUser](s).All(ctx)
					if err == nil && len(us) != 1 {
						err = errors.New("users read outside the users transaction")
					}
				} else {
					var os []*MgOrder
					os, err = session.Query[MgOrder](s).All(ctx)
					if err == nil && len(os) != 1 {
						err = errors.New("orders read outside the orders transaction")
					}
				}
				errs <- err
			}()
		}
		for range 16 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
