package sqlite

import (
	"fmt"
	"math"
	"strconv"
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

func (dialect) Features() core.Features {
	return core.Features{
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
}

func (dialect) AppendPlaceholder(b []byte, _ int) []byte { return append(b, '?') }

// AppendIdent double-quotes name, doubling embedded double quotes.
func (dialect) AppendIdent(b []byte, name string) ([]byte, error) {
	switch {
	case name == "":
		return b, fmt.Errorf("sqlite: empty identifier: %w", core.ErrInvalidIdentifier)
	case !utf8.ValidString(name):
		return b, fmt.Errorf("sqlite: identifier %q is not valid UTF-8: %w", name, core.ErrInvalidIdentifier)
	}
	b = append(b, '"')
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch c {
		case 0:
			return b, fmt.Errorf("sqlite: identifier %q contains a NUL byte: %w", name, core.ErrInvalidIdentifier)
		case '"':
			b = append(b, '"')
		}
		b = append(b, c)
	}
	return append(b, '"'), nil
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
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int8:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int16:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case uint8:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint16:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint32:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint:
		return appendUint64(b, uint64(x))
	case uint64:
		return appendUint64(b, x)
	case float32:
		return compileAppendFloat(b, float64(x), 32)
	case float64:
		return compileAppendFloat(b, x, 64)
	}
	return b, fmt.Errorf("sqlite: cannot write a %T as a SQL literal", v)
}

func compileAppendFloat(b []byte, f float64, bits int) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, fmt.Errorf("sqlite: cannot write a non-finite float as a SQL literal")
	}
	return strconv.AppendFloat(b, f, 'g', -1, bits), nil
}

// appendUint64 writes n if SQLite's 64-bit signed integers hold it; a
// larger literal would be read as a float.
func appendUint64(b []byte, n uint64) ([]byte, error) {
	if n > math.MaxInt64 {
		return b, fmt.Errorf("sqlite: integer literal %d overflows a 64-bit signed integer", n)
	}
	return strconv.AppendUint(b, n, 10), nil
}
