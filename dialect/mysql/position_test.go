package mysql

import (
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/core"
)

func TestGTIDPosCovers(t *testing.T) {
	tests := []struct {
		name       string
		have, need string
		want       bool
	}{
		{"equal", "0-1-10", "0-1-10", true},
		{"ahead", "0-1-11", "0-1-10", true},
		{"behind", "0-1-9", "0-1-10", false},
		{"missing domain", "0-1-50", "0-1-10,1-2-1", false},
		{"server id does not order", "0-2-10", "0-1-10", true},
		{"empty need", "0-1-1", "", true},
		{"empty have", "", "0-1-1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := ParseGTIDPos(tt.have)
			if err != nil {
				t.Fatal(err)
			}
			n, err := ParseGTIDPos(tt.need)
			if err != nil {
				t.Fatal(err)
			}
			if got := h.Covers(n); got != tt.want {
				t.Fatalf("%q covers %q = %v, want %v", tt.have, tt.need, got, tt.want)
			}
		})
	}
}

func TestGTIDPosMergeAndString(t *testing.T) {
	a, _ := ParseGTIDPos("1-2-7, 0-1-42")
	b, _ := ParseGTIDPos("0-1-40,2-3-1")
	if got := a.Merge(b).String(); got != "0-1-42,1-2-7,2-3-1" {
		t.Fatalf("merge = %q", got)
	}
	for _, bad := range []string{"0-1", "a-1-2", "0-1-2-3", "0--1"} {
		if _, err := ParseGTIDPos(bad); err == nil {
			t.Errorf("ParseGTIDPos(%q) succeeded", bad)
		}
	}
}

func TestGTIDSet(t *testing.T) {
	const u = "3e11fa47-71ca-11e1-9e33-c80aa9429562"
	have, err := ParseGTIDSet(u + ":1-5:7-9,\n" + u + ":6")
	if err != nil {
		t.Fatal(err)
	}
	if got := have.String(); got != u+":1-9" {
		t.Fatalf("normalized = %q", got)
	}
	need, _ := ParseGTIDSet(strings.ToUpper(u) + ":3-4")
	if !have.Covers(need) {
		t.Fatal("1-9 must cover 3-4 (UUIDs compare case-insensitively)")
	}
	more, _ := ParseGTIDSet(u + ":9-10")
	if have.Covers(more) {
		t.Fatal("1-9 must not cover 9-10")
	}
	if !have.Union(more).Covers(more) {
		t.Fatal("union must cover its parts")
	}
	tagged, err := ParseGTIDSet(u + ":1-3:web:1-2")
	if err != nil {
		t.Fatal(err)
	}
	if len(tagged[u]) != 1 || len(tagged[u+":web"]) != 1 {
		t.Fatalf("tagged set parsed as %v", tagged)
	}
	for _, bad := range []string{u, u + ":5-3", u + ":1-x"} {
		if _, err := ParseGTIDSet(bad); err == nil {
			t.Errorf("ParseGTIDSet(%q) succeeded", bad)
		}
	}
}

// Each dialect's core.Replication: MariaDB's positions are GTID
// positions, MySQL's GTID sets, each with its own queries, and a
// position of one never covers or merges into the other's.
func TestReplication(t *testing.T) {
	tests := []struct {
		d                  dialect
		scheme             string
		older, newer, both string
		wait               string
	}{
		{MariaDB, "mariadb", "0-1-5", "0-1-9,1-2-3", "0-1-9,1-2-3", "MASTER_GTID_WAIT"},
		{Dialect, "mysql", "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa:1-5", "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa:6-9",
			"aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa:1-9", "WAIT_FOR_EXECUTED_GTID_SET"},
	}
	for _, tt := range tests {
		t.Run(tt.scheme, func(t *testing.T) {
			var r core.Replication = tt.d
			if r.PositionScheme() != tt.scheme || core.LookupReplication(tt.scheme) != r {
				t.Fatalf("scheme %q (registered: %v)", r.PositionScheme(), core.LookupReplication(tt.scheme))
			}
			a, err := r.ParsePosition(tt.older)
			if err != nil {
				t.Fatal(err)
			}
			b, err := r.ParsePrimaryPosition(tt.newer)
			if err != nil {
				t.Fatal(err)
			}
			m := a.Merge(b)
			if m.String() != tt.both || !m.Covers(a) || !m.Covers(b) || a.Covers(b) {
				t.Errorf("merge %s + %s = %s; want %s covering both", a, b, m, tt.both)
			}
			if !strings.Contains(r.WaitPositionQuery(), tt.wait) || r.PrimaryPositionQuery() == "" || r.ReplicaPositionQuery() == "" {
				t.Errorf("queries: %q, %q, %q", r.PrimaryPositionQuery(), r.ReplicaPositionQuery(), r.WaitPositionQuery())
			}
		})
	}
	maria, _ := MariaDB.ParsePosition("0-1-5")
	my, _ := Dialect.ParsePosition("aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa:1-5")
	if maria.Covers(my) || my.Covers(maria) || maria.Merge(my).String() != "0-1-5" {
		t.Error("a MariaDB and a MySQL position were compared or merged")
	}
}
