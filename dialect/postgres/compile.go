package postgres

import (
	"database/sql/driver"
	"fmt"
	"reflect"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/athanor-orm/athanor/core"
)

// Dialect is the PostgreSQL dialect (PostgreSQL 12 and later).
var Dialect = dialect{}

var (
	_ core.Dialect     = Dialect
	_ core.ParamCaster = Dialect
)

// dialect implements core.Dialect. Its compiler hooks are in this file,
// its DDL type names in ddl.go.
type dialect struct{}

// maxIdentLen is NAMEDATALEN-1: PostgreSQL silently truncates longer
// names, so core refuses them instead.
const maxIdentLen = 63

func (dialect) Name() string { return "postgres" }

// Features returns the dialect's fixed feature set. It is built once:
// callers ask for it on every session and statement writer, through the
// interface, where building the struct field by field each time showed.
func (dialect) Features() core.Features { return features }

var features = core.Features{
	ReturningInsert: true, ReturningUpdate: true, ReturningDelete: true,
	Upsert:     core.UpsertOnConflict,
	NullsOrder: true,
	ILike:      true,
	AnyArray:   true,
	EnumTypes:  true,
	Locking:    true, ShareLock: "FOR SHARE", SkipLocked: true, NoWait: true,
	SetOpAll: true, FullJoin: true, RightJoin: true,
	UpdateFrom: core.JoinFrom, DeleteUsing: core.JoinFrom,
	ModifyingCTE:           true,
	DMLWith:                true,
	DropForeignKey:         "DROP CONSTRAINT",
	AlterIfExists:          true,
	CreateIndexIfNotExists: true,
	UnnestArrays:           true,
	MaxIdentLen:            maxIdentLen,
	MaxParams:              65535, // the Bind message counts them in 16 bits
	NumberedParams:         true,
	Match:                  core.MatchLike,
	DatePart:               core.DatePartExtract,
	Comments:               core.CommentsOn,
	PartialIndexes:         true,
	ExpressionIndexes:      true,
	Lateral:                true,
}

// AppendParamCast implements core.ParamCaster. PostgreSQL types a
// parameter from its context; a bare $1 in a select list (a CTE anchor,
// SELECT EXISTS (SELECT $1 …)) would otherwise be text, and $1 + $2 would
// have no type at all. The cast follows the Go type: integers bigint,
// floats double precision, bool boolean, []byte bytea, time.Time
// timestamptz (an instant). Strings and nil take the server's default
// (text), and driver.Valuer and other types are left to the context: their
// SQL type is not known here.
func (dialect) AppendParamCast(b []byte, v any) []byte {
	switch v.(type) {
	case nil, string, driver.Valuer:
		return b
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return append(b, "::bigint"...)
	case float32, float64:
		return append(b, "::double precision"...)
	case bool:
		return append(b, "::boolean"...)
	case []byte:
		return append(b, "::bytea"...)
	case time.Time:
		return append(b, "::timestamptz"...)
	}
	// Named types and pointers to the above, as pgx binds them.
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return b
		}
		rv = rv.Elem()
	}
	if _, ok := rv.Interface().(driver.Valuer); ok {
		return b
	}
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return append(b, "::bigint"...)
	case reflect.Float32, reflect.Float64:
		return append(b, "::double precision"...)
	case reflect.Bool:
		return append(b, "::boolean"...)
	}
	if rv.Type() == reflect.TypeFor[time.Time]() {
		return append(b, "::timestamptz"...)
	}
	return b
}

func (dialect) AppendPlaceholder(b []byte, n int) []byte {
	b = append(b, '$')
	return strconv.AppendInt(b, int64(n), 10)
}

// AppendIdent double-quotes name, doubling embedded double quotes.
func (dialect) AppendIdent(b []byte, name string) ([]byte, error) {
	b, err := core.AppendQuotedIdent(b, name, '"', maxIdentLen)
	if err != nil {
		return b, fmt.Errorf("postgres: %w", err)
	}
	return b, nil
}

// AppendLiteral writes a DDL literal. Strings with a backslash use the
// E” form so the result does not depend on standard_conforming_strings.
func (dialect) AppendLiteral(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "NULL"...), nil
	case bool:
		if x {
			return append(b, "TRUE"...), nil
		}
		return append(b, "FALSE"...), nil
	case string:
		return appendString(b, x)
	}
	return compileAppendNumber(b, v)
}

func appendString(b []byte, s string) ([]byte, error) {
	if !utf8.ValidString(s) {
		return b, fmt.Errorf("postgres: string literal is not valid UTF-8")
	}
	esc := false
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return b, fmt.Errorf("postgres: string literal contains a NUL byte")
		}
		if s[i] == '\\' {
			esc = true
		}
	}
	if esc {
		b = append(b, 'E')
	}
	b = append(b, '\'')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\'' || (esc && c == '\\') {
			b = append(b, c)
		}
		b = append(b, c)
	}
	return append(b, '\''), nil
}

// compileAppendNumber writes an integer or finite float literal.
func compileAppendNumber(b []byte, v any) ([]byte, error) {
	b, ok, err := core.AppendNumberLiteral(b, v, 0)
	switch {
	case err != nil:
		return b, fmt.Errorf("postgres: %w", err)
	case !ok:
		return b, fmt.Errorf("postgres: cannot write a %T as a SQL literal", v)
	}
	return b, nil
}
