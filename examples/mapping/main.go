// Command mapping shows mapping features beyond the quickstart, one
// function per feature: deferred columns and computed attributes
// (deferral.go), and mapped inheritance (inheritance.go).
//
// It runs on embedded SQLite (modernc.org/sqlite, pure Go) in a temporary
// file: no server needed.
//
//	go run ./examples/mapping
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"

	"github.com/athanor-orm/athanor/core"
	_ "github.com/athanor-orm/athanor/driver/sqlitedriver" // sqlite://
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// run opens a temporary SQLite database and runs each feature's tour.
func run(ctx context.Context, out io.Writer) error {
	dir, err := os.MkdirTemp("", "athanor-mapping")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := engine.Open(ctx, "sqlite://"+filepath.Join(dir, "mapping.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	for _, tour := range []func(context.Context, io.Writer, *engine.DB) error{deferral, inheritance} {
		if err := tour(ctx, out, db); err != nil {
			return err
		}
	}
	return nil
}

// createTables registers models in a new registry and creates their
// tables.
func createTables(ctx context.Context, db *engine.DB, models ...func(*mapper.Registry) (*mapper.Model, error)) (*mapper.Registry, error) {
	reg := mapper.NewRegistry()
	for _, register := range models {
		if _, err := register(reg); err != nil {
			return nil, err
		}
	}
	md, err := reg.MetaData()
	if err != nil {
		return nil, err
	}
	err = md.CreateAll(ctx, db.Dialect(), func(ctx context.Context, c core.Compiled) error {
		_, err := db.Exec(ctx, core.Raw(c.SQL, c.Args...))
		return err
	}, false)
	if err != nil {
		return nil, fmt.Errorf("create tables: %w", err)
	}
	return reg, nil
}

// newSession is a session on db for reg's models.
func newSession(db *engine.DB, reg *mapper.Registry) *session.Session {
	return session.New(session.DB(db), session.Options{Registry: reg})
}
