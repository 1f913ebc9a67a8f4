package integration_test

import (
	"context"
	"errors"
	"testing"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/session"
)

// An UPDATE of an unversioned row that another session deleted matches no
// row: that is reported, not silently dropped. An UPDATE that writes the
// values the row already has (another session made the same change) is
// not stale — on MySQL/MariaDB that needs found-rows counting.
func TestORMUpdateOfVanishedRowIsStale(t *testing.T) {
	eachORM(t, func(t *testing.T, e ormEnv) {
		ctx := context.Background()
		s1 := e.session(session.Options{})
		a, b := &ormAuthor{ID: 1, Name: "first"}, &ormAuthor{ID: 2, Name: "second"}
		if err := s1.Add(a, b); err != nil {
			t.Fatal(err)
		}
		if err := s1.Commit(ctx); err != nil {
			t.Fatal(err)
		}

		s2 := e.session(session.Options{})
		a2, err := session.Get[ormAuthor](ctx, s2, int64(1))
		if err != nil {
			t.Fatal(err)
		}
		b2, err := session.Get[ormAuthor](ctx, s2, int64(2))
		if err != nil {
			t.Fatal(err)
		}
		if err := s2.Delete(a2); err != nil {
			t.Fatal(err)
		}
		b2.Name = "renamed"
		if err := s2.Commit(ctx); err != nil {
			t.Fatal(err)
		}

		a.Name = "changed after delete"
		if err := s1.Commit(ctx); !errors.Is(err, athanor.ErrStaleObject) {
			t.Fatalf("update of a deleted row: err = %v, want ErrStaleObject", err)
		}
		a.Name = "first" // back to its loaded value: nothing to write for a
		b.Name = "renamed"
		if err := s1.Commit(ctx); err != nil {
			t.Fatalf("update to the values the row already has: %v", err)
		}
	})
}
