package router

import (
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/dialect/mysql"
	"github.com/athanor-orm/athanor/dialect/postgres"
	"github.com/athanor-orm/athanor/dialect/sqlite"
)

// The router's kinds are the dialects' position schemes: a position a
// dialect makes and one parsed from a token agree.
func TestPositionKindsAreDialectSchemes(t *testing.T) {
	for kind, d := range map[PositionKind]core.Dialect{
		PositionLSN:     postgres.Dialect,
		PositionMariaDB: mysql.MariaDB,
		PositionMySQL:   mysql.Dialect,
	} {
		r, ok := d.(core.Replication)
		if !ok {
			t.Fatalf("dialect %s has no replication positions", d.Name())
		}
		if got := PositionKind(r.PositionScheme()); got != kind {
			t.Errorf("dialect %s: scheme %q, want %q", d.Name(), got, kind)
		}
		if core.LookupReplication(string(kind)) != r {
			t.Errorf("scheme %q is not registered to dialect %s", kind, d.Name())
		}
	}
	if _, ok := any(sqlite.Dialect).(core.Replication); ok {
		t.Error("sqlite has replication positions")
	}
}

// Token strings written before positions became a dialect capability
// (cookies in the wild) still parse, to the same positions.
func TestOldTokenStringsStillParse(t *testing.T) {
	tests := []struct {
		name  string
		token string // written by the previous version's Token.String
		want  map[string]string
	}{
		{"postgres", "v1.ZGVmYXVsdD1wZzoxNi9CMzc0RDg0OA",
			map[string]string{"default": "pg:16/B374D848"}},
		{"mariadb two domains", "v1.ZGVmYXVsdD1tYXJpYWRiOjAtMS00MiwxLTItNw",
			map[string]string{"default": "mariadb:0-1-42,1-2-7"}},
		{"mysql set", "v1.ZGVmYXVsdD1teXNxbDphYWFhYWFhYS1hYWFhLWFhYWEtYWFhYS1hYWFhYWFhYWFhYWE6MS01Ojc",
			map[string]string{"default": "mysql:aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa:1-5:7"}},
		{"primary", "v1.ZGVmYXVsdD1wcmltYXJ5Og",
			map[string]string{"default": "primary:"}},
		{"two groups", "v1.YW5hbHl0aWNzPW1hcmlhZGI6MC0xLTQyCmRlZmF1bHQ9cGc6MC8xNkIzNzQ4",
			map[string]string{"analytics": "mariadb:0-1-42", "default": "pg:0/16B3748"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := ParseToken(tt.token)
			if err != nil {
				t.Fatal(err)
			}
			if len(tok.Groups()) != len(tt.want) {
				t.Fatalf("groups %v, want %v", tok.Groups(), tt.want)
			}
			for g, ps := range tt.want {
				if got := tok.Position(g).String(); got != ps {
					t.Errorf("group %s: %q, want %q", g, got, ps)
				}
			}
			if back := tok.String(); back != tt.token {
				t.Errorf("String() = %q, want the original %q", back, tt.token)
			}
		})
	}
}

// A primary's position is read through the dialect: PostgreSQL's insert
// position is turned into the record-end form a standby reports, which
// the previous closed union did in the router.
func TestPrimaryPositionRecordEnd(t *testing.T) {
	r := core.Replication(postgres.Dialect)
	g := &Group{name: "main", repl: r, kind: PositionKind(r.PositionScheme())}
	// 0/1000028: the insert position just past the short header of a page
	// (0x1000000 is a segment start, so take the next page).
	p, err := g.parse("0/1002018", r.ParsePrimaryPosition)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.String(), "pg:0/1002000"; got != want {
		t.Errorf("primary position %s, want %s", got, want)
	}
	if _, err := g.parse("", r.ParseReplicaPosition); err == nil {
		t.Error("an empty replay position (not a standby) was accepted")
	}
}

func TestParsePositionUnknownKind(t *testing.T) {
	if _, err := ParsePosition("oracle:42"); err == nil {
		t.Fatal("a position of an unregistered kind was accepted")
	}
}
