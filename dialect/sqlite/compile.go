package sqlite

import (
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/athanor-orm/athanor/core"
)

// Dialect is the SQLite dialect.
var Dialect = dialect{}

var _ core.Dialect = Dialect

// dialect implements core.Dialect. Its compiler hooks are in this file,
// its DDL type names in ddl.go.
type dialect struct{}

func (dialect) Name() string { return "sqlite" }

// Features returns the dialect's fixed feature set, built once (see the
// postgres dialect's).
func (dialect) Features() core.Features { return features }

var features = core.Features{
	ReturningInsert: true, ReturningUpdate: true, ReturningDelete: true,
	Upsert:             core.UpsertOnConflict,
	NullsOrder:         true,
	OffsetWithoutLimit: "-1",
	FullJoin:           true, RightJoin: true,
	UpdateFrom:             core.JoinFrom,
	DeleteUsing:            core.JoinNone,
	DMLWith:                true,
	CreateIndexIfNotExists: true,
	MaxParams:              32766, // SQLITE_MAX_VARIABLE_NUMBER's default
	Match:                  core.MatchGlob,
	DatePart:               core.DatePartStrftime,
	PartialIndexes:         true,
	ExpressionIndexes:      true,
}

func (dialect) AppendPlaceholder(b []byte, _ int) []byte { return append(b, '?') }

// AppendIdent double-quotes name, doubling embedded double quotes.
func (dialect) AppendIdent(b []byte, name string) ([]byte, error) {
	b, err := core.AppendQuotedIdent(b, name, '"', 0)
	if err != nil {
		return b, fmt.Errorf("sqlite: %w", err)
	}
	return b, nil
}

// AppendLiteral writes a DDL literal (” doubling; SQLite has no backslash
// escapes). NUL cannot appear in a SQLite text literal and is an error.
func (dialect) AppendLiteral(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "NULL"...), nil
	case bool:
		if x {
			return append(b, '1'), nil
		}
		return append(b, '0'), nil
	case string:
		if !utf8.ValidString(x) {
			return b, fmt.Errorf("sqlite: string literal is not valid UTF-8")
		}
		b = append(b, '\'')
		for i := 0; i < len(x); i++ {
			switch x[i] {
			case 0:
				return b, fmt.Errorf("sqlite: string literal contains a NUL byte")
			case '\'':
				b = append(b, '\'')
			}
			b = append(b, x[i])
		}
		return append(b, '\''), nil
	}
	b, ok, err := core.AppendNumberLiteral(b, v, math.MaxInt64)
	switch {
	case err != nil:
		return b, fmt.Errorf("sqlite: %w", err)
	case !ok:
		return b, fmt.Errorf("sqlite: cannot write a %T as a SQL literal", v)
	}
	return b, nil
}
