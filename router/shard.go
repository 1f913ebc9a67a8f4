package router

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"reflect"
	"strings"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
)

// Sharding errors.
var (
	// ErrCrossShard: a write or a transaction would touch more than one
	// shard. Use ShardSet.BeginMulti to opt into a (non-atomic) commit on
	// several shards.
	ErrCrossShard = errors.New("router: statement or transaction spans more than one shard")
	// ErrNoShardKey: a sharded statement came without a shard key in its
	// context (WithShardKey) and without AllShards.
	ErrNoShardKey = errors.New("router: no shard key")
	// ErrUnknownShardSet: no shard set of that name.
	ErrUnknownShardSet = errors.New("router: unknown shard set")
	// ErrShardMerge: the rows of several shards cannot be merged in the
	// statement's order (an ORDER BY term that is not a result column,
	// values that do not compare, a shard whose rows are not in the
	// merge's order).
	ErrShardMerge = errors.New("router: cannot merge the shards' rows")
)

// ShardConfig is one shard set: tables whose rows are spread over several
// bind groups, the shards, by a key.
type ShardConfig struct {
	// Name names the set, for Router.ShardSet and Router.Shard.
	Name string
	// Groups names the shards, in shard order: shard i is the bind group
	// Groups[i] of Config.Groups (a primary and its replicas, with its own
	// causal positions). At least one; each group at most once.
	Groups []string
	// Choose maps a key to its shard, in [0, len(Groups)). Nil means
	// HashShard: a hash of the key modulo the number of shards.
	Choose func(key any) (shard int, err error)
	// Tables are the set's tables, sharded by the key the context carries:
	// Router.Exec, Query, QueryFunc, QueryRow and Batch send a statement
	// on them to the one shard of the context's key (see GroupForContext).
	// A table is in one set at most and not in Config.Binds.
	Tables []string
	// MaxConcurrent bounds how many shards a statement spanning several
	// is run on at once; default 8.
	MaxConcurrent int
}

// ShardSet is a set of shards, each a bind group, and the rule that maps a
// key to its shard. Statements name their shard key through the context
// (WithShardKey, or AllShards for every shard).
type ShardSet struct {
	name          string
	shards        []*Group
	choose        func(key any) (int, error)
	maxConcurrent int
}

func newShardSets(rt *routes, cfgs []ShardConfig) (map[string]*ShardSet, map[string]*ShardSet, error) {
	sets := make(map[string]*ShardSet, len(cfgs))
	tables := map[string]*ShardSet{}
	for _, sc := range cfgs {
		if sc.Name == "" {
			return nil, nil, errors.New("router: a shard set has no name")
		}
		if _, dup := sets[sc.Name]; dup {
			return nil, nil, fmt.Errorf("router: shard set %q declared twice", sc.Name)
		}
		if len(sc.Groups) == 0 {
			return nil, nil, fmt.Errorf("router: shard set %q has no shard", sc.Name)
		}
		s := &ShardSet{name: sc.Name, choose: sc.Choose, maxConcurrent: sc.MaxConcurrent}
		seen := map[string]bool{}
		for _, name := range sc.Groups {
			g, ok := rt.groups[name]
			if !ok {
				return nil, nil, fmt.Errorf("%w %q (shard of set %q)", ErrUnknownGroup, name, sc.Name)
			}
			if seen[name] {
				return nil, nil, fmt.Errorf("router: shard set %q names group %q twice", sc.Name, name)
			}
			seen[name] = true
			g.shard = true
			s.shards = append(s.shards, g)
		}
		if s.choose == nil {
			n := len(s.shards)
			s.choose = func(key any) (int, error) { return HashShard(key, n) }
		}
		if s.maxConcurrent <= 0 {
			s.maxConcurrent = 8
		}
		for _, table := range sc.Tables {
			if other, dup := tables[table]; dup {
				return nil, nil, fmt.Errorf("router: table %q is in shard sets %q and %q", table, other.name, sc.Name)
			}
			if _, bound := rt.binds[table]; bound {
				return nil, nil, fmt.Errorf("router: table %q is in shard set %q and bound to a group by Config.Binds", table, sc.Name)
			}
			tables[table] = s
		}
		sets[sc.Name] = s
	}
	return sets, tables, nil
}

// ShardSet returns the shard set called name, or nil.
func (r *Router) ShardSet(name string) *ShardSet { return r.routes.Load().shards[name] }

// Shard returns the shard (a bind group) of key in the shard set called
// set. Its Exec, Query, QueryRow, QueryFunc and Begin run there.
func (r *Router) Shard(set string, key any) (*Group, error) {
	s := r.ShardSet(set)
	if s == nil {
		return nil, fmt.Errorf("%w %q", ErrUnknownShardSet, set)
	}
	return s.Shard(key)
}

// Name is the set's name.
func (s *ShardSet) Name() string { return s.name }

// Shards returns the shards in shard order.
func (s *ShardSet) Shards() []*Group { return append([]*Group(nil), s.shards...) }

// Shard returns the shard of key.
func (s *ShardSet) Shard(key any) (*Group, error) {
	i, err := s.index(key)
	if err != nil {
		return nil, err
	}
	return s.shards[i], nil
}

func (s *ShardSet) index(key any) (int, error) {
	i, err := s.choose(key)
	if err != nil {
		return 0, fmt.Errorf("router: shard set %q: shard of key %v: %w", s.name, key, err)
	}
	if i < 0 || i >= len(s.shards) {
		return 0, fmt.Errorf("router: shard set %q: key %v chose shard %d of %d", s.name, key, i, len(s.shards))
	}
	return i, nil
}

// shardKeys is what WithShardKey and AllShards put in a context.
type shardKeys struct {
	keys []any
	all  bool
}

type shardKeyCtx struct{}

// WithShardKey returns a context whose sharded statements run on the
// shards of keys: one key, one shard; an IN list of keys, the set of
// their shards. It replaces any key or AllShards ctx carries.
func WithShardKey(ctx context.Context, keys ...any) context.Context {
	return context.WithValue(ctx, shardKeyCtx{}, shardKeys{keys: append([]any(nil), keys...)})
}

// AllShards returns a context whose sharded reads run on every shard. It
// is an explicit choice: a read without a key is refused (ErrNoShardKey),
// so that a forgotten key does not become a scan of every shard.
func AllShards(ctx context.Context) context.Context {
	return context.WithValue(ctx, shardKeyCtx{}, shardKeys{all: true})
}

// For returns the shards the context names (WithShardKey, AllShards), in
// shard order, each once.
func (s *ShardSet) For(ctx context.Context) ([]*Group, error) {
	if err := engine.CheckContext(ctx); err != nil {
		return nil, err
	}
	k, ok := ctx.Value(shardKeyCtx{}).(shardKeys)
	if k.all {
		return s.Shards(), nil
	}
	if !ok || len(k.keys) == 0 {
		return nil, fmt.Errorf("%w for shard set %q: give one with router.WithShardKey, or router.AllShards", ErrNoShardKey, s.name)
	}
	hit := make([]bool, len(s.shards))
	for _, key := range k.keys {
		i, err := s.index(key)
		if err != nil {
			return nil, err
		}
		hit[i] = true
	}
	var gs []*Group
	for i, h := range hit {
		if h {
			gs = append(gs, s.shards[i])
		}
	}
	return gs, nil
}

// one returns the single shard ctx names, or ErrCrossShard.
func (s *ShardSet) one(ctx context.Context, what string) (*Group, error) {
	gs, err := s.For(ctx)
	if err != nil {
		return nil, err
	}
	if len(gs) != 1 {
		names := make([]string, len(gs))
		for i, g := range gs {
			names[i] = g.name
		}
		return nil, fmt.Errorf("%w: %s in shard set %q would touch shards %s", ErrCrossShard, what, s.name, strings.Join(names, ", "))
	}
	return gs[0], nil
}

// HashShard is the default shard chooser: FNV-1a of the key modulo n.
// Integers of every width and signedness hash by value (int32(7) and
// int64(7) share a shard); strings and []byte by their bytes (the same
// shard for the same bytes); 16-byte arrays (UUIDs) by their bytes.
// Other types are an error. Changing n moves most keys.
func HashShard(key any, n int) (int, error) {
	if n <= 0 {
		return 0, fmt.Errorf("router: HashShard: %d shards", n)
	}
	h := fnv.New64a()
	var b [9]byte
	v := reflect.ValueOf(key)
	switch {
	case key == nil:
		return 0, errors.New("router: HashShard: nil key")
	case v.CanInt():
		b[0] = 'i'
		binary.BigEndian.PutUint64(b[1:], uint64(v.Int()))
		h.Write(b[:])
	case v.CanUint():
		u := v.Uint()
		if u > 1<<63-1 {
			b[0] = 'u'
		} else {
			b[0] = 'i' // the same shard as the signed value
		}
		binary.BigEndian.PutUint64(b[1:], u)
		h.Write(b[:])
	case v.Kind() == reflect.String:
		h.Write([]byte{'s'})
		h.Write([]byte(v.String()))
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8:
		h.Write([]byte{'s'})
		h.Write(v.Bytes())
	case v.Kind() == reflect.Array && v.Len() == 16 && v.Type().Elem().Kind() == reflect.Uint8:
		var a [16]byte
		reflect.Copy(reflect.ValueOf(&a).Elem(), v)
		h.Write([]byte{'s'})
		h.Write(a[:])
	default:
		return 0, fmt.Errorf("router: HashShard: key of type %T (want an integer, a string, []byte or a 16-byte array)", key)
	}
	return int(h.Sum64() % uint64(n)), nil
}

// GroupForContext is GroupFor for a statement that may be on the tables of
// a shard set (ShardConfig.Tables): those go to the one shard the
// context's key names (WithShardKey), and without a key, or with keys of
// several shards, are refused (ErrNoShardKey, ErrCrossShard: read several
// shards with ShardSet.Query). Other tables in the same statement must be
// in that shard's group (else ErrCrossGroup).
func (r *Router) GroupForContext(ctx context.Context, stmt core.Statement) (*Group, error) {
	rt := r.routes.Load()
	var set *ShardSet
	var table string
	for _, t := range stmt.Tables() {
		s, ok := rt.sharded[t]
		if !ok {
			continue
		}
		if set != nil && s != set {
			return nil, fmt.Errorf("%w: table %q is in shard set %q, table %q in %q", ErrCrossShard, table, set.name, t, s.name)
		}
		set, table = s, t
	}
	if set == nil {
		return r.GroupFor(stmt)
	}
	g, err := set.one(ctx, fmt.Sprintf("a statement on table %q", table))
	if err != nil {
		return nil, err
	}
	for _, t := range stmt.Tables() {
		if _, ok := rt.sharded[t]; ok {
			continue
		}
		tg, ok := rt.binds[t]
		if !ok {
			tg = rt.defaultGrp
		}
		if tg != g {
			return nil, fmt.Errorf("%w: table %q is in %q, sharded table %q on shard %q", ErrCrossGroup, t, tg.name, table, g.name)
		}
	}
	return g, nil
}

// ShardSetOf returns the shard set whose ShardConfig.Tables holds table
// (as core.Table.FullName names it), or nil when table is not sharded.
func (r *Router) ShardSetOf(table string) *ShardSet { return r.routes.Load().sharded[table] }

// Has reports whether g is one of the set's shards.
func (s *ShardSet) Has(g *Group) bool {
	for _, sg := range s.shards {
		if sg == g {
			return true
		}
	}
	return false
}
