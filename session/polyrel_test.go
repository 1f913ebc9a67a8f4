package session_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

// Interface-typed relationships loaded by query options and followed by
// the flush: a single-table car and a joined-table truck.

type prVehicle interface{ prWheels() int }

type prGarage struct {
	_        struct{} `athanor:",table:pr_garages"`
	ID       int64
	Name     string      `athanor:",size:50"`
	Vehicles []prVehicle `athanor:",fk:garage_id"`
}

type prVehicleBase struct {
	_        struct{} `athanor:",table:pr_vehicles"`
	ID       int64
	Kind     string `athanor:",discriminator,size:20"`
	Name     string `athanor:",size:50"`
	GarageID *int64 `athanor:",fk:pr_garages.id"`
	DepotID  *int64 `athanor:",fk:pr_depots.id"`
}

// prDepot owns its vehicles: one removed from Stock is deleted.
type prDepot struct {
	_     struct{} `athanor:",table:pr_depots"`
	ID    int64
	Stock []prVehicle `athanor:",fk:depot_id,cascade:save-update+delete-orphan"`
}

type prCar struct {
	prVehicleBase `athanor:",inherit:car"`
	Doors         int
}

type prTruck struct {
	prVehicleBase `athanor:",inherit:truck,table:pr_trucks"`
	Payload       float64
	Manifest      string    `athanor:",deferred,size:200"`
	Loads         []*prLoad `athanor:",fk:truck_id"`
}

func (*prCar) prWheels() int   { return 4 }
func (*prTruck) prWheels() int { return 6 }

type prLoad struct {
	_       struct{} `athanor:",table:pr_loads"`
	ID      int64
	TruckID *int64 `athanor:",fk:pr_vehicles.id"`
	What    string `athanor:",size:50"`
}

// prDriver drives one vehicle: a many-to-one to the interface.
type prDriver struct {
	_         struct{} `athanor:",table:pr_drivers"`
	ID        int64
	Name      string    `athanor:",size:50"`
	VehicleID *int64    `athanor:",fk:pr_vehicles.id"`
	Vehicle   prVehicle `athanor:",fk:VehicleID"`
}

func prSchema(t *testing.T, srv server) *mapper.Registry {
	return schema(t, srv.db, mapper.RegisterIn[prGarage], mapper.RegisterIn[prCar], mapper.RegisterIn[prTruck],
		mapper.RegisterIn[prLoad], mapper.RegisterIn[prDriver], mapper.RegisterIn[prDepot])
}

func prNames(vs []prVehicle) []string {
	var out []string
	for _, v := range vs {
		switch v := v.(type) {
		case *prCar:
			out = append(out, "car "+v.Name)
		case *prTruck:
			out = append(out, "truck "+v.Name)
		}
	}
	return out
}

// prSeed stores two garages through the cascade: north holds a car and a
// truck (with a load), south a truck; the third garage is empty.
func prSeed(t *testing.T, ctx context.Context, srv server, reg *mapper.Registry) []int64 {
	t.Helper()
	s := session.New(session.DB(srv.db), session.Options{Registry: reg})
	defer s.Close(ctx)
	north := &prGarage{Name: "north", Vehicles: []prVehicle{
		&prCar{prVehicleBase: prVehicleBase{Name: "beetle"}, Doors: 2},
		&prTruck{prVehicleBase: prVehicleBase{Name: "hauler"}, Payload: 7.5, Manifest: "hay",
			Loads: []*prLoad{{What: "hay"}}},
	}}
	south := &prGarage{Name: "south", Vehicles: []prVehicle{&prTruck{prVehicleBase: prVehicleBase{Name: "tipper"}, Payload: 3}}}
	empty := &prGarage{Name: "empty"}
	if err := s.Add(north, south, empty); err != nil {
		t.Fatal(err)
	}
	srv.log.take()
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return []int64{north.ID, south.ID, empty.ID}
}

func TestPolyRelEager(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := prSchema(t, srv)
		ids := prSeed(t, ctx, srv, reg)

		// The lazy load's result, in a session of its own.
		lazy := session.New(session.DB(srv.db), session.Options{Registry: reg})
		defer lazy.Close(ctx)
		lgs, err := session.Query[prGarage](lazy).OrderBy("ID").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := lazy.Load(ctx, lgs[0], "Vehicles"); err != nil {
			t.Fatal(err)
		}

		s := session.New(session.DB(srv.db), session.Options{Registry: reg})
		defer s.Close(ctx)
		srv.log.take()
		gs, err := session.Query[prGarage](s).Options(loader.SelectIn("Vehicles")).OrderBy("ID").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// garages; keys and kinds; cars; trucks.
		if got := sqlOf(srv, "SELECT"); len(got) != 4 {
			t.Fatalf("eager load ran %d SELECTs, want 4:\n%s", len(got), strings.Join(got, "\n"))
		}
		if len(gs) != 3 || gs[0].ID != ids[0] {
			t.Fatalf("garages %v", gs)
		}
		for i, g := range gs {
			if !slices.Equal(prNames(g.Vehicles), prNames(lgs[i].Vehicles)) {
				t.Errorf("garage %s: eager %v, lazy %v", g.Name, prNames(g.Vehicles), prNames(lgs[i].Vehicles))
			}
			if g.Vehicles == nil {
				t.Errorf("garage %s: nil Vehicles after the eager load", g.Name)
			}
		}
		if want := []string{"car beetle", "truck hauler"}; !slices.Equal(prNames(gs[0].Vehicles), want) {
			t.Errorf("north: %v, want %v", prNames(gs[0].Vehicles), want)
		}
		// Through the identity map: a query of trucks gives the same objects.
		trucks, err := session.Query[prTruck](s).OrderBy("ID").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(trucks) != 2 || prVehicle(trucks[0]) != gs[0].Vehicles[1] || prVehicle(trucks[1]) != gs[1].Vehicles[0] {
			t.Errorf("trucks %v are not the loaded objects", trucks)
		}
		// Nested: the trucks' loads (cars have none), one more SELECT.
		s2 := session.New(session.DB(srv.db), session.Options{Registry: reg, Raise: true})
		defer s2.Close(ctx)
		srv.log.take()
		gs2, err := session.Query[prGarage](s2).Options(loader.SelectIn("Vehicles", loader.SelectIn("Loads"))).OrderBy("ID").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := sqlOf(srv, "SELECT"); len(got) != 5 {
			t.Fatalf("nested eager load ran %d SELECTs, want 5:\n%s", len(got), strings.Join(got, "\n"))
		}
		tr := gs2[0].Vehicles[1].(*prTruck)
		if len(tr.Loads) != 1 || tr.Loads[0].What != "hay" || gs2[1].Vehicles[0].(*prTruck).Loads == nil {
			t.Errorf("truck loads %v", tr.Loads)
		}
		// The dotted path is the same load.
		s3 := session.New(session.DB(srv.db), session.Options{Registry: reg})
		defer s3.Close(ctx)
		gs3, err := session.Query[prGarage](s3).Options(loader.SelectIn("Vehicles.Loads")).Filter("Name", "north").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if l := gs3[0].Vehicles[1].(*prTruck).Loads; len(l) != 1 || l[0].What != "hay" {
			t.Errorf("Vehicles.Loads: truck loads %v", l)
		}
		// Raise: the planned relationship loads nothing; an unplanned one refuses.
		srv.log.take()
		if err := s2.Load(ctx, gs2[0], "Vehicles"); err != nil {
			t.Errorf("load of a planned relationship in raise mode: %v", err)
		}
		if got := sqlOf(srv, "SELECT"); len(got) != 0 {
			t.Errorf("load of a loaded relationship ran %v", got)
		}
		fresh := session.New(session.DB(srv.db), session.Options{Registry: reg, Raise: true})
		defer fresh.Close(ctx)
		fg, err := session.Query[prGarage](fresh).OrderBy("ID").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := fresh.Load(ctx, fg[0], "Vehicles"); !errors.Is(err, loader.ErrUnplannedLoad) || !strings.Contains(err.Error(), "prGarage.Vehicles") {
			t.Errorf("unplanned load in raise mode: %v, want ErrUnplannedLoad naming prGarage.Vehicles", err)
		}

		// Errors: Joined, an order, a child no kind has.
		for _, c := range []struct {
			opt  loader.Option
			want error
			text string
		}{
			{loader.Joined("Vehicles"), loader.ErrPolyRelation, "prGarage.Vehicles: Joined"},
			{loader.SelectIn("Vehicles").OrderBy("Name"), loader.ErrPolyRelation, "OrderBy"},
			{loader.SelectIn("Vehicles", loader.SelectIn("Wheels")), loader.ErrNoRelation, `"Wheels"`},
			{loader.SelectIn("Vehicles.Nope"), loader.ErrNoRelation, `"Nope"`},
		} {
			_, err := session.Query[prGarage](s).Options(c.opt).All(ctx)
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.text) {
				t.Errorf("option %v: %v, want %v naming %s", c.opt, err, c.want, c.text)
			}
		}
		// A stream does not take it.
		for _, err := range session.Query[prGarage](s).Options(loader.SelectIn("Vehicles")).Stream(ctx, 10) {
			if !errors.Is(err, loader.ErrPolyRelation) {
				t.Errorf("stream with a poly load: %v, want ErrPolyRelation", err)
			}
			break
		}
		// Compile (as below an ordinary relationship) names it.
		gm, err := reg.Of(reflect.TypeFor[prGarage]())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := loader.Compile(gm, loader.SelectIn("Vehicles")); !errors.Is(err, loader.ErrPolyRelation) || !strings.Contains(err.Error(), "prGarage.Vehicles") {
			t.Errorf("compile of a poly load: %v, want ErrPolyRelation naming prGarage.Vehicles", err)
		}
	})
}

func TestPolyRelFlush(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := prSchema(t, srv)
		prSeed(t, ctx, srv, reg)
		s := session.New(session.DB(srv.db), session.Options{Registry: reg})
		defer s.Close(ctx)
		g := &prGarage{Name: "west"}
		if err := s.Add(g); err != nil {
			t.Fatal(err)
		}
		g.Vehicles = append(g.Vehicles,
			&prTruck{prVehicleBase: prVehicleBase{Name: "dumper"}, Payload: 1},
			&prCar{prVehicleBase: prVehicleBase{Name: "mini"}, Doors: 3})
		srv.log.take()
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		var order []string
		for _, q := range sqlOf(srv, "INSERT") {
			for _, tb := range []string{"pr_garages", "pr_vehicles", "pr_trucks"} {
				if strings.Contains(q, tb+" ") || strings.Contains(q, tb+"\"") || strings.Contains(q, tb+"`") {
					order = append(order, tb)
					break
				}
			}
		}
		if i := slices.Index(order, "pr_garages"); i != 0 || slices.Index(order, "pr_trucks") < slices.Index(order, "pr_vehicles") || len(order) < 3 {
			t.Errorf("insert order %v: want the garage, then base rows, then truck rows", order)
		}
		for _, v := range g.Vehicles {
			var gid *int64
			switch v := v.(type) {
			case *prCar:
				gid = v.GarageID
			case *prTruck:
				gid = v.GarageID
			}
			if gid == nil || *gid != g.ID {
				t.Errorf("%T: garage id %v, want %d", v, gid, g.ID)
			}
		}
		// Appended to a persistent owner's loaded collection.
		g.Vehicles = append(g.Vehicles, &prCar{prVehicleBase: prVehicleBase{Name: "van"}})
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		// Read back in a new session: the lazy load sees all three.
		s2 := session.New(session.DB(srv.db), session.Options{Registry: reg})
		defer s2.Close(ctx)
		g2, err := session.Query[prGarage](s2).Options(loader.SelectIn("Vehicles")).Filter("Name", "west").One(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// In key order: the kinds' inserts may come in either order.
		got := prNames(g2.Vehicles)
		slices.Sort(got)
		if want := []string{"car mini", "car van", "truck dumper"}; !slices.Equal(got, want) {
			t.Errorf("west holds %v, want %v", got, want)
		}

		// Many-to-one: a new driver of a new truck takes its key.
		d := &prDriver{Name: "ann", Vehicle: &prTruck{prVehicleBase: prVehicleBase{Name: "rig"}, Payload: 9}}
		if err := s2.Add(d); err != nil {
			t.Fatal(err)
		}
		if err := s2.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		rig := d.Vehicle.(*prTruck)
		if rig.ID == 0 || d.VehicleID == nil || *d.VehicleID != rig.ID {
			t.Errorf("driver's vehicle id %v, want the truck's %d", d.VehicleID, rig.ID)
		}
		// Reassigned to a persistent car.
		for _, v := range g2.Vehicles {
			if c, ok := v.(*prCar); ok && c.Name == "mini" {
				d.Vehicle = c
			}
		}
		if err := s2.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		s3 := session.New(session.DB(srv.db), session.Options{Registry: reg})
		defer s3.Close(ctx)
		ds, err := session.Query[prDriver](s3).Options(loader.SelectIn("Vehicle")).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if c, ok := ds[0].Vehicle.(*prCar); len(ds) != 1 || !ok || c.Name != "mini" {
			t.Errorf("driver's vehicle %#v, want car mini", ds[0].Vehicle)
		}
	})
}

// A joined-table subtype's deferred field, left out by the polymorphic
// load, comes with LoadFields.
func TestPolyRelDeferred(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := prSchema(t, srv)
		prSeed(t, ctx, srv, reg)
		s := session.New(session.DB(srv.db), session.Options{Registry: reg})
		defer s.Close(ctx)
		g, err := session.Query[prGarage](s).Options(loader.SelectIn("Vehicles")).Filter("Name", "north").One(ctx)
		if err != nil {
			t.Fatal(err)
		}
		tr := g.Vehicles[1].(*prTruck)
		if tr.Manifest != "" || tr.Payload != 7.5 {
			t.Fatalf("truck %+v: want the deferred manifest left out", tr)
		}
		if err := s.LoadFields(ctx, tr, "Manifest"); err != nil {
			t.Fatal(err)
		}
		if tr.Manifest != "hay" {
			t.Errorf("manifest %q, want hay", tr.Manifest)
		}
	})
}

func TestPolyRelRemove(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := prSchema(t, srv)
		ids := prSeed(t, ctx, srv, reg)
		s := session.New(session.DB(srv.db), session.Options{Registry: reg})
		defer s.Close(ctx)
		gs, err := session.Query[prGarage](s).Options(loader.SelectIn("Vehicles")).OrderBy("ID").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		north, south := gs[0], gs[1]
		// The car leaves north (its key becomes NULL); the truck moves to
		// south (its key is south's, not NULL).
		car, truck := north.Vehicles[0].(*prCar), north.Vehicles[1].(*prTruck)
		north.Vehicles = []prVehicle{}
		south.Vehicles = append(south.Vehicles, truck)
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if car.GarageID != nil || truck.GarageID == nil || *truck.GarageID != ids[1] {
			t.Errorf("car garage %v, want NULL; truck garage %v, want %d", car.GarageID, truck.GarageID, ids[1])
		}
		s2 := session.New(session.DB(srv.db), session.Options{Registry: reg})
		defer s2.Close(ctx)
		gs2, err := session.Query[prGarage](s2).Options(loader.SelectIn("Vehicles")).OrderBy("ID").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(gs2[0].Vehicles) != 0 || !slices.Equal(prNames(gs2[1].Vehicles), []string{"truck hauler", "truck tipper"}) {
			t.Errorf("after the move: north %v, south %v", prNames(gs2[0].Vehicles), prNames(gs2[1].Vehicles))
		}
		if n := srv.rows(t, "pr_vehicles"); n != 3 {
			t.Errorf("%d vehicles, want 3 (none deleted)", n)
		}

		// delete-orphan: the truck removed from the depot is deleted, both rows.
		d := &prDepot{Stock: []prVehicle{&prCar{prVehicleBase: prVehicleBase{Name: "a"}},
			&prTruck{prVehicleBase: prVehicleBase{Name: "b"}}}}
		if err := s2.Add(d); err != nil {
			t.Fatal(err)
		}
		if err := s2.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		d.Stock = d.Stock[:1]
		srv.log.take()
		if err := s2.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		dels := sqlOf(srv, "DELETE")
		if len(dels) != 2 || !strings.Contains(dels[0], "pr_trucks") || !strings.Contains(dels[1], "pr_vehicles") {
			t.Errorf("orphan delete ran %v, want pr_trucks then pr_vehicles", dels)
		}
		if n := srv.rows(t, "pr_trucks"); n != 2 {
			t.Errorf("%d truck rows, want 2", n)
		}
	})
}

type prBadCascade struct {
	_        struct{} `athanor:",table:pr_bad"`
	ID       int64
	Vehicles []prVehicle `athanor:",fk:garage_id,cascade:all"`
}

func TestPolyRelCascadeTag(t *testing.T) {
	reg := mapper.NewRegistry()
	_, err := mapper.RegisterIn[prBadCascade](reg)
	if !errors.Is(err, mapper.ErrBadTag) || !strings.Contains(err.Error(), "Vehicles") {
		t.Errorf("cascade:all on a relationship to an interface: %v, want ErrBadTag naming Vehicles", err)
	}
}
