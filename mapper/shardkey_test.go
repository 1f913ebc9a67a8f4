package mapper_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/mapper"
)

type skNote struct {
	ID       int64
	TenantID int64  `athanor:"tenant_id,shardkey"`
	Body     string `athanor:",size:32"`
}

type skByKey struct {
	ID   int64 `athanor:",shardkey"`
	Body string
}

type skComposite struct {
	Tenant string `athanor:",pk,size:16,shardkey"`
	N      int64  `athanor:",pk"`
}

func TestShardKeyTag(t *testing.T) {
	reg := mapper.NewRegistry()
	m, err := mapper.RegisterIn[skNote](reg)
	if err != nil {
		t.Fatal(err)
	}
	if f := m.ShardKey(); f == nil || f.Name != "TenantID" || !f.ShardKey || f.Column != "tenant_id" {
		t.Fatalf("ShardKey = %+v, want TenantID (tenant_id)", f)
	}
	if m.IntKey() != -1 {
		t.Fatalf("IntKey = %d, want -1: the identity is key and shard key", m.IntKey())
	}
	if !m.AutoIncrement().AutoIncrement || m.AutoIncrement().Name != "ID" {
		t.Fatalf("the key of a model with a shard key stays generated: %v", m.AutoIncrement())
	}
	// A shard key that is the key itself keeps the integer identity.
	k, err := mapper.RegisterIn[skByKey](reg)
	if err != nil {
		t.Fatal(err)
	}
	if k.ShardKey() == nil || k.ShardKey().Name != "ID" || k.IntKey() < 0 {
		t.Fatalf("shard key on the key: ShardKey %v, IntKey %d", k.ShardKey(), k.IntKey())
	}
	c, err := mapper.RegisterIn[skComposite](reg)
	if err != nil || c.ShardKey() == nil || c.ShardKey().Name != "Tenant" {
		t.Fatalf("shard key in a composite key: %v, %v", c, err)
	}
	// A model without the tag has none.
	plain, err := mapper.RegisterIn[skPlain](reg)
	if err != nil || plain.ShardKey() != nil || plain.IntKey() < 0 {
		t.Fatalf("untagged model: ShardKey %v, IntKey %d, %v", plain.ShardKey(), plain.IntKey(), err)
	}
}

type skPlain struct {
	ID int64
	X  string
}

type skTwo struct {
	ID int64
	A  int64 `athanor:",shardkey"`
	B  int64 `athanor:",shardkey"`
}
type skDeferred struct {
	ID int64
	A  string `athanor:",shardkey,deferred"`
}
type skNullable struct {
	ID int64
	A  *int64 `athanor:",shardkey"`
}
type skVersion struct {
	ID int64
	V  int64 `athanor:",version,shardkey"`
}
type skFloat struct {
	ID int64
	A  float64 `athanor:",shardkey"`
}
type skAuto struct {
	ID int64 `athanor:",pk,autoincrement,shardkey"`
}
type skComputed struct {
	ID int64
	A  int64 `athanor:",computed,shardkey"`
}

func (skComputed) Computed(string) any { return nil }

type skRel struct {
	ID    int64
	Notes []*skNote `athanor:",shardkey"`
}

func TestShardKeyTagErrors(t *testing.T) {
	cases := []struct {
		name     string
		register func(*mapper.Registry) error
		field    string
		want     string
	}{
		{"two", regSK[skTwo], "B", "second shardkey field (first is A)"},
		{"deferred", regSK[skDeferred], "A", "cannot be deferred"},
		{"nullable", regSK[skNullable], "A", "cannot be nullable"},
		{"version", regSK[skVersion], "V", "version column cannot be the shard key"},
		{"float", regSK[skFloat], "A", "integer, string, bytes or UUID"},
		{"autoincrement", regSK[skAuto], "ID", "autoincrement column cannot be the shard key"},
		{"computed", regSK[skComputed], "A", `"shardkey"`},
		{"relationship", regSK[skRel], "Notes", `"shardkey"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.register(mapper.NewRegistry())
			if err == nil {
				t.Fatal("registered")
			}
			if !errors.Is(err, mapper.ErrBadTag) {
				t.Fatalf("%v: does not match ErrBadTag", err)
			}
			for _, part := range []string{"field " + c.field + " ", "shardkey", c.want} {
				if !strings.Contains(err.Error(), part) {
					t.Fatalf("error %q lacks %q", err, part)
				}
			}
		})
	}
}

func regSK[T any](r *mapper.Registry) error {
	_, err := mapper.RegisterIn[T](r)
	return err
}
