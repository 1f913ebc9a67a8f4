package session_test

import (
	"context"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

// returnFailRow's table is made by hand: its code column's default is a
// text the field, an integer, cannot hold.
type returnFailRow struct {
	_    struct{} `athanor:",table:session_return_fail_rows"`
	ID   int64    `athanor:",pk"`
	Name string   `athanor:",size:20"`
	Code *int64   `athanor:",default:0"`
}

// TestOneRowReturningFailsCleanly: a one-row INSERT reads what the
// server generated straight into its object. When that read fails part
// way (the key read, the default not), the commit fails naming the
// model, and the object is as it was before it: its key and generated
// field unset, still pending.
func TestOneRowReturningFailsCleanly(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		const tbl = "session_return_fail_rows"
		create := map[string]string{
			"postgres": "CREATE TABLE " + tbl + " (id BIGSERIAL PRIMARY KEY, name VARCHAR(20) NOT NULL, code VARCHAR(10) DEFAULT 'x1')",
			"mariadb":  "CREATE TABLE " + tbl + " (id BIGINT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20) NOT NULL, code VARCHAR(10) DEFAULT 'x1')",
			"sqlite":   "CREATE TABLE " + tbl + " (id INTEGER PRIMARY KEY AUTOINCREMENT, name VARCHAR(20) NOT NULL, code VARCHAR(10) DEFAULT 'x1')",
		}[srv.name]
		for _, q := range []string{"DROP TABLE IF EXISTS " + tbl, create} {
			if _, err := srv.db.Exec(ctx, core.Raw(q)); err != nil {
				t.Fatal(err)
			}
		}
		reg := mapper.NewRegistry()
		if _, err := mapper.RegisterIn[returnFailRow](reg); err != nil {
			t.Fatal(err)
		}
		s := session.New(session.DB(srv.db), session.Options{Registry: reg})
		r := &returnFailRow{Name: "a"}
		if err := s.Add(r); err != nil {
			t.Fatal(err)
		}
		err := s.Commit(ctx)
		if err == nil {
			t.Fatalf("commit read code %v into an integer, want an error", *r.Code)
		}
		if !strings.Contains(err.Error(), "insert returnFailRow") {
			t.Errorf("error %q does not name the model's INSERT", err)
		}
		if r.ID != 0 || r.Code != nil {
			t.Errorf("after the failed commit ID = %d, Code = %v; want both unset", r.ID, r.Code)
		}
		if st := s.StateOf(r); st != session.Pending {
			t.Errorf("state %v after the failed commit, want Pending", st)
		}
		// A second attempt meets the same failure, not an object left
		// half written by the first.
		if err := s.Commit(ctx); err == nil || !strings.Contains(err.Error(), "insert returnFailRow") {
			t.Errorf("second commit: %v, want the same failure", err)
		}
		if r.ID != 0 || r.Code != nil || s.StateOf(r) != session.Pending {
			t.Errorf("after the second commit ID = %d, Code = %v, state %v; want unset, unset, Pending", r.ID, r.Code, s.StateOf(r))
		}
	})
}
