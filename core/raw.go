package core

import "fmt"

// RawSQL is SQL text written by the caller. See Raw.
type RawSQL struct {
	sql      string
	args     []any
	readOnly bool
	tables   []string
	m        *memo
}

// Raw is the only way to put SQL text into a statement: it is the escape
// hatch, and the text is sent as written. Never build it from user input;
// pass values as args.
//
// Each '?' in sql is a placeholder for the next arg, rewritten to the
// dialect's style ($n on PostgreSQL); write "??" for a literal '?'. A Raw
// is usable as a whole Statement, as an expression, or as a FROM item.
//
// A Raw statement is assumed to write (routed to the primary) unless marked
// with ReadOnly; the same holds for a Raw fragment inside another statement.
// Name the tables it touches with Tables so routing can use them.
func Raw(sql string, args ...any) *RawSQL {
	return &RawSQL{sql: sql, args: args, m: new(memo)}
}

// ReadOnly returns a copy of r marked as not writing, so the router may
// send it to a replica.
func (r *RawSQL) ReadOnly() *RawSQL {
	c := *r
	c.readOnly = true
	c.m = new(memo)
	return &c
}

// Touches returns a copy of r that reports the given tables.
func (r *RawSQL) Touches(tables ...string) *RawSQL {
	c := *r
	c.tables = append(r.tables[:len(r.tables):len(r.tables)], tables...)
	c.m = new(memo)
	return &c
}

// Writes implements Statement.
func (r *RawSQL) Writes() bool { return !r.readOnly }

// Tables implements Statement.
func (r *RawSQL) Tables() []string { return r.tables }

func (r *RawSQL) stmtMemo() *memo { return r.m }

func (r *RawSQL) writeStmt(w *writer) { r.writeExpr(w) }

func (r *RawSQL) writeExpr(w *writer) {
	if r == nil {
		w.failf("core: nil raw sql")
		return
	}
	if !r.readOnly {
		w.writes = true
	}
	for _, t := range r.tables {
		w.table(t)
	}
	if w.mode == modeShape {
		// The text is part of the shape; length-prefix it.
		w.int(int64(len(r.sql)))
		w.b(':')
	}
	n := 0
	s := r.sql
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '?' {
			w.b(c)
			continue
		}
		if i+1 < len(s) && s[i+1] == '?' {
			w.b('?')
			i++
			continue
		}
		if n >= len(r.args) {
			w.fail(fmt.Errorf("core: raw sql has more placeholders than the %d args given", len(r.args)))
			return
		}
		w.arg(r.args[n])
		n++
	}
	if n != len(r.args) {
		w.fail(fmt.Errorf("core: raw sql has %d placeholders but %d args", n, len(r.args)))
	}
}

// Raw fragments are parenthesised by their author if needed.
func (r *RawSQL) prec() int { return precPrimary }

func (r *RawSQL) writeFrom(w *writer) { r.writeExpr(w) }

// genericDialect renders ANSI-style SQL for String() and for dialect-free
// scans; it is not meant for a server.
type genericDialect struct{}

func (genericDialect) Name() string { return "generic" }
func (genericDialect) Features() Features {
	return Features{ReturningInsert: true, ReturningUpdate: true, ReturningDelete: true,
		Upsert: UpsertOnConflict, NullsOrder: true, Locking: true, ShareLock: "FOR SHARE",
		SkipLocked: true, NoWait: true, SetOpAll: true, FullJoin: true, RightJoin: true,
		UpdateFrom: JoinFrom, DeleteUsing: JoinFrom, ModifyingCTE: true, DMLWith: true, CreateIndexIfNotExists: true,
		DropForeignKey: "DROP CONSTRAINT", AlterIfExists: true}
}
func (genericDialect) AppendPlaceholder(b []byte, n int) []byte { return append(b, '?') }
func (genericDialect) AppendIdent(b []byte, name string) ([]byte, error) {
	b = append(b, '"')
	for i := 0; i < len(name); i++ {
		if name[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, name[i])
	}
	return append(b, '"'), nil
}
func (genericDialect) AppendLiteral(b []byte, v any) ([]byte, error) {
	return fmt.Appendf(b, "%#v", v), nil
}
func (genericDialect) ColumnType(c *Column) (string, error) { return c.Type.Kind.String(), nil }
func (genericDialect) CastType(t Type) (string, error)      { return t.Kind.String(), nil }
func (genericDialect) AutoIncrement(*Column) (string, bool, error) {
	return "AUTOINCREMENT", false, nil
}
