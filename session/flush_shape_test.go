package session

import (
	"database/sql"
	"encoding/json"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/mapper"
)

type mood string

type plainRow struct {
	ID    int64 `athanor:",pk"`
	Name  string
	Mood  mood
	Note  *string
	Any   any `athanor:",type:text"`
	Null  sql.NullString
	Rank  int32
	Big   uint64
	On    bool
	Doc   map[string]int  `athanor:",type:json"`
	Raw   json.RawMessage `athanor:",type:bytea"`
	Text  string          `athanor:",type:json"`
	Score float64
}

// TestPlainArray pins which fields unnest trusts without looking at their
// values: only predeclared scalar types whose values go in the column's
// array. A named type, a pointer, an interface, a Valuer or JSON must be
// checked row by row (or a value pgx encodes otherwise would go in an
// array).
func TestPlainArray(t *testing.T) {
	reg := mapper.NewRegistry()
	m, err := mapper.RegisterIn[plainRow](reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		field string
		kind  core.TypeKind
		want  bool
	}{
		{"Name", core.TypeText, true},
		{"Name", core.TypeUUID, true},
		{"Name", core.TypeBigInt, false}, // a string is no integer
		{"Mood", core.TypeText, false},   // named: may have its own codec
		{"Note", core.TypeText, false},   // pointer: nil or a string
		{"Any", core.TypeText, false},
		{"Null", core.TypeText, false}, // driver.Valuer
		{"Rank", core.TypeInt, true},
		{"Rank", core.TypeText, false},
		{"Big", core.TypeBigInt, false}, // uint64 does not fit every bigint
		{"On", core.TypeBool, true},
		{"Doc", core.TypeText, false}, // JSON
		{"Raw", core.TypeBytes, false},
		{"Score", core.TypeDouble, true},
		{"ID", core.TypeBigInt, true},
	} {
		f, ok := m.Field(c.field)
		if !ok {
			t.Fatalf("no field %s", c.field)
		}
		if got := plainArray(f, c.kind); got != c.want {
			t.Errorf("plainArray(%s %s, kind %v) = %v, want %v", c.field, f.Type, c.kind, got, c.want)
		}
	}
}
