package router_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/router"
)

func TestHashShard(t *testing.T) {
	type uuid [16]byte
	same := [][]any{
		{int64(7), int32(7), 7, uint8(7), uint64(7)},
		{"ada", []byte("ada")},
		{uuid{1, 2, 3}, [16]byte{1, 2, 3}},
	}
	for _, keys := range same {
		want, err := router.HashShard(keys[0], 5)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys[1:] {
			if got, err := router.HashShard(k, 5); err != nil || got != want {
				t.Errorf("HashShard(%T %v) = %d, %v; want %d like %T", k, k, got, err, want, keys[0])
			}
		}
	}
	// Keys spread over every shard.
	hit := map[int]bool{}
	for k := range 100 {
		i, err := router.HashShard(k, 4)
		if err != nil || i < 0 || i >= 4 {
			t.Fatalf("HashShard(%d, 4) = %d, %v", k, i, err)
		}
		hit[i] = true
	}
	if len(hit) != 4 {
		t.Errorf("100 keys reached shards %v of 4", hit)
	}
	for _, bad := range []any{nil, 1.5, struct{}{}} {
		if _, err := router.HashShard(bad, 2); err == nil {
			t.Errorf("HashShard(%T) gave no error", bad)
		}
	}
	if _, err := router.HashShard(1, 0); err == nil {
		t.Error("HashShard with 0 shards gave no error")
	}
}

func TestShardConfigErrors(t *testing.T) {
	cases := []struct {
		name, want string
		sc         router.ShardConfig
	}{
		{"no name", "no name", router.ShardConfig{Groups: []string{"a"}}},
		{"no shard", "no shard", router.ShardConfig{Name: "s"}},
		{"unknown group", "unknown bind group", router.ShardConfig{Name: "s", Groups: []string{"a", "nope"}}},
		{"group twice", "twice", router.ShardConfig{Name: "s", Groups: []string{"a", "a"}}},
		{"set twice", "declared twice", router.ShardConfig{Name: "first", Groups: []string{"a"}}},
		{"table in two sets", `table "taken" is in shard sets`, router.ShardConfig{Name: "s", Groups: []string{"a"}, Tables: []string{"taken"}}},
		{"table bound", "bound to a group", router.ShardConfig{Name: "s", Groups: []string{"a"}, Tables: []string{"bound"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := sqliteEngine(t, "a")
			defer a.Close()
			_, err := router.New(router.Config{Groups: []router.GroupConfig{{Name: "a", Primary: a}}, Binds: map[string]string{"bound": "a"},
				Shards: append([]router.ShardConfig{{Name: "first", Groups: []string{"a"}, Tables: []string{"taken"}}}, tc.sc)})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New: err = %v, want one saying %q", err, tc.want)
			}
		})
	}
	r, err := router.New(router.Config{
		Groups: []router.GroupConfig{{Name: "a", Primary: sqliteEngine(t, "a")}, {Name: "b", Primary: sqliteEngine(t, "b")}},
		Shards: []router.ShardConfig{{Name: "s", Groups: []string{"a", "b"},
			Choose: func(key any) (int, error) { return key.(int), nil }}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if g, err := r.Shard("s", 1); err != nil || g.Name() != "b" {
		t.Fatalf("Shard(s, 1) = %v, %v; want group b", g, err)
	}
	if _, err := r.Shard("s", 2); err == nil || !strings.Contains(err.Error(), "chose shard 2 of 2") {
		t.Fatalf("a chooser out of range: err = %v", err)
	}
	if _, err := r.Shard("t", 1); !errors.Is(err, router.ErrUnknownShardSet) {
		t.Fatalf("unknown set: err = %v", err)
	}
}
