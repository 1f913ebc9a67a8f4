package faults

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/router"
	"github.com/athanor-orm/athanor/session"
)

// writePath is one way of writing a row; marker is what the proxy waits
// for in the client's bytes before cutting the server's next answer: the
// row's key (it travels in the statement's execution, not in a prepare)
// or "COMMIT" (the cut then loses the answer to the COMMIT).
type writePath struct {
	name   string
	marker func(key string) string
	write  func(ctx context.Context, e *env, r *router.Router, key string) error
	rows   func(key string) []string // keys the write creates; default {key}
}

func byKey(key string) string     { return key }
func byCommit(string) string      { return "COMMIT" }
func twoKeys(key string) []string { return []string{key, key + "-2"} }

func writePaths() []writePath {
	return []writePath{
		{name: "engine Exec", marker: byKey, write: func(ctx context.Context, e *env, _ *router.Router, key string) error {
			_, err := e.db.Exec(ctx, e.insertRow(key, 0))
			return err
		}},
		{name: "engine QueryRow INSERT RETURNING", marker: byKey, write: func(ctx context.Context, e *env, _ *router.Router, key string) error {
			var id int64
			return e.db.QueryRow(ctx, e.insertRow(key, 0).Returning(e.rows.C("id"))).Scan(&id)
		}},
		{name: "engine Query INSERT RETURNING", marker: byKey, write: func(ctx context.Context, e *env, _ *router.Router, key string) error {
			rows, err := e.db.Query(ctx, e.insertRow(key, 0).Returning(e.rows.C("id")))
			if err != nil {
				return err
			}
			for rows.Next() {
			}
			err = rows.Err()
			if cerr := rows.Close(); err == nil {
				err = cerr
			}
			return err
		}},
		{name: "engine Tx commit", marker: byCommit, write: func(ctx context.Context, e *env, _ *router.Router, key string) error {
			tx, err := e.db.Begin(ctx, engine.TxOptions{})
			if err != nil {
				return fmt.Errorf("begin (before the cut): %w", err)
			}
			if _, err := tx.Exec(ctx, e.insertRow(key, 0)); err != nil {
				_ = tx.Rollback(ctx)
				return fmt.Errorf("insert (before the cut): %w", err)
			}
			return tx.Commit(ctx)
		}},
		{name: "engine Batch", marker: byKey, rows: twoKeys, write: func(ctx context.Context, e *env, _ *router.Router, key string) error {
			res, err := e.db.Batch(ctx, e.insertRow(key, 0), e.insertRow(key+"-2", 0))
			if err != nil {
				return err
			}
			for _, r := range res {
				if r.Err != nil {
					return r.Err
				}
			}
			return nil
		}},
		{name: "session one-object Commit", marker: byKey, write: func(ctx context.Context, e *env, _ *router.Router, key string) error {
			s := session.New(session.DB(e.db), session.Options{Registry: e.reg})
			return sessionCommit(ctx, s, &faultRow{K: key})
		}},
		{name: "session two-object Commit (one INSERT)", marker: byKey, rows: twoKeys, write: func(ctx context.Context, e *env, _ *router.Router, key string) error {
			s := session.New(session.DB(e.db), session.Options{Registry: e.reg})
			return sessionCommit(ctx, s, &faultRow{K: key}, &faultRow{K: key + "-2"})
		}},
		{name: "session multi-object Commit (transaction)", marker: byCommit, write: func(ctx context.Context, e *env, _ *router.Router, key string) error {
			// Rows of two tables: two statements, so a transaction.
			s := session.New(session.DB(e.db), session.Options{Registry: e.reg})
			if err := s.Add(&faultParent{Name: key}); err != nil {
				return err
			}
			return sessionCommit(ctx, s, &faultRow{K: key})
		}},
		{name: "router Exec", marker: byKey, write: func(ctx context.Context, e *env, r *router.Router, key string) error {
			_, err := r.Exec(ctx, e.insertRow(key, 0))
			return err
		}},
		{name: "router QueryRow INSERT RETURNING", marker: byKey, write: func(ctx context.Context, e *env, r *router.Router, key string) error {
			var id int64
			return r.QueryRow(ctx, e.insertRow(key, 0).Returning(e.rows.C("id"))).Scan(&id)
		}},
		{name: "router Tx commit", marker: byCommit, write: func(ctx context.Context, e *env, r *router.Router, key string) error {
			tx, err := r.Begin(ctx, engine.TxOptions{})
			if err != nil {
				return fmt.Errorf("begin (before the cut): %w", err)
			}
			if _, err := tx.Exec(ctx, e.insertRow(key, 0)); err != nil {
				_ = tx.Rollback(ctx)
				return fmt.Errorf("insert (before the cut): %w", err)
			}
			return tx.Commit(ctx)
		}},
		{name: "router session one-object Commit", marker: byKey, write: func(ctx context.Context, e *env, r *router.Router, key string) error {
			s := session.New(session.Router(r), session.Options{Registry: e.reg})
			return sessionCommit(ctx, s, &faultRow{K: key})
		}},
	}
}

// sessionCommit adds objs and commits; an object whose commit failed
// with an unknown outcome must not be left pending, where the next
// Commit would write it again.
func sessionCommit(ctx context.Context, s *session.Session, objs ...*faultRow) error {
	for _, o := range objs {
		if err := s.Add(o); err != nil {
			return fmt.Errorf("add (before the cut): %w", err)
		}
	}
	err := s.Commit(ctx)
	if err != nil && !errors.Is(err, athanor.ErrOutcomeUnknown) {
		var pending int
		for _, o := range objs {
			if s.StateOf(o) == session.Pending {
				pending++
			}
		}
		if pending > 0 {
			err = fmt.Errorf("%w (and %d of %d objects back to pending: a retry writes them again)", err, pending, len(objs))
		}
	}
	return err
}

// TestCutAfterWrite loses the server's answer to a write it has run, on
// every write path: the caller must get an error matching
// athanor.ErrOutcomeUnknown (the write may have happened, do not retry
// blindly), never a plain connection error that invites a retry.
func TestCutAfterWrite(t *testing.T) {
	each(t, networked, func(t *testing.T, e *env) {
		r, err := router.New(router.Config{Groups: []router.GroupConfig{{Name: router.DefaultGroup, Primary: e.db}}})
		if err != nil {
			t.Fatal(err)
		}
		// The router owns e.db now, and closes it; closing twice is harmless.
		t.Cleanup(func() { r.Close() })
		var failed []string
		for i, p := range writePaths() {
			key := fmt.Sprintf("cut-%d-%s", i, strings.ReplaceAll(p.name, " ", "-"))
			if len(key) > 60 {
				key = key[:60]
			}
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			// Warm up: connections open and statements prepared, so
			// that the cut falls on the write itself.
			if err := p.write(ctx, e, r, "warm-"+key); err != nil {
				cancel()
				t.Fatalf("%s: warm-up write: %v", p.name, err)
			}
			e.proxy.CutOnResponseTo(p.marker(key))
			err := p.write(ctx, e, r, key)
			cancel()
			armed := e.proxy.CutArmed()
			e.proxy.Disarm()
			keys := []string{key}
			if p.rows != nil {
				keys = p.rows(key)
			}
			counts := e.counts(t)
			var found []int
			for _, k := range keys {
				found = append(found, counts[k])
			}
			switch {
			case armed:
				t.Errorf("%s: the proxy never cut (write err %v): the scenario does not test what it says", p.name, err)
			case counts[key] != 1:
				t.Errorf("%s: the cut write left %v rows for %v, want 1 (the server ran it before the cut)", p.name, found, keys)
			}
			if !errors.Is(err, athanor.ErrOutcomeUnknown) {
				failed = append(failed, p.name)
				t.Errorf("%s on %s: answer lost after the server ran the write: err = %v (%s), want one matching athanor.ErrOutcomeUnknown",
					p.name, e.name, err, errKind(err))
			}
		}
		report(t, "faults: cut after write %s: %d paths, %d with ErrOutcomeUnknown, failing: [%s]",
			e.name, len(writePaths()), len(writePaths())-len(failed), strings.Join(failed, "; "))
	})
}
