package main

import (
	"context"
	"fmt"
	"io"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

// Vehicle is the polymorphic type of the hierarchy: QueryPoly[Vehicle]
// and a []Vehicle relationship hold *Car and *Truck values.
type Vehicle interface{ Wheels() int }

// VehicleBase is the base: its Kind column says which model a row is.
// Plain discriminator: the base is abstract (every row is a car or a
// truck).
type VehicleBase struct {
	_        struct{} `athanor:",table:inh_vehicles"`
	ID       int64
	Kind     string `athanor:",discriminator,size:20"`
	Name     string `athanor:",size:100"`
	GarageID *int64 `athanor:",fk:inh_garages.id"`
}

// Car is a single-table subtype: Doors is a (nullable) column of
// inh_vehicles.
type Car struct {
	VehicleBase `athanor:",inherit:car"`
	Doors       int
}

// Truck is a joined-table subtype: Payload lives in inh_trucks, keyed by
// the vehicle's id.
type Truck struct {
	VehicleBase `athanor:",inherit:truck,table:inh_trucks"`
	Payload     float64
}

func (*Car) Wheels() int   { return 4 }
func (*Truck) Wheels() int { return 6 }

// Garage holds vehicles of every kind (an interface-typed relationship,
// loaded by loader.SelectIn or Session.Load, followed by the flush) and
// has its cars as an ordinary relationship.
type Garage struct {
	_        struct{} `athanor:",table:inh_garages"`
	ID       int64
	Name     string    `athanor:",size:100"`
	Vehicles []Vehicle `athanor:",fk:garage_id"`
	Cars     []*Car    `athanor:",fk:garage_id"`
}

// inheritance maps the hierarchy on db, stores a garage with a car
// and a truck, and reads them back polymorphically.
func inheritance(ctx context.Context, out io.Writer, db *engine.DB) error {
	reg, err := createTables(ctx, db, mapper.RegisterIn[Garage], mapper.RegisterIn[Car], mapper.RegisterIn[Truck])
	if err != nil {
		return err
	}

	s := newSession(db, reg)
	defer s.Close(ctx)
	g := &Garage{Name: "Depot"}
	if err := s.Add(g); err != nil {
		return err
	}
	if err := s.Commit(ctx); err != nil {
		return err
	}
	// The discriminator is set by the flush; the truck's row is two
	// rows, inh_vehicles then inh_trucks.
	if err := s.Add(
		&Car{VehicleBase: VehicleBase{Name: "Beetle", GarageID: &g.ID}, Doors: 2},
		&Truck{VehicleBase: VehicleBase{Name: "Hauler", GarageID: &g.ID}, Payload: 7.5},
	); err != nil {
		return err
	}
	if err := s.Commit(ctx); err != nil {
		return err
	}

	// A new session: QueryPoly builds each row as its own type.
	s2 := newSession(db, reg)
	defer s2.Close(ctx)
	vs, err := session.QueryPoly[Vehicle](s2).OrderBy("Name").All(ctx)
	if err != nil {
		return err
	}
	for _, v := range vs {
		switch v := v.(type) {
		case *Car:
			fmt.Fprintf(out, "car %s: %d doors, %d wheels\n", v.Name, v.Doors, v.Wheels())
		case *Truck:
			fmt.Fprintf(out, "truck %s: payload %.1f, %d wheels\n", v.Name, v.Payload, v.Wheels())
		}
	}
	// Query of a subtype: its rows only, conditions on its own columns.
	heavy, err := session.Query[Truck](s2).Where(core.Gt(session.Query[Truck](s2).C("Payload"), 5)).All(ctx)
	if err != nil {
		return err
	}
	if len(heavy) != 1 || Vehicle(heavy[0]) != vs[1] {
		return fmt.Errorf("heavy trucks %v: want the truck already loaded", heavy)
	}
	fmt.Fprintf(out, "heavy trucks: %d (the same object: %v)\n", len(heavy), Vehicle(heavy[0]) == vs[1])
	// The garage's vehicles, of both kinds, loaded with the garage (or
	// later, by s2.Load(ctx, g2, "Vehicles")).
	g2, err := session.Query[Garage](s2).Options(loader.SelectIn("Vehicles")).Filter("ID", g.ID).One(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "garage %s holds %d vehicles\n", g2.Name, len(g2.Vehicles))
	if len(g2.Vehicles) != 2 {
		return fmt.Errorf("garage vehicles %v: want 2", g2.Vehicles)
	}
	return nil
}
