package session_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

// TestEagerLoadAllocs pins the allocations of an eager load on
// PostgreSQL, authors → books → tags (many-to-many): what a load costs is
// the objects it builds, not the rows it reads. Rows whose object the
// session holds already (a tag met again) build nothing and allocate
// nothing, and collections are sized, not grown.
func TestEagerLoadAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	ctx := context.Background()
	db := openPG(t)
	reg := schema(t, db, mapper.RegisterIn[Author])
	// Two groups of 10 authors with 5 books each; every book has 3 of the
	// same 6 tags in the first group and all 6 in the second: the same
	// objects (10 + 50 + 6), from 150 or 300 tag rows.
	s := session.New(session.DB(db), session.Options{Registry: reg})
	tags := make([]*Tag, 6)
	for i := range tags {
		tags[i] = &Tag{Name: fmt.Sprint("tag ", i)}
	}
	for g, perBook := range []int{3, 6} {
		for a := range 10 {
			au := &Author{Name: fmt.Sprint("author ", g, a)}
			for b := range 5 {
				au.Books = append(au.Books, &Book{Title: fmt.Sprint("book ", g, a, b), Author: au, Tags: tags[:perBook]})
			}
			if err := s.Add(au); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	am, err := reg.Of(reflectType(Author{}))
	if err != nil {
		t.Fatal(err)
	}
	load := func(group int) func() {
		lo, hi := int64(group*10+1), int64(group*10+10)
		return func() {
			s := session.New(session.DB(db), session.Options{Registry: reg})
			as, err := session.Query[Author](s).
				Where(core.Ge(am.Table().C("id"), lo), core.Le(am.Table().C("id"), hi)).
				Options(loader.SelectIn("Books", loader.SelectIn("Tags"))).
				All(ctx)
			if err != nil || len(as) != 10 || len(as[9].Books) != 5 || len(as[9].Books[4].Tags) != 3*(group+1) {
				t.Fatalf("group %d: %d authors, %v", group, len(as), err)
			}
		}
	}
	for range 8 { // connections, prepared statements, caches
		load(0)()
		load(1)()
	}
	few := testing.AllocsPerRun(20, load(0))
	many := testing.AllocsPerRun(20, load(1))
	t.Logf("66 objects from 150 tag rows: %v allocations; from 300: %v", few, many)
	// Per object built (about 3.6, measured 240 in all): its string,
	// its share of its model's identity map, of its object slab and of
	// the slab of entries with their snapshots, and for the 60 owners
	// their share of the loaded-collection records; plus some per
	// statement. The object set's table is not made: relationship loading
	// finds owners' entries through the identity map, leaving the loaded
	// objects unindexed by address.
	maxFew := 240.0
	if testdb.ViaPgBouncer() {
		// Through PgBouncer no statement is prepared: pgx describes each
		// of the three before it runs (measured 250).
		maxFew += 10
	}
	if few > maxFew {
		t.Errorf("the load allocates %v times, want at most %v", few, maxFew)
	}
	// 150 more rows, no more objects: at most a few more allocations
	// (buffers sized for more rows), never one per row.
	if many-few > 15 {
		t.Errorf("150 more tag rows for the same objects cost %v more allocations, want at most 15", many-few)
	}
}

// TestGetAllocs pins what a request's lookup by key costs on PostgreSQL:
// a fresh session and Get of one object, about what pgx itself allocates
// for the query. The rows, their row function and the result list are
// pooled, the first entry of the identity map and object set is held
// inline, and the object and its entry are one allocation each.
func TestGetAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	ctx := context.Background()
	db := openPG(t)
	reg := schema(t, db, mapper.RegisterIn[Author])
	s := session.New(session.DB(db), session.Options{Registry: reg})
	au := &Author{Name: "someone"}
	if err := s.Add(au); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	get := func() {
		s := session.New(session.DB(db), session.Options{Registry: reg})
		got, err := session.Get[Author](ctx, s, au.ID)
		if err != nil || got.Name != "someone" {
			t.Fatalf("get: %+v, %v", got, err)
		}
	}
	for range 5 {
		get()
	}
	// Measured 10: the session, the statement and its condition, the
	// object, its entry, its string, and pgx's 4 for the query.
	if n := testing.AllocsPerRun(50, get); n > 10 {
		t.Errorf("Get in a fresh session allocates %v times, want at most 10", n)
	}
}

// TestQueryAllocs pins what a request's query of 100 objects costs on
// PostgreSQL, in a fresh session: per row the object's string (pgx's), and
// shares of the object and entry slabs; per query the identity map's one
// table, sized from the LIMIT (and its list of tables), and a few for the
// statement and pgx. The identity map makes no map per shard.
func TestQueryAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	ctx := context.Background()
	db := openPG(t)
	reg := schema(t, db, mapper.RegisterIn[Author])
	s := session.New(session.DB(db), session.Options{Registry: reg})
	for i := range 100 {
		if err := s.Add(&Author{Name: fmt.Sprint("author ", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	query := func() {
		s := session.New(session.DB(db), session.Options{Registry: reg})
		q := session.Query[Author](s)
		as, err := q.Where(core.Gt(q.C("ID"), 0)).Limit(100).All(ctx)
		if err != nil || len(as) != 100 {
			t.Fatalf("query: %d authors, %v", len(as), err)
		}
	}
	for range 5 {
		query()
	}
	// Measured 114 (116 through PgBouncer, where pgx describes the
	// statement before it runs): the slabs take one array each for 100
	// expected rows.
	n := testing.AllocsPerRun(20, query)
	if n > 100+16 {
		t.Errorf("a query of 100 objects in a fresh session allocates %v times, want at most %d", n, 100+16)
	}
}

// TestInsertAllocs pins what a unit of work costs to insert on
// PostgreSQL: a fresh session, Add and Commit of one object or of 100, in
// one INSERT … RETURNING. Per object: its entry's and its snapshot's share
// of a slab; per statement a fixed few (plan, statement, pgx).
func TestInsertAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	ctx := context.Background()
	db := openPG(t)
	reg := schema(t, db, mapper.RegisterIn[overheadRow])
	rows := make([]overheadRow, 100)
	insert := func(n int) func() {
		return func() {
			s := session.New(session.DB(db), session.Options{Registry: reg})
			for i := range rows[:n] {
				rows[i] = newOverheadRow()
				if err := s.Add(&rows[i]); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Commit(ctx); err != nil || rows[n-1].ID == 0 {
				t.Fatalf("commit: %v (id %d)", err, rows[n-1].ID)
			}
		}
	}
	for range 5 {
		insert(1)()
		insert(100)()
	}
	one, hundred := testing.AllocsPerRun(20, insert(1)), testing.AllocsPerRun(20, insert(100))
	t.Logf("insert of 1 object: %v allocations; of 100: %v", one, hundred)
	// Measured 6 and 70 (the bound leaves one to spare): entries and
	// snapshots come from slabs (a session's first entry in one block
	// with its first snapshot and its first flush's context, see
	// firstwrite.go), the object set's table grows by doubling (5 arrays
	// for 100), and the identity map takes the new rows at once, its
	// table grown once, so 100
	// objects cost little more than pgx's own work for 7 array arguments
	// (the batch goes as INSERT … SELECT unnest, whose expression nodes,
	// five per column, are most of the rest; the arrays are encoded
	// straight from the snapshots, see snapRows); the flush's list of inserts shares
	// the array of the session's objects, and the RETURNING rows are
	// read in the typed arrays they were scanned into; a one-object flush keeps its diff, snapshot,
	// RETURNING row, generated integer key and journal entry in the plan,
	// which is pooled and reads
	// RETURNING through its own callback; a one-row INSERT's values
	// point into the snapshot (copied from the stack by the statement).
	maxOne, maxHundred := 6.0, 71.0
	if testdb.ViaPgBouncer() {
		// Through PgBouncer the INSERT is not prepared: pgx describes it
		// before it runs (measured 7 and 72).
		maxOne++
		maxHundred += 2
	}
	if one > maxOne {
		t.Errorf("inserting one object allocates %v times, want at most %v", one, maxOne)
	}
	if hundred > maxHundred {
		t.Errorf("inserting 100 objects allocates %v times, want at most %v", hundred, maxHundred)
	}
}

// TestUpdateAllocs pins the commit of one changed field of a loaded
// object on PostgreSQL, a single UPDATE outside a transaction.
func TestUpdateAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	ctx := context.Background()
	db := openPG(t)
	reg := schema(t, db, mapper.RegisterIn[overheadRow])
	s := session.New(session.DB(db), session.Options{Registry: reg})
	r := newOverheadRow()
	if err := s.Add(&r); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	update := func() {
		r.Counter++
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for range 5 {
		update()
	}
	n := testing.AllocsPerRun(50, update)
	t.Logf("commit of one changed field: %v allocations", n)
	var got int64
	if err := db.QueryRow(ctx, core.Raw("SELECT counter FROM overhead_rows WHERE id = ?", r.ID)).Scan(&got); err != nil || got != r.Counter {
		t.Fatalf("counter in the database: %d (%v), want %d", got, err, r.Counter)
	}
	// Measured 9 (also through PgBouncer): the flush's context (marking
	// its own reads; the plan is pooled), the UPDATE (built in one
	// step: the statement, its assignment and condition lists, the key
	// condition), the object's new snapshot, and pgx's for the exec.
	if n > 9 {
		t.Errorf("committing one changed field allocates %v times, want at most 9", n)
	}
}
