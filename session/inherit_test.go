package session_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

// Single-table hierarchy: cars and trucks in ih_vehicles.

type ihVehicle interface{ ihWheels() int }

type ihGarage struct {
	_          struct{} `athanor:",table:ih_garages"`
	ID         int64
	Name       string
	Vehicles   []ihVehicle `athanor:",fk:garage_id"`
	Cars       []*ihCar    `athanor:",fk:garage_id"`
	Favorite   ihVehicle   `athanor:",fk:FavoriteID"`
	FavoriteID *int64
}

type ihVehicleBase struct {
	_        struct{} `athanor:",table:ih_vehicles"`
	ID       int64
	Kind     string `athanor:",discriminator,size:20"`
	Name     string
	GarageID *int64 `athanor:",fk:ih_garages.id"`
}

func (*ihVehicleBase) ihWheels() int { return 0 }

type ihCar struct {
	ihVehicleBase `athanor:",inherit:car"`
	Doors         int
}

func (*ihCar) ihWheels() int { return 4 }

type ihTruck struct {
	ihVehicleBase `athanor:",inherit:truck"`
	Payload       float64
	Axles         *int
}

func (*ihTruck) ihWheels() int { return 6 }

// Joined-table hierarchy: people, with engineers and managers in tables
// of their own.

type ihEmployee interface{ ihTitle() string }

type ihPerson struct {
	_    struct{} `athanor:",table:ih_people"`
	ID   int64
	Type string `athanor:",discriminator:person,size:20"`
	Name string
}

func (p *ihPerson) ihTitle() string { return "person " + p.Name }

type ihEngineer struct {
	ihPerson `athanor:",inherit:engineer,table:ih_engineers"`
	Language string
}

func (e *ihEngineer) ihTitle() string { return "engineer " + e.Name }

type ihManager struct {
	ihPerson `athanor:",inherit:manager,table:ih_managers"`
	Reports  int
	Budget   *float64
}

func (m *ihManager) ihTitle() string { return "manager " + m.Name }

// sqlOf returns the statements of the log that start with one of verbs.
func sqlOf(srv server, verbs ...string) []string {
	var out []string
	for _, q := range srv.log.take() {
		for _, v := range verbs {
			if strings.HasPrefix(q, v) {
				out = append(out, q)
			}
		}
	}
	return out
}

func kinds[I any](vs []I) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = fmt.Sprintf("%T", v)
	}
	return out
}

func TestInheritSingleTable(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := schema(t, srv.db, mapper.RegisterIn[ihGarage], mapper.RegisterIn[ihCar], mapper.RegisterIn[ihTruck])
		s := session.New(session.DB(srv.db), session.Options{Registry: reg})
		t.Cleanup(func() { s.Close(ctx) })
		g := &ihGarage{Name: "north"}
		if err := s.Add(g); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		three := 3
		car := &ihCar{ihVehicleBase: ihVehicleBase{Name: "beetle", GarageID: &g.ID}, Doors: 2}
		car2 := &ihCar{ihVehicleBase: ihVehicleBase{Name: "zoe", GarageID: &g.ID}, Doors: 4}
		truck := &ihTruck{ihVehicleBase: ihVehicleBase{Name: "hauler", GarageID: &g.ID}, Payload: 2.5, Axles: &three}
		if err := s.Add(car, truck, car2); err != nil {
			t.Fatal(err)
		}
		srv.log.take()
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if car.Kind != "car" || truck.Kind != "truck" {
			t.Fatalf("discriminators %q, %q: want car, truck", car.Kind, truck.Kind)
		}
		for _, q := range sqlOf(srv, "INSERT") {
			if !strings.Contains(q, "ih_vehicles") || !strings.Contains(q, "kind") {
				t.Errorf("insert %s: want ih_vehicles with kind", q)
			}
		}
		if car.ID == 0 || truck.ID == 0 || car.ID == truck.ID {
			t.Fatalf("keys %d, %d", car.ID, truck.ID)
		}

		// Query[Sub]: the subtype's rows only, conditions on its columns.
		cars, err := session.Query[ihCar](s).OrderBy("-Doors").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(cars) != 2 || cars[0] != car2 || cars[1] != car {
			t.Fatalf("cars %v: want the two cars, same objects, by doors", cars)
		}
		if n, err := session.Query[ihCar](s).Filter("Doors", 4).Count(ctx); err != nil || n != 1 {
			t.Fatalf("count of 4-door cars %d, %v: want 1", n, err)
		}
		if n, err := session.Query[ihTruck](s).Count(ctx); err != nil || n != 1 {
			t.Fatalf("count of trucks %d, %v: want 1", n, err)
		}
		if _, err := session.Get[ihCar](ctx, s, truck.ID); !errors.Is(err, athanor.ErrNoRows) {
			t.Fatalf("Get[ihCar](truck's key): %v, want ErrNoRows", err)
		}

		// A new session: the polymorphic query builds each row's type.
		s2 := session.New(session.DB(srv.db), session.Options{Registry: reg})
		t.Cleanup(func() { s2.Close(ctx) })
		vs, err := session.QueryPoly[ihVehicle](s2).OrderBy("Name").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := kinds(vs); !slices.Equal(got, []string{"*session_test.ihCar", "*session_test.ihTruck", "*session_test.ihCar"}) {
			t.Fatalf("poly types %v", got)
		}
		if tr := vs[1].(*ihTruck); tr.Payload != 2.5 || tr.Axles == nil || *tr.Axles != 3 || tr.Kind != "truck" {
			t.Fatalf("truck loaded %+v", tr)
		}
		// Identity: Query[Sub] and Get give the objects the poly query built.
		c2, err := session.Get[ihCar](ctx, s2, car.ID)
		if err != nil || c2 != vs[0].(*ihCar) {
			t.Fatalf("Get after poly: %p %v, want %p", c2, err, vs[0])
		}
		trs, err := session.Query[ihTruck](s2).All(ctx)
		if err != nil || len(trs) != 1 || trs[0] != vs[1].(*ihTruck) {
			t.Fatalf("Query[ihTruck] after poly: %v %v", trs, err)
		}
		// Conditions and order on subtype columns, count.
		if vs, err := session.QueryPoly[ihVehicle](s2).Filter("Payload", 2.5).All(ctx); err != nil || len(vs) != 1 || vs[0] != trs[0] {
			t.Fatalf("poly filter on payload: %v %v", vs, err)
		}
		if n, err := session.QueryPoly[ihVehicle](s2).Where(core.Gt(session.QueryPoly[ihVehicle](s2).C("Doors"), 1)).Count(ctx); err != nil || n != 2 {
			t.Fatalf("poly count doors > 1: %d %v", n, err)
		}
		if vs, err := session.QueryPoly[ihVehicle](s2).OrderBy("-Doors", "Name").Limit(1).All(ctx); err != nil || len(vs) != 1 {
			t.Fatalf("poly order by doors: %v %v", vs, err)
		}
		if _, err := session.QueryPoly[fmt.Stringer](s2).All(ctx); !errors.Is(err, mapper.ErrInheritance) {
			t.Fatalf("poly query of an interface no hierarchy implements: %v", err)
		}
		page := session.QueryPoly[ihVehicle](s2).OrderBy("Name").Offset(1).Limit(1)
		if v, err := page.First(ctx); err != nil || v != ihVehicle(trs[0]) {
			t.Fatalf("poly page: %v %v", v, err)
		}
		if n, err := page.Count(ctx); err != nil || n != 1 {
			t.Fatalf("poly page count: %d %v", n, err)
		}
		if _, err := session.QueryPoly[ihVehicle](s2).Filter("Name", "none").First(ctx); !errors.Is(err, athanor.ErrNoRows) {
			t.Fatalf("poly first of none: %v", err)
		}
		if _, err := session.QueryPoly[ihVehicle](s2).Filter("Nope", 1).All(ctx); !errors.Is(err, mapper.ErrUnknownColumn) {
			t.Fatalf("unknown column: %v", err)
		}

		// Relationship to the interface: one-to-many and many-to-one.
		g2, err := session.Get[ihGarage](ctx, s2, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := s2.Load(ctx, g2, "Vehicles"); err != nil {
			t.Fatal(err)
		}
		if len(g2.Vehicles) != 3 || !slices.Contains(g2.Vehicles, vs0(s2, t, car.ID)) || !slices.Contains(g2.Vehicles, ihVehicle(trs[0])) {
			t.Fatalf("garage vehicles %v", kinds(g2.Vehicles))
		}
		for i := 1; i < len(g2.Vehicles); i++ { // by key
			if idOf(g2.Vehicles[i-1]) > idOf(g2.Vehicles[i]) {
				t.Fatalf("garage vehicles not by key: %v", g2.Vehicles)
			}
		}
		g2.FavoriteID = &truck.ID
		if err := s2.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if err := session.LoadPoly(ctx, s2, "Favorite", g2); err != nil {
			t.Fatal(err)
		}
		if g2.Favorite != trs[0] {
			t.Fatalf("favorite %T %v", g2.Favorite, g2.Favorite)
		}

		// A relationship to a subtype loads its rows only (select-in and
		// joined), the identity map's objects.
		for _, opt := range []loader.Option{loader.SelectIn("Cars"), loader.Joined("Cars")} {
			s3 := session.New(session.DB(srv.db), session.Options{Registry: reg})
			t.Cleanup(func() { s3.Close(ctx) })
			tr3, err := session.Get[ihTruck](ctx, s3, truck.ID)
			if err != nil {
				t.Fatal(err)
			}
			gs, err := session.Query[ihGarage](s3).Options(opt).All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(gs) != 1 || len(gs[0].Cars) != 2 || gs[0].Cars[0].Doors == 0 || gs[0].Cars[1].Doors == 0 {
				t.Fatalf("%v: garage cars %v", opt, gs[0].Cars)
			}
			if err := s3.Load(ctx, gs[0], "Vehicles"); err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(gs[0].Vehicles, ihVehicle(gs[0].Cars[0])) || !slices.Contains(gs[0].Vehicles, ihVehicle(tr3)) {
				t.Fatalf("%v: vehicles are not the session's objects", opt)
			}
		}

		// Update and delete write the one table.
		trs[0].Payload = 4
		srv.log.take()
		if err := s2.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if ups := sqlOf(srv, "UPDATE"); len(ups) != 1 || !strings.Contains(ups[0], "ih_vehicles") || !strings.Contains(ups[0], "payload") || strings.Contains(ups[0], "kind") {
			t.Fatalf("updates %q", ups)
		}
		if err := s2.Delete(trs[0]); err != nil {
			t.Fatal(err)
		}
		g2.FavoriteID = nil
		if err := s2.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if n := srv.rows(t, "ih_vehicles"); n != 2 {
			t.Fatalf("%d vehicles left, want 2", n)
		}
	})
}

func idOf(v ihVehicle) int64 {
	switch x := v.(type) {
	case *ihCar:
		return x.ID
	case *ihTruck:
		return x.ID
	}
	return -1
}

// vs0 returns the session's car with key id.
func vs0(s *session.Session, t *testing.T, id int64) ihVehicle {
	c, err := session.Get[ihCar](context.Background(), s, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestInheritJoinedTable(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := schema(t, srv.db, mapper.RegisterIn[ihEngineer], mapper.RegisterIn[ihManager])
		s := session.New(session.DB(srv.db), session.Options{Registry: reg})
		t.Cleanup(func() { s.Close(ctx) })
		budget := 10.5
		eng := &ihEngineer{ihPerson: ihPerson{Name: "ada"}, Language: "go"}
		eng2 := &ihEngineer{ihPerson: ihPerson{Name: "ken"}, Language: "c"}
		mgr := &ihManager{ihPerson: ihPerson{Name: "grace"}, Reports: 3, Budget: &budget}
		per := &ihPerson{Name: "bob"}
		if err := s.Add(eng, mgr, per, eng2); err != nil {
			t.Fatal(err)
		}
		srv.log.take()
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		ins := sqlOf(srv, "INSERT")
		// Each joined subtype row: the base row, then its own row.
		var tables []string
		for _, q := range ins {
			for _, tb := range []string{"ih_people", "ih_engineers", "ih_managers"} {
				if strings.Contains(q, tb) {
					tables = append(tables, tb)
				}
			}
		}
		for i, tb := range tables {
			if tb != "ih_people" && (i == 0 || tables[i-1] != "ih_people") {
				t.Fatalf("inserts %v: a subtype row without its base row first", tables)
			}
		}
		if c := slices.Index(tables, "ih_engineers"); c < 0 || len(tables) != 7 {
			t.Fatalf("inserts %v: want 4 base rows and 3 own rows", tables)
		}
		if eng.Type != "engineer" || mgr.Type != "manager" || per.Type != "person" {
			t.Fatalf("discriminators %q %q %q", eng.Type, mgr.Type, per.Type)
		}
		if n := srv.rows(t, "ih_engineers"); n != 2 {
			t.Fatalf("%d engineer rows", n)
		}

		// Query[Sub] joins its table: conditions, order and count on its columns.
		engs, err := session.Query[ihEngineer](s).OrderBy("Language").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(engs) != 2 || engs[0] != eng2 || engs[1] != eng {
			t.Fatalf("engineers %v", engs)
		}
		if n, err := session.Query[ihEngineer](s).Filter("Language", "go").Count(ctx); err != nil || n != 1 {
			t.Fatalf("count %d %v", n, err)
		}
		if ok, err := session.Query[ihManager](s).Filter("Reports", 3).Exists(ctx); err != nil || !ok {
			t.Fatalf("exists %v %v", ok, err)
		}
		// Query[Base]: the base's own rows only.
		people, err := session.Query[ihPerson](s).All(ctx)
		if err != nil || len(people) != 1 || people[0] != per {
			t.Fatalf("people %v %v", people, err)
		}

		// Identity: the polymorphic query gives the session's objects, and
		// autoflushes a pending change first.
		eng2.Language = "c++"
		if vs, err := session.QueryPoly[ihEmployee](s).Filter("Language", "c++").All(ctx); err != nil || len(vs) != 1 || vs[0] != ihEmployee(eng2) {
			t.Fatalf("poly in the session: %v %v", vs, err)
		}
		if err := s.Commit(ctx); err != nil { // end the autoflush's transaction
			t.Fatal(err)
		}

		s2 := session.New(session.DB(srv.db), session.Options{Registry: reg})
		t.Cleanup(func() { s2.Close(ctx) })
		srv.log.take()
		all, err := session.QueryPoly[ihEmployee](s2).OrderBy("Name").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := kinds(all); !slices.Equal(got, []string{"*session_test.ihEngineer", "*session_test.ihPerson", "*session_test.ihManager", "*session_test.ihEngineer"}) {
			t.Fatalf("poly types %v", got)
		}
		if sel := sqlOf(srv, "SELECT"); len(sel) != 4 || !strings.Contains(sel[0], "LEFT JOIN") {
			t.Fatalf("poly selects %q: want the keys (LEFT JOINs), then one per model", sel)
		}
		m2 := all[2].(*ihManager)
		if m2.Reports != 3 || m2.Budget == nil || *m2.Budget != 10.5 || m2.Name != "grace" {
			t.Fatalf("manager %+v", m2)
		}
		if vs, err := session.QueryPoly[ihEmployee](s2).Filter("Language", "go").All(ctx); err != nil || len(vs) != 1 || vs[0].ihTitle() != "engineer ada" {
			t.Fatalf("poly filter %v %v", vs, err)
		}
		if n, err := session.QueryPoly[ihEmployee](s2).Count(ctx); err != nil || n != 4 {
			t.Fatalf("poly count %d %v", n, err)
		}
		e2, err := session.Get[ihEngineer](ctx, s2, eng.ID)
		if err != nil || ihEmployee(e2) != all[0] {
			t.Fatalf("identity: %v %v", e2, err)
		}

		// Update: each table whose columns changed.
		e2.Language = "rust"
		srv.log.take()
		if err := s2.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if ups := sqlOf(srv, "UPDATE"); len(ups) != 1 || !strings.Contains(ups[0], "ih_engineers") {
			t.Fatalf("updates %q: want ih_engineers only", ups)
		}
		e2.Language, e2.Name = "zig", "ada l."
		if err := s2.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if ups := sqlOf(srv, "UPDATE"); len(ups) != 2 || !strings.Contains(ups[0], "ih_people") || !strings.Contains(ups[1], "ih_engineers") {
			t.Fatalf("updates %q: want ih_people and ih_engineers", ups)
		}
		s3 := session.New(session.DB(srv.db), session.Options{Registry: reg})
		t.Cleanup(func() { s3.Close(ctx) })
		e3, err := session.Get[ihEngineer](ctx, s3, eng.ID)
		if err != nil || e3.Language != "zig" || e3.Name != "ada l." {
			t.Fatalf("reloaded %+v %v", e3, err)
		}

		// Delete: own row, then base row.
		if err := s2.Delete(m2); err != nil {
			t.Fatal(err)
		}
		if err := s2.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		dels := sqlOf(srv, "DELETE")
		if len(dels) != 2 || !strings.Contains(dels[0], "ih_managers") || !strings.Contains(dels[1], "ih_people") {
			t.Fatalf("deletes %q", dels)
		}
		if n := srv.rows(t, "ih_people"); n != 3 {
			t.Fatalf("%d people left", n)
		}
		if n := srv.rows(t, "ih_managers"); n != 0 {
			t.Fatalf("%d managers left", n)
		}
	})
}

// A hierarchy mixing both kinds, with a version column on the base.

type ihDoc interface{ ihDocKind() string }

type ihDocBase struct {
	_       struct{} `athanor:",table:ih_docs"`
	ID      int64
	Kind    string `athanor:",discriminator:doc,size:10"`
	Title   string
	Version int64 `athanor:",version"`
}

func (*ihDocBase) ihDocKind() string { return "doc" }

type ihMemo struct {
	ihDocBase `athanor:",inherit:memo"`
	To        *string
}

func (*ihMemo) ihDocKind() string { return "memo" }

type ihReport struct {
	ihDocBase `athanor:",inherit:report,table:ih_reports"`
	Pages     int
}

func (*ihReport) ihDocKind() string { return "report" }

// TestInheritMixedVersioned: single-table and joined-table subtypes of
// one base; a change to a joined subtype's own column bumps and checks
// the base row's version; a stale version is ErrStaleObject; an abstract
// base's object cannot be inserted.
func TestInheritMixedVersioned(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := schema(t, srv.db, mapper.RegisterIn[ihMemo], mapper.RegisterIn[ihReport], mapper.RegisterIn[ihGarage])
		s := session.New(session.DB(srv.db), session.Options{Registry: reg})
		t.Cleanup(func() { s.Close(ctx) })
		to := "all"
		memo := &ihMemo{ihDocBase: ihDocBase{Title: "m"}, To: &to}
		rep := &ihReport{ihDocBase: ihDocBase{Title: "r"}, Pages: 10}
		doc := &ihDocBase{Title: "d"}
		if err := s.Add(memo, rep, doc); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if rep.Version != 1 || memo.Kind != "memo" || doc.Kind != "doc" {
			t.Fatalf("after insert: %+v %+v %+v", rep.ihDocBase, memo.ihDocBase, doc)
		}
		all, err := session.QueryPoly[ihDoc](s).OrderBy("Title").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 3 || all[0] != ihDoc(doc) || all[1] != ihDoc(memo) || all[2] != ihDoc(rep) {
			t.Fatalf("poly %v", kinds(all))
		}
		if n, err := session.QueryPoly[ihDoc](s).Filter("Pages", 10).Count(ctx); err != nil || n != 1 {
			t.Fatalf("poly count of a joined subtype's column: %d %v", n, err)
		}

		rep.Pages = 11
		srv.log.take()
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		ups := sqlOf(srv, "UPDATE")
		if len(ups) != 2 || !strings.Contains(ups[0], "ih_docs") || !strings.Contains(ups[0], "version") || !strings.Contains(ups[1], "ih_reports") {
			t.Fatalf("updates %q: want the version bump on ih_docs, then ih_reports", ups)
		}
		if rep.Version != 2 {
			t.Fatalf("version %d, want 2", rep.Version)
		}
		// Another session moves the version on: this one's is stale.
		s2 := session.New(session.DB(srv.db), session.Options{Registry: reg})
		t.Cleanup(func() { s2.Close(ctx) })
		r2, err := session.Get[ihReport](ctx, s2, rep.ID)
		if err != nil {
			t.Fatal(err)
		}
		r2.Pages = 12
		if err := s2.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		rep.Pages = 13
		if err := s.Commit(ctx); !errors.Is(err, athanor.ErrStaleObject) {
			t.Fatalf("stale update: %v", err)
		}
		if err := s.Rollback(ctx); err != nil {
			t.Fatal(err)
		}

		// An abstract base has no rows of its own.
		s3 := session.New(session.DB(srv.db), session.Options{Registry: reg})
		t.Cleanup(func() { s3.Close(ctx) })
		if err := s3.Add(&ihVehicleBase{Name: "x"}); err != nil {
			t.Fatal(err)
		}
		if err := s3.Commit(ctx); !errors.Is(err, session.ErrAbstractModel) {
			t.Fatalf("insert of an abstract base: %v", err)
		}
		if err := s3.Rollback(ctx); err != nil {
			t.Fatal(err)
		}

		// A row cannot change kind through the flush.
		s4 := session.New(session.DB(srv.db), session.Options{Registry: reg})
		t.Cleanup(func() { s4.Close(ctx) })
		if err := s4.Add(&ihMemo{ihDocBase: ihDocBase{Title: "x", Kind: "report"}}); err != nil {
			t.Fatal(err)
		}
		if err := s4.Commit(ctx); !errors.Is(err, session.ErrDiscriminatorChanged) {
			t.Fatalf("insert of a memo of kind report: %v", err)
		}
		s5 := session.New(session.DB(srv.db), session.Options{Registry: reg})
		t.Cleanup(func() { s5.Close(ctx) })
		m5, err := session.Get[ihMemo](ctx, s5, memo.ID)
		if err != nil {
			t.Fatal(err)
		}
		m5.Kind = "doc"
		if err := s5.Commit(ctx); !errors.Is(err, session.ErrDiscriminatorChanged) {
			t.Fatalf("update of a memo's kind: %v", err)
		}
	})
}

// TestInheritBulk: a bulk statement of a single-table subtype touches its
// rows only; one of a joined-table subtype is refused.
func TestInheritBulk(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := schema(t, srv.db, mapper.RegisterIn[ihGarage], mapper.RegisterIn[ihTruck], mapper.RegisterIn[ihMemo], mapper.RegisterIn[ihReport])
		s := session.New(session.DB(srv.db), session.Options{Registry: reg})
		t.Cleanup(func() { s.Close(ctx) })
		if err := s.Add(&ihCar{Doors: 2}, &ihCar{Doors: 4}, &ihTruck{Payload: 1}); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		n, err := session.Query[ihCar](s).DeleteAll(ctx, session.SyncNone)
		if err != nil || n != 2 {
			t.Fatalf("delete all cars: %d %v", n, err)
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if left := srv.rows(t, "ih_vehicles"); left != 1 {
			t.Fatalf("%d vehicles left, want the truck", left)
		}
		if _, err := session.Query[ihReport](s).DeleteAll(ctx, session.SyncNone); !errors.Is(err, session.ErrBulkUnsupported) {
			t.Fatalf("bulk delete of a joined subtype: %v", err)
		}
	})
}

// TestInheritFilters: a subtype's global filter restricts its rows in a
// polymorphic query (All and Count) and leaves other kinds' alone.
func TestInheritFilters(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := schema(t, srv.db, mapper.RegisterIn[ihGarage], mapper.RegisterIn[ihTruck])
		f := new(session.Filters)
		session.AddFilter[ihCar](f, "no-coupes", func(ctx context.Context, tb *core.Table) (core.Expr, error) {
			return core.Gt(tb.C("doors"), 2), nil
		})
		s := session.New(session.DB(srv.db), session.Options{Registry: reg, Filters: f})
		t.Cleanup(func() { s.Close(ctx) })
		if err := s.Add(&ihCar{ihVehicleBase: ihVehicleBase{Name: "a"}, Doors: 2}, &ihCar{ihVehicleBase: ihVehicleBase{Name: "b"}, Doors: 4}, &ihTruck{ihVehicleBase: ihVehicleBase{Name: "c"}}); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		vs, err := session.QueryPoly[ihVehicle](s).OrderBy("Name").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := kinds(vs); len(vs) != 2 || vs[0].(*ihCar).Doors != 4 || got[1] != "*session_test.ihTruck" {
			t.Fatalf("filtered poly %v", got)
		}
		if n, err := session.QueryPoly[ihVehicle](s).Count(ctx); err != nil || n != 2 {
			t.Fatalf("filtered poly count %d %v", n, err)
		}
		if n, err := session.QueryPoly[ihVehicle](s).Count(session.WithoutFilters(ctx, "no-coupes")); err != nil || n != 3 {
			t.Fatalf("unfiltered poly count %d %v", n, err)
		}
	})
}
