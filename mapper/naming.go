package mapper

import (
	"reflect"

	"github.com/athanor-orm/athanor/internal/naming"
)

// Naming derives SQL names from Go names for a registry. It names what no
// tag names: tables without a TableName method or `table:` tag, columns
// without a name in their tag, the columns a many-to-one looks for when
// it infers its foreign key, and the columns of a synthesized association
// table (see the package doc). Implementations must be safe for concurrent
// use and return the same name for the same input.
type Naming interface {
	// TableName names the table of a model from its struct name.
	TableName(structName string) string
	// ColumnName names a column from a Go field name (or, for derived
	// columns, a Go-style name such as AuthorID or PlaylistID).
	ColumnName(fieldName string) string
}

// SnakeCase is the default naming: columns are the snake_case of the field
// name (AuthorID → author_id, S3Key → s3_key, HTTPServer → http_server,
// OAuth2Token → o_auth2_token, UserIDs → user_ids), tables the snake_case
// plural of the struct name (Book → books, Category → categories). The
// engine's struct scanner uses the same rule for fields without a `db` tag.
var SnakeCase Naming = snakeCase{}

type snakeCase struct{}

func (snakeCase) TableName(s string) string  { return naming.Plural(naming.Snake(s)) }
func (snakeCase) ColumnName(s string) string { return naming.Snake(s) }

// NamingFuncs is a Naming made of functions; a nil function falls back to
// SnakeCase's. For example, to keep Go names as they are:
//
//	keep := func(s string) string { return s }
//	reg := mapper.NewRegistry(mapper.WithNaming(mapper.NamingFuncs{Table: keep, Column: keep}))
type NamingFuncs struct {
	Table, Column func(string) string
}

// TableName calls Table, or SnakeCase.TableName if Table is nil.
func (n NamingFuncs) TableName(s string) string {
	if n.Table == nil {
		return SnakeCase.TableName(s)
	}
	return n.Table(s)
}

// ColumnName calls Column, or SnakeCase.ColumnName if Column is nil.
func (n NamingFuncs) ColumnName(s string) string {
	if n.Column == nil {
		return SnakeCase.ColumnName(s)
	}
	return n.Column(s)
}

// Option configures a registry in NewRegistry.
type Option func(*Registry)

// WithNaming sets the registry's naming strategy (default SnakeCase); a
// nil n keeps the default.
func WithNaming(n Naming) Option {
	return func(r *Registry) {
		if n != nil {
			r.naming = n
		}
	}
}

// Naming returns the registry's naming strategy.
func (r *Registry) Naming() Naming { return r.naming }

// FieldColumn names the column a struct field is scanned from, by the
// registry's rules: the name in the field's `athanor` tag, else the
// naming strategy's; skipped fields and relationship fields have none.
// It lets the engine's scanner (engine.FieldNamer) read a model's own
// SELECT into the model, as session.Scan does.
func (r *Registry) FieldColumn(f reflect.StructField) (string, bool) {
	tg := parseTag(f.Tag.Get(TagName))
	if tg.skip {
		return "", false
	}
	if _, _, rel := relTarget(f.Type); rel {
		return "", false
	}
	if tg.name != "" {
		return tg.name, true
	}
	return r.naming.ColumnName(f.Name), true
}
