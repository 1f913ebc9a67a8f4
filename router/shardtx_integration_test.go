package router_test

// A MultiTx whose COMMIT fails on a shard, on real servers: PostgreSQL
// (one shard on each cluster) and SQLite fail it with a foreign key
// checked at COMMIT (DEFERRABLE INITIALLY DEFERRED); MariaDB, which has
// no deferred constraint, by the failing shard's connection killed
// before COMMIT.

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/router"
)

// mtxShards opens two shard databases of kind, creates the test tables in
// both, and returns a router with the shard set "items" over them (key
// k on shard k%2) and direct engines for the checks.
func mtxShards(t *testing.T, kind string) (*router.Router, [2]*engine.DB) {
	t.Helper()
	ctx := context.Background()
	var urls [2]string
	var replicas [2][]testdb.Endpoint // so that commits have positions (tokens)
	ddl := []string{`CREATE TABLE mtx_refs (id BIGINT PRIMARY KEY)`,
		`CREATE TABLE mtx_items (id BIGINT PRIMARY KEY, ref_id BIGINT NULL REFERENCES mtx_refs (id) DEFERRABLE INITIALLY DEFERRED)`}
	switch kind {
	case "postgres":
		c1, c2 := testdb.PG(t), testdb.PGShard2(t)
		urls, replicas = [2]string{c1.Primary.URL(), c2.Primary.URL()}, [2][]testdb.Endpoint{c1.Replicas, c2.Replicas}
	case "mariadb":
		c1, c2 := testdb.MySQL(t), testdb.MySQL(t)
		urls, replicas = [2]string{c1.Primary.URL(), c2.Primary.URL()}, [2][]testdb.Endpoint{c1.Replicas, c2.Replicas}
		ddl = []string{`CREATE TABLE mtx_items (id BIGINT PRIMARY KEY, ref_id BIGINT NULL)`}
	default:
		urls = [2]string{"sqlite://" + testdb.SQLite(t), "sqlite://" + testdb.SQLite(t)}
	}
	open := func(url string) *engine.DB {
		db, err := engine.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	var direct [2]*engine.DB
	var groups []router.GroupConfig
	for i, url := range urls {
		direct[i] = open(url)
		t.Cleanup(func() { direct[i].Close() })
		for _, q := range ddl {
			if _, err := direct[i].Exec(ctx, core.Raw(q)); err != nil {
				t.Fatal(err)
			}
		}
		gc := router.GroupConfig{Name: []string{"s1", "s2"}[i], Primary: open(url)}
		for _, rep := range replicas[i] {
			gc.Replicas = append(gc.Replicas, open(rep.URL()))
		}
		groups = append(groups, gc)
	}
	r, err := router.New(router.Config{Groups: groups,
		Shards: []router.ShardConfig{{Name: "items", Groups: []string{"s1", "s2"},
			Choose: func(key any) (int, error) { return int(key.(int64) % 2), nil }}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r, direct
}

// A multi-shard commit that fails on the second shard after the first
// committed, or on the first: the *MultiCommitError names exactly the
// shards that committed, the one that failed and those rolled back; it
// matches ErrPartialCommit only when a shard committed; and each server
// holds exactly the committed shards' rows.
func TestMultiTxCommitFailure(t *testing.T) {
	for _, kind := range []string{"postgres", "mariadb", "sqlite"} {
		t.Run(kind, func(t *testing.T) {
			for _, tc := range []struct {
				name          string
				fail          int64 // the shard (key) whose COMMIT fails
				committed     []string
				notCommitted  []string // the failed shard first
				wantPartial   bool
				wantRowsShard [2]int
			}{
				{"second shard fails", 1, []string{"s1"}, []string{"s2"}, true, [2]int{1, 0}},
				{"first shard fails", 0, nil, []string{"s1", "s2"}, false, [2]int{0, 0}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					testMultiTxCommitFailure(t, kind, tc.fail, tc.committed, tc.notCommitted, tc.wantPartial, tc.wantRowsShard)
				})
			}
		})
	}
}

func testMultiTxCommitFailure(t *testing.T, kind string, fail int64, committed, notCommitted []string, wantPartial bool, wantRows [2]int) {
	ctx := context.Background()
	r, direct := mtxShards(t, kind)
	mt, err := r.ShardSet("items").BeginMulti(ctx, engine.TxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer mt.Rollback(ctx)
	for key := int64(0); key < 2; key++ {
		tx, err := mt.On(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		var ref any
		if key == fail && kind != "mariadb" {
			ref = int64(999) // no such row in mtx_refs: the COMMIT fails
		}
		if _, err := tx.Exec(ctx, core.Raw("INSERT INTO mtx_items (id, ref_id) VALUES (?, ?)", 100+key, ref)); err != nil {
			t.Fatalf("insert on shard %d: %v", key+1, err)
		}
		if key == fail && kind == "mariadb" {
			var id int64
			if err := tx.QueryRow(ctx, core.Raw("SELECT CONNECTION_ID()").ReadOnly()).Scan(&id); err != nil {
				t.Fatal(err)
			}
			if _, err := direct[key].Exec(ctx, core.Raw("KILL ?", id)); err != nil {
				t.Fatal(err)
			}
		}
	}
	err = mt.Commit(ctx)
	var me *router.MultiCommitError
	if !errors.As(err, &me) {
		t.Fatalf("commit: %v, want a *router.MultiCommitError", err)
	}
	if !slices.Equal(me.Committed, committed) {
		t.Errorf("Committed = %q, want %q (%v)", me.Committed, committed, err)
	}
	// The failed shard is rolled back, or of unknown outcome when the
	// COMMIT went out on a connection that was gone (MariaDB).
	notDone := append(slices.Clone(me.Unknown), me.RolledBack...)
	if !slices.Equal(notDone, notCommitted) {
		t.Errorf("Unknown %q then RolledBack %q, want %q (%v)", me.Unknown, me.RolledBack, notCommitted, err)
	}
	if len(me.Unknown) > 0 && (kind != "mariadb" || !errors.Is(err, athanor.ErrOutcomeUnknown)) {
		t.Errorf("a refused COMMIT reported of unknown outcome: %v", err)
	}
	if got := errors.Is(err, router.ErrPartialCommit); got != wantPartial {
		t.Errorf("errors.Is(err, ErrPartialCommit) = %v, want %v (%v)", got, wantPartial, err)
	}
	if kind != "sqlite" { // SQLite has no replicas, so no positions
		if g := me.Token.Groups(); !slices.Equal(g, committed) {
			t.Errorf("the error's token covers %q, want %q", g, committed)
		}
	}
	for i, db := range direct {
		var n int
		if err := db.QueryRow(ctx, core.Raw("SELECT COUNT(*) FROM mtx_items").ReadOnly()).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != wantRows[i] {
			t.Errorf("shard s%d holds %d rows, want %d as reported (%v)", i+1, n, wantRows[i], err)
		}
	}
}
