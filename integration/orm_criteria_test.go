package integration_test

// Relationship criteria (issue 19: Any, Has, Contains as EXISTS) on
// PostgreSQL, MariaDB and SQLite, on a composite-key fixture (a shelf
// keyed by store and code, its items, its slots keyed by row and column,
// its one-to-one sign)
// and a self-referencing hierarchy.
// Every answer is compared with hand-written SQL on the plain driver. The
// Chinook questions are in conformance/q_criteria_test.go.

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

type rcShelf struct {
	_     struct{}  `athanor:",table:rc_shelves"`
	Store string    `athanor:",pk,size:20"`
	Code  int64     `athanor:",pk"`
	Label string    `athanor:",size:50"`
	Items []*rcItem `athanor:",fk:store+code,backref:Shelf"`
	Slots []*rcSlot `athanor:",fk:store+code"`
	Sign  *rcSign   `athanor:",rel:one-to-one,fk:store+code"`
}

// rcSign is a shelf's one-to-one, its key on the sign.
type rcSign struct {
	_     struct{} `athanor:",table:rc_signs"`
	ID    int64    `athanor:",pk"`
	Store string   `athanor:",size:20"`
	Code  int64
	Text  string `athanor:",size:50"`
}

type rcItem struct {
	_     struct{} `athanor:",table:rc_items"`
	ID    int64    `athanor:",pk"`
	Store *string  `athanor:",size:20"`
	Code  *int64
	Shelf *rcShelf `athanor:",fk:store+code"`
	Name  string   `athanor:",size:50"`
}

// rcSlot has a composite key of its own: Contains compares both columns.
type rcSlot struct {
	_     struct{} `athanor:",table:rc_slots"`
	Row   string   `athanor:",pk,size:5"`
	Col   int64    `athanor:",pk"`
	Store string   `athanor:",size:20"`
	Code  int64
	Color string `athanor:",size:10"`
}

type rcEmployee struct {
	_         struct{} `athanor:",table:rc_employees"`
	ID        int64    `athanor:",pk"`
	LastName  string   `athanor:",size:50"`
	ReportsTo *int64
	Manager   *rcEmployee   `athanor:",fk:reports_to"`
	Reports   []*rcEmployee `athanor:",fk:reports_to,backref:Manager"`
}

func eachCriteriaDB(t *testing.T, body func(t *testing.T, e joinEnv)) {
	kinds := []struct {
		name string
		open func(t *testing.T) (string, coreDB)
	}{
		{"postgres", func(t *testing.T) (string, coreDB) {
			c := testdb.PG(t)
			conn, err := testdb.ConnectPG(context.Background(), c.Primary)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { conn.Close(context.Background()) })
			return c.Primary.URL(), pgDB{conn: conn}
		}},
		{"mariadb", func(t *testing.T) (string, coreDB) {
			c := testdb.MySQL(t)
			db, err := testdb.OpenMySQL(c.Primary)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return c.Primary.URL(), sqlDB{db: db}
		}},
		{"sqlite", func(t *testing.T) (string, coreDB) {
			path := testdb.SQLite(t)
			db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return "sqlite://" + path, sqlDB{db: db}
		}},
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			dsn, plain := k.open(t)
			db, log := openORM(t, dsn)
			reg := mapper.NewRegistry()
			for _, f := range []func(*mapper.Registry) (*mapper.Model, error){
				mapper.RegisterIn[rcShelf], mapper.RegisterIn[rcEmployee],
			} {
				if _, err := f(reg); err != nil {
					t.Fatal(err)
				}
			}
			createORMSchema(t, db, reg)
			e := joinEnv{ormEnv: ormEnv{name: k.name, db: db, reg: reg, log: log}, plain: plain}
			seedCriteria(t, e)
			log.reset()
			body(t, e)
		})
	}
}

// seedCriteria writes shelves in two stores with the same codes (so a
// correlation on one key column alone would be wrong), items, one without
// a shelf, slots whose keys share rows and columns, and an employee
// hierarchy.
func seedCriteria(t *testing.T, e joinEnv) {
	t.Helper()
	s := e.session(session.Options{})
	items := func(names ...string) []*rcItem {
		var out []*rcItem
		for _, n := range names {
			out = append(out, &rcItem{Name: n})
		}
		return out
	}
	slot := func(row string, col int64, color string) *rcSlot { return &rcSlot{Row: row, Col: col, Color: color} }
	if err := s.Add(
		&rcShelf{Store: "north", Code: 1, Label: "n1", Items: items("apple", "pear"), Slots: []*rcSlot{slot("a", 1, "red"), slot("a", 2, "blue")}},
		&rcShelf{Store: "north", Code: 2, Label: "n2", Items: items("pear"), Sign: &rcSign{Text: "sale"}},
		&rcShelf{Store: "south", Code: 1, Label: "s1", Items: items("plum", "apple", "fig"), Slots: []*rcSlot{slot("b", 1, "blue")}},
		&rcShelf{Store: "south", Code: 2, Label: "s2", Sign: &rcSign{Text: "new"}, Slots: []*rcSlot{slot("a", 3, "red"), slot("b", 2, "green")}},
		&rcItem{Name: "loose"},
	); err != nil {
		t.Fatal(err)
	}
	adams := &rcEmployee{LastName: "Adams"}
	edwards := &rcEmployee{LastName: "Edwards", Manager: adams}
	mitchell := &rcEmployee{LastName: "Mitchell", Manager: adams}
	if err := s.Add(adams, edwards, mitchell,
		&rcEmployee{LastName: "Peacock", Manager: edwards},
		&rcEmployee{LastName: "Park", Manager: edwards},
		&rcEmployee{LastName: "Morgan", Manager: mitchell},
		&rcEmployee{LastName: "Loner"},
	); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func shelfLabels(ss []*rcShelf) []string {
	out := make([]string, len(ss))
	for i, x := range ss {
		out[i] = x.Label
	}
	return out
}

// existsSent fails unless every SELECT sent since the last reset has
// exactly n EXISTS and binds its values (no literal 'apple' or the like
// in the text).
func existsSent(t *testing.T, e joinEnv, n int, literals ...string) {
	t.Helper()
	sent := e.log.with("SELECT")
	if len(sent) == 0 {
		t.Fatal("no SELECT sent")
	}
	for _, s := range sent {
		if got := strings.Count(s, "EXISTS ("); got != n {
			t.Fatalf("%d EXISTS in %s, want %d", got, s, n)
		}
		for _, l := range literals {
			if strings.Contains(s, l) {
				t.Fatalf("value %s written into the SQL: %s", l, s)
			}
		}
	}
	e.log.reset()
}

func TestORMCriteriaCompositeKeys(t *testing.T) {
	eachCriteriaDB(t, func(t *testing.T, e joinEnv) {
		ctx := context.Background()
		s := e.session(session.Options{})
		q := session.Query[rcShelf](s).OrderBy("Store", "Code")
		it := q.Related("Items")
		sl := q.Related("Slots")
		run := func(what string, q *session.QueryOf[rcShelf], oracle string, literals ...string) {
			t.Helper()
			got, err := q.All(ctx)
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			existsSent(t, e, 1, literals...)
			sameRows(t, what, shelfLabels(got), e.oracle(t, oracle))
		}
		run("any item", q.Where(q.Any("Items", core.Eq(it.C("Name"), "apple"))),
			`SELECT label FROM rc_shelves s WHERE EXISTS (SELECT 1 FROM rc_items i WHERE i.store = s.store AND i.code = s.code AND i.name = 'apple') ORDER BY store, code`, "'apple'")
		run("no items", q.Where(core.Not(q.Any("Items"))),
			`SELECT label FROM rc_shelves s WHERE NOT EXISTS (SELECT 1 FROM rc_items i WHERE i.store = s.store AND i.code = s.code) ORDER BY store, code`)
		run("any slot", q.Where(q.Any("Slots", core.Eq(sl.C("Color"), "red"))),
			`SELECT label FROM rc_shelves s WHERE EXISTS (SELECT 1 FROM rc_slots x WHERE x.store = s.store AND x.code = s.code AND x.color = 'red') ORDER BY store, code`, "'red'")
		// Slot (b, 1) is on s1; (a, 1) and (b, 2) exist too, so a key
		// compared on one column would match more.
		run("contains a slot by its composite key", q.Where(q.Contains("Slots", &rcSlot{Row: "b", Col: 1})),
			`SELECT label FROM rc_shelves s WHERE EXISTS (SELECT 1 FROM rc_slots x WHERE x.store = s.store AND x.code = s.code AND x.row = 'b' AND x.col = 1) ORDER BY store, code`, "'b'")
		run("has a sign (one-to-one)", q.Where(q.Has("Sign", core.Eq(q.Related("Sign").C("Text"), "sale"))),
			`SELECT label FROM rc_shelves s WHERE EXISTS (SELECT 1 FROM rc_signs x WHERE x.store = s.store AND x.code = s.code AND x.text = 'sale') ORDER BY store, code`, "'sale'")
		run("no sign", q.Where(core.Not(q.Has("Sign"))),
			`SELECT label FROM rc_shelves s WHERE NOT EXISTS (SELECT 1 FROM rc_signs x WHERE x.store = s.store AND x.code = s.code) ORDER BY store, code`)
		if n, err := q.Where(q.Any("Items"), q.Any("Slots")).Count(ctx); err != nil || n != 2 {
			t.Fatalf("count: %d %v", n, err)
		}
		e.log.reset()
		// Items whose shelf is in the north, and items of no shelf.
		iq := session.Query[rcItem](s).OrderBy("ID")
		sh := iq.Related("Shelf")
		items, err := iq.Where(iq.Has("Shelf", core.Eq(sh.C("Store"), "north"))).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		existsSent(t, e, 1, "'north'")
		var ids []string
		for _, x := range items {
			ids = append(ids, fmt.Sprint(x.ID))
		}
		sameRows(t, "has shelf", ids, e.oracle(t,
			`SELECT i.id FROM rc_items i WHERE EXISTS (SELECT 1 FROM rc_shelves s WHERE s.store = i.store AND s.code = i.code AND s.store = 'north') ORDER BY i.id`))
		loose, err := iq.Where(core.Not(iq.Has("Shelf"))).All(ctx)
		if err != nil || len(loose) != 1 || loose[0].Name != "loose" {
			t.Fatalf("no shelf: %v %v", loose, err)
		}
		// The shelf of an item, by the item: Contains through one-to-many
		// with the item's key.
		got, err := q.Where(q.Contains("Items", items[0])).All(ctx)
		if err != nil || len(got) != 1 || got[0].Label != "n1" {
			t.Fatalf("contains item: %v %v", got, err)
		}
	})
}

func TestORMCriteriaSelfReference(t *testing.T) {
	eachCriteriaDB(t, func(t *testing.T, e joinEnv) {
		ctx := context.Background()
		s := e.session(session.Options{})
		q := session.Query[rcEmployee](s).OrderBy("LastName")
		nested := 1
		names := func(what string, q *session.QueryOf[rcEmployee], oracle string, literals ...string) {
			t.Helper()
			got, err := q.All(ctx)
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			existsSent(t, e, nested, literals...)
			sameRows(t, what, employeeNamesRC(got), e.oracle(t, oracle))
		}
		rep := q.Related("Reports")
		mgr := q.Related("Manager")
		names("with reports", q.Where(q.Any("Reports")),
			`SELECT last_name FROM rc_employees m WHERE EXISTS (SELECT 1 FROM rc_employees r WHERE r.reports_to = m.id) ORDER BY last_name`)
		names("without reports", q.Where(core.Not(q.Any("Reports"))),
			`SELECT last_name FROM rc_employees m WHERE NOT EXISTS (SELECT 1 FROM rc_employees r WHERE r.reports_to = m.id) ORDER BY last_name`)
		names("a report named P…", q.Where(q.Any("Reports", core.Like(rep.C("LastName"), "P%"))),
			`SELECT last_name FROM rc_employees m WHERE EXISTS (SELECT 1 FROM rc_employees r WHERE r.reports_to = m.id AND r.last_name LIKE 'P%') ORDER BY last_name`, "'P%'")
		names("managed by Adams", q.Where(q.Has("Manager", core.Eq(mgr.C("LastName"), "Adams"))),
			`SELECT e.last_name FROM rc_employees e JOIN rc_employees m ON m.id = e.reports_to WHERE m.last_name = 'Adams' ORDER BY e.last_name`, "'Adams'")
		names("no manager (NULL foreign key)", q.Where(core.Not(q.Has("Manager"))),
			`SELECT last_name FROM rc_employees WHERE reports_to IS NULL ORDER BY last_name`)
		names("grand-reports", q.Where(q.Any("Reports.Reports")),
			`SELECT last_name FROM rc_employees a WHERE EXISTS (SELECT 1 FROM rc_employees b JOIN rc_employees c ON c.reports_to = b.id WHERE b.reports_to = a.id) ORDER BY last_name`)
		// Nested criteria: a manager with a report who has a report named
		// Morgan; and the outer table's column inside the subquery.
		rr := rep.Related("Reports")
		nested = 2
		names("nested", q.Where(rep.Any(rr.Any(core.Eq(rr.C("LastName"), "Morgan")))),
			`SELECT last_name FROM rc_employees a WHERE EXISTS (SELECT 1 FROM rc_employees b JOIN rc_employees c ON c.reports_to = b.id WHERE b.reports_to = a.id AND c.last_name = 'Morgan') ORDER BY last_name`)
		nested = 1
		names("a report sharing the manager's initial", q.Where(q.Any("Reports", core.Eq(core.Func("SUBSTR", rep.C("LastName"), 1, 1), core.Func("SUBSTR", q.C("LastName"), 1, 1)))),
			`SELECT last_name FROM rc_employees m WHERE EXISTS (SELECT 1 FROM rc_employees r WHERE r.reports_to = m.id AND SUBSTR(r.last_name, 1, 1) = SUBSTR(m.last_name, 1, 1)) ORDER BY last_name`)
		// With a Join of the same path: the join's alias and the
		// criterion's do not collide.
		jq := q.Join("Reports")
		names("join and any", jq.Where(core.Eq(jq.C("Reports.LastName"), "Park"), jq.Any("Reports", core.Eq(rep.C("LastName"), "Peacock"))),
			`SELECT last_name FROM rc_employees WHERE last_name = 'Edwards'`)
		// A path longer than PostgreSQL's identifier limit: its aliases are
		// shortened distinctly, not truncated into one.
		long := strings.TrimSuffix(strings.Repeat("Manager.", 12), ".")
		names("long path", q.Where(core.Not(q.Has(long))),
			`SELECT last_name FROM rc_employees ORDER BY last_name`)
		if ok, err := q.Where(q.Has("Manager.Manager", core.Eq(q.Related("Manager.Manager").C("LastName"), "Edwards"))).Exists(ctx); err != nil || ok {
			t.Fatalf("exists: %v %v", ok, err)
		}
		if n, err := q.Where(q.Has("Manager.Manager")).Count(ctx); err != nil || n != 3 {
			t.Fatalf("count: %d %v", n, err)
		}
	})
}

func employeeNamesRC(es []*rcEmployee) []string {
	out := make([]string, len(es))
	for i, x := range es {
		out[i] = x.LastName
	}
	return out
}
