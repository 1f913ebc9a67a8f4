package core

import "strings"

// Portable text matching and date parts: one meaning on every dialect,
// written in each dialect's own syntax (Features.Match, Features.DatePart).

type matchKind uint8

const (
	matchContains matchKind = iota
	matchPrefix
	matchSuffix
)

// match is a case-sensitive substring, prefix or suffix test.
type match struct {
	e    Expr
	s    string
	kind matchKind
}

// likeEscape is the escape character Contains, StartsWith and EndsWith
// write: not a backslash, which MySQL string literals would escape again.
const likeEscape = '!'

// Contains reports whether the text e contains s, matched exactly:
// '%', '_', '!' and '\' in s are ordinary characters, and the match is
// case-sensitive and byte-exact on every dialect:
//
//   - PostgreSQL: e LIKE $1 ESCAPE '!' (LIKE is case-sensitive);
//   - MySQL/MariaDB: e LIKE BINARY ? ESCAPE '!' (the column's collation,
//     usually case- and accent-insensitive, is bypassed; trailing spaces
//     count);
//   - SQLite: e GLOB ? with '*', '?' and '[' escaped (SQLite's LIKE
//     ignores ASCII case).
//
// A NULL e matches nothing. For a case-insensitive match use ILike with
// EscapeLike: ILike(e, "%"+EscapeLike(s, '!')+"%").Escape('!') (which
// folds only ASCII on SQLite and follows the collation on MySQL).
func Contains(e any, s string) Expr { return match{e: toExpr(e), s: s, kind: matchContains} }

// StartsWith reports whether the text e begins with s, matched as
// Contains matches.
func StartsWith(e any, s string) Expr { return match{e: toExpr(e), s: s, kind: matchPrefix} }

// EndsWith reports whether the text e ends with s, matched as Contains
// matches.
func EndsWith(e any, s string) Expr { return match{e: toExpr(e), s: s, kind: matchSuffix} }

func (m match) writeExpr(w *writer) {
	w.expr(m.e, precCompare+1)
	if w.f.Match == MatchGlob {
		w.s(" GLOB ")
		w.arg(m.pattern('*', globEscape(m.s)))
		return
	}
	w.s(" LIKE ")
	if w.f.Match == MatchLikeBinary {
		w.s("BINARY ")
	}
	w.arg(m.pattern('%', EscapeLike(m.s, likeEscape)))
	writeEscape(w, likeEscape)
}
func (match) prec() int { return precCompare }

// pattern wraps the escaped text in the wildcard any.
func (m match) pattern(any byte, s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	if m.kind != matchPrefix {
		b.WriteByte(any)
	}
	b.WriteString(s)
	if m.kind != matchSuffix {
		b.WriteByte(any)
	}
	return b.String()
}

// globEscape makes s match itself in a GLOB pattern: the metacharacters
// '*', '?' and '[' become one-character classes. (']' is ordinary
// outside a class.)
func globEscape(s string) string {
	if !strings.ContainsAny(s, "*?[") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '*', '?', '[':
			b.WriteByte('[')
			b.WriteByte(c)
			b.WriteByte(']')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// DatePart is a field Extract reads from a date or timestamp.
type DatePart uint8

// Date parts. Every one is an integer on every dialect.
const (
	Year DatePart = iota + 1
	Quarter
	Month
	Day
	Hour
	Minute
	// Second is the whole seconds, 0–59: fractions are truncated.
	Second
	// DayOfWeek is 0 for Sunday through 6 for Saturday.
	DayOfWeek
	// DayOfYear is 1 for January 1st through 366.
	DayOfYear
)

var datePartSQL = [...]struct{ extract, strftime string }{
	Year:      {"YEAR", "%Y"},
	Quarter:   {"QUARTER", ""},
	Month:     {"MONTH", "%m"},
	Day:       {"DAY", "%d"},
	Hour:      {"HOUR", "%H"},
	Minute:    {"MINUTE", "%M"},
	Second:    {"SECOND", "%S"},
	DayOfWeek: {"DOW", "%w"},
	DayOfYear: {"DOY", "%j"},
}

// extract is a date part of e.
type extract struct {
	part DatePart
	e    Expr
}

// Extract reads a field of the date or timestamp e as an integer, with the
// same numbering on every dialect: Extract(Month, t.C("created_at")).
// It is written CAST(EXTRACT(MONTH FROM e) AS INTEGER) on PostgreSQL,
// EXTRACT(MONTH FROM e) on MySQL/MariaDB (DAYOFWEEK(e) - 1 and
// DAYOFYEAR(e) for the parts EXTRACT lacks there), and
// CAST(strftime('%m', e) AS INTEGER) on SQLite, whose times are text.
// The field is read from the value as the server holds it: for a
// PostgreSQL timestamptz, in the session's time zone; for SQLite text with
// an offset, in UTC.
func Extract(part DatePart, e any) Expr {
	if part == 0 || int(part) >= len(datePartSQL) {
		return errNode("core: extract: unknown date part %d", part)
	}
	return extract{part: part, e: toExpr(e)}
}

func (x extract) writeExpr(w *writer) {
	p := datePartSQL[x.part]
	switch w.f.DatePart {
	case DatePartStrftime:
		if x.part == Quarter {
			w.s("((CAST(strftime('%m', ")
			w.typed(x.e, precLowest)
			w.s(") AS INTEGER) + 2) / 3)")
			return
		}
		w.s("CAST(strftime('")
		w.s(p.strftime)
		w.s("', ")
		w.typed(x.e, precLowest)
		w.s(") AS INTEGER)")
	case DatePartMySQL:
		switch x.part {
		case DayOfWeek:
			w.s("(DAYOFWEEK(")
			w.typed(x.e, precLowest)
			w.s(") - 1)")
		case DayOfYear:
			w.s("DAYOFYEAR(")
			w.typed(x.e, precLowest)
			w.b(')')
		default:
			w.s("EXTRACT(")
			w.s(p.extract)
			w.s(" FROM ")
			w.typed(x.e, precLowest)
			w.b(')')
		}
	default:
		// EXTRACT is numeric (double precision before PostgreSQL 14):
		// FLOOR drops fractional seconds before the cast, which would
		// round them.
		w.s("CAST(")
		if x.part == Second {
			w.s("FLOOR(")
		}
		w.s("EXTRACT(")
		w.s(p.extract)
		w.s(" FROM ")
		w.typed(x.e, precLowest)
		if x.part == Second {
			w.b(')')
		}
		w.s(") AS INTEGER)")
	}
}
func (extract) prec() int { return precPrimary }
