package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/inspect"
)

// SchemaView is what `athanor inspect --json` prints: a reflected schema
// (inspect.Schema) with every expression as the server's SQL text. Empty
// fields are left out.
type SchemaView struct {
	Dialect  string      `json:"dialect"` // "postgres", "mariadb", "mysql", "sqlite"
	Schema   string      `json:"schema"`  // PostgreSQL schema, MariaDB database, "main" on SQLite
	Tables   []TableView `json:"tables"`  // sorted by name
	Enums    []EnumView  `json:"enums,omitempty"`
	Warnings []string    `json:"warnings,omitempty"` // what reflection left out
}

// TableView is one table of a SchemaView.
type TableView struct {
	Name        string           `json:"name"`
	Comment     string           `json:"comment,omitempty"`
	Columns     []ColumnView     `json:"columns"` // in table order
	PrimaryKey  []string         `json:"primary_key,omitempty"`
	Uniques     []UniqueView     `json:"uniques,omitempty"`
	Indexes     []IndexView      `json:"indexes,omitempty"`
	ForeignKeys []ForeignKeyView `json:"foreign_keys,omitempty"`
	Checks      []CheckView      `json:"checks,omitempty"`
}

// ColumnView is one column. Type is athanor's type (core.TypeKind with
// its size, precision and scale, such as "string(80)", "numeric(10,2)",
// "enum cw_status(a,b)", "native(inet)", "int[]").
type ColumnView struct {
	Name          string `json:"name"`
	Type          string `json:"type"`
	Nullable      bool   `json:"nullable"`
	Default       string `json:"default,omitempty"` // the server default's SQL
	AutoIncrement bool   `json:"autoincrement,omitempty"`
	Unique        bool   `json:"unique,omitempty"`
	Comment       string `json:"comment,omitempty"`
}

// UniqueView is a unique constraint.
type UniqueView struct {
	Name    string   `json:"name,omitempty"`
	Columns []string `json:"columns"`
}

// IndexView is a secondary index: its key is Columns, or Expressions
// when it has expression keys.
type IndexView struct {
	Name        string   `json:"name,omitempty"`
	Unique      bool     `json:"unique,omitempty"`
	Columns     []string `json:"columns,omitempty"`
	Expressions []string `json:"expressions,omitempty"`
	Where       string   `json:"where,omitempty"` // a partial index's predicate
}

// ForeignKeyView is a foreign key; OnDelete and OnUpdate are the SQL
// actions ("NO ACTION", "RESTRICT", "CASCADE", "SET NULL", "SET DEFAULT").
type ForeignKeyView struct {
	Name       string   `json:"name,omitempty"`
	Columns    []string `json:"columns"`
	RefTable   string   `json:"ref_table"`
	RefColumns []string `json:"ref_columns"`
	OnDelete   string   `json:"on_delete"`
	OnUpdate   string   `json:"on_update"`
}

// CheckView is a check constraint.
type CheckView struct {
	Name string `json:"name,omitempty"`
	Expr string `json:"expr"`
}

// EnumView is a PostgreSQL enum type.
type EnumView struct {
	Name   string   `json:"name"`
	Values []string `json:"values"`
}

var fkActions = [...]string{"NO ACTION", "RESTRICT", "CASCADE", "SET NULL", "SET DEFAULT"}

func fkAction(a core.FKAction) string {
	if int(a) < len(fkActions) {
		return fkActions[a]
	}
	return fmt.Sprintf("FKAction(%d)", a)
}

func typeText(t core.Type) string {
	var s string
	switch t.Kind {
	case core.TypeString:
		s = "string"
		if t.Size > 0 {
			s = fmt.Sprintf("string(%d)", t.Size)
		}
	case core.TypeNumeric:
		s = "numeric"
		if t.Precision > 0 {
			s = fmt.Sprintf("numeric(%d,%d)", t.Precision, t.Scale)
		}
	case core.TypeEnum:
		s = "enum"
		if t.Enum != nil {
			s = fmt.Sprintf("enum %s(%s)", t.Enum.Name, strings.Join(t.Enum.Values, ","))
		}
	case core.TypeNative:
		s = "native(" + t.Native + ")"
	default:
		s = t.Kind.String()
	}
	if t.Array {
		s += "[]"
	}
	return s
}

// viewOf turns a reflected schema into its view, rendering expressions
// with the schema's dialect.
func viewOf(d core.Dialect, s *inspect.Schema) (*SchemaView, error) {
	v := &SchemaView{Dialect: s.Dialect, Schema: s.Name, Tables: []TableView{}, Warnings: s.Warnings}
	for _, e := range s.Enums {
		v.Enums = append(v.Enums, EnumView{Name: e.Name, Values: e.Values})
	}
	for _, def := range s.Tables {
		sql := func(what string, e core.Expr) (string, error) {
			if e == nil {
				return "", nil
			}
			txt, err := core.InlineSQL(d, e)
			if err != nil {
				return "", fmt.Errorf("table %q: %s: %w", def.Name, what, err)
			}
			return txt, nil
		}
		tv := TableView{Name: def.Name, Comment: def.Comment, Columns: []ColumnView{}}
		for _, c := range def.Columns {
			cv := ColumnView{Name: c.Name, Type: typeText(c.Type), Nullable: c.Nullable,
				AutoIncrement: c.AutoIncrement, Unique: c.Unique, Comment: c.Comment}
			var err error
			if cv.Default, err = sql("column "+c.Name+" default", c.ServerDefault); err != nil {
				return nil, err
			}
			if c.PrimaryKey {
				tv.PrimaryKey = append(tv.PrimaryKey, c.Name)
			}
			tv.Columns = append(tv.Columns, cv)
		}
		for _, u := range def.Uniques {
			tv.Uniques = append(tv.Uniques, UniqueView{Name: u.Name, Columns: u.Columns})
		}
		for _, ix := range def.Indexes {
			iv := IndexView{Name: ix.Name, Unique: ix.Unique, Columns: ix.Columns}
			for i, e := range ix.Expressions {
				txt, err := sql(fmt.Sprintf("index %s expression %d", ix.Name, i+1), e)
				if err != nil {
					return nil, err
				}
				iv.Expressions = append(iv.Expressions, txt)
			}
			var err error
			if iv.Where, err = sql("index "+ix.Name+" WHERE", ix.Where); err != nil {
				return nil, err
			}
			tv.Indexes = append(tv.Indexes, iv)
		}
		for _, fk := range def.ForeignKeys {
			tv.ForeignKeys = append(tv.ForeignKeys, ForeignKeyView{Name: fk.Name, Columns: fk.Columns, RefTable: fk.RefTable,
				RefColumns: fk.RefColumns, OnDelete: fkAction(fk.OnDelete), OnUpdate: fkAction(fk.OnUpdate)})
		}
		for _, ck := range def.Checks {
			txt, err := sql("check "+ck.Name, ck.Expr)
			if err != nil {
				return nil, err
			}
			tv.Checks = append(tv.Checks, CheckView{Name: ck.Name, Expr: txt})
		}
		v.Tables = append(v.Tables, tv)
	}
	return v, nil
}

func (r *runner) inspect(ctx context.Context) error {
	if err := r.nargs(0); err != nil {
		return err
	}
	db, err := r.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	s, err := inspect.Reflect(ctx, db, inspect.Options{Schema: r.schema, Include: r.tables})
	if err != nil {
		return err
	}
	for _, want := range r.tables {
		if _, ok := s.Table(want); !ok {
			return fmt.Errorf("table %q: not found in %s %q", want, s.Dialect, s.Name)
		}
	}
	v, err := viewOf(db.Dialect(), s)
	if err != nil {
		return err
	}
	if r.json {
		enc := json.NewEncoder(r.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	printSchema(r.stdout, v)
	return nil
}

func printSchema(w io.Writer, v *SchemaView) {
	fmt.Fprintf(w, "%s schema %q: %d table(s)\n", v.Dialect, v.Schema, len(v.Tables))
	for _, e := range v.Enums {
		fmt.Fprintf(w, "\nenum %s (%s)\n", e.Name, quoteList(e.Values))
	}
	for _, t := range v.Tables {
		fmt.Fprintf(w, "\ntable %s\n", t.Name)
		if t.Comment != "" {
			fmt.Fprintf(w, "  comment %q\n", t.Comment)
		}
		tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
		for _, c := range t.Columns {
			attrs := []string{"NOT NULL"}
			if c.Nullable {
				attrs[0] = "NULL"
			}
			if c.Default != "" {
				attrs = append(attrs, "DEFAULT "+c.Default)
			}
			if c.AutoIncrement {
				attrs = append(attrs, "AUTOINCREMENT")
			}
			if c.Unique {
				attrs = append(attrs, "UNIQUE")
			}
			if c.Comment != "" {
				attrs = append(attrs, fmt.Sprintf("COMMENT %q", c.Comment))
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", c.Name, c.Type, strings.Join(attrs, " "))
		}
		tw.Flush()
		if len(t.PrimaryKey) > 0 {
			fmt.Fprintf(w, "  primary key (%s)\n", strings.Join(t.PrimaryKey, ", "))
		}
		for _, u := range t.Uniques {
			fmt.Fprintf(w, "  unique %s(%s)\n", named(u.Name), strings.Join(u.Columns, ", "))
		}
		for _, ix := range t.Indexes {
			kind := "index"
			if ix.Unique {
				kind = "unique index"
			}
			keys := ix.Columns
			if len(ix.Expressions) > 0 {
				keys = ix.Expressions
			}
			fmt.Fprintf(w, "  %s %s(%s)", kind, named(ix.Name), strings.Join(keys, ", "))
			if ix.Where != "" {
				fmt.Fprintf(w, " WHERE %s", ix.Where)
			}
			fmt.Fprintln(w)
		}
		for _, fk := range t.ForeignKeys {
			fmt.Fprintf(w, "  foreign key %s(%s) REFERENCES %s (%s) ON DELETE %s ON UPDATE %s\n", named(fk.Name),
				strings.Join(fk.Columns, ", "), fk.RefTable, strings.Join(fk.RefColumns, ", "), fk.OnDelete, fk.OnUpdate)
		}
		for _, ck := range t.Checks {
			fmt.Fprintf(w, "  check %s(%s)\n", named(ck.Name), ck.Expr)
		}
	}
	if len(v.Warnings) > 0 {
		fmt.Fprintf(w, "\n%d warning(s): not described above\n", len(v.Warnings))
		for _, s := range v.Warnings {
			fmt.Fprintf(w, "  %s\n", s)
		}
	}
}

func named(n string) string {
	if n == "" {
		return ""
	}
	return n + " "
}

func quoteList(vals []string) string {
	q := make([]string, len(vals))
	for i, s := range vals {
		q[i] = "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return strings.Join(q, ", ")
}
