package core

import "strings"

// LIKE with ESCAPE, and text matching with one meaning on every dialect,
// written in each dialect's own syntax (Features.Match).

// LikeExpr is e [NOT] LIKE/ILIKE pattern [ESCAPE c], built by Like,
// NotLike, ILike and NotILike.
type LikeExpr struct {
	e, pattern Expr
	fold, not  bool
	esc        byte // 0: no ESCAPE clause
}

// Like is e LIKE pattern. Without Escape the pattern has no escape
// character on SQLite and a backslash on PostgreSQL and MySQL/MariaDB
// (their default): call Escape for one meaning everywhere.
func Like(e, pattern any) LikeExpr { return LikeExpr{e: toExpr(e), pattern: toExpr(pattern)} }

// NotLike is e NOT LIKE pattern.
func NotLike(e, pattern any) LikeExpr {
	return LikeExpr{e: toExpr(e), pattern: toExpr(pattern), not: true}
}

// ILike is a case-insensitive LIKE: ILIKE on PostgreSQL, LOWER(e) LIKE
// LOWER(pattern) elsewhere.
func ILike(e, pattern any) LikeExpr {
	return LikeExpr{e: toExpr(e), pattern: toExpr(pattern), fold: true}
}

// NotILike is the negation of ILike.
func NotILike(e, pattern any) LikeExpr {
	return LikeExpr{e: toExpr(e), pattern: toExpr(pattern), fold: true, not: true}
}

// Escape returns the comparison with ESCAPE c: in the pattern, c before
// '%', '_' or c matches that character itself. c must be one ASCII
// character other than '%' and '_' (it is written into the SQL as a
// literal); anything else fails to compile. EscapeLike escapes text for
// it.
func (l LikeExpr) Escape(c byte) LikeExpr {
	l.esc = c
	return l
}

func (l LikeExpr) writeExpr(w *writer) {
	lower := l.fold && !w.f.ILike
	if lower {
		w.s("LOWER(")
		w.expr(l.e, precLowest)
		w.b(')')
	} else {
		w.expr(l.e, precCompare+1)
	}
	if l.not {
		w.s(" NOT")
	}
	if l.fold && !lower {
		w.s(" ILIKE ")
	} else {
		w.s(" LIKE ")
	}
	if lower {
		w.s("LOWER(")
		w.expr(l.pattern, precLowest)
		w.b(')')
	} else {
		w.expr(l.pattern, precCompare+1)
	}
	if l.esc != 0 {
		writeEscape(w, l.esc)
	}
}
func (LikeExpr) prec() int { return precCompare }

func writeEscape(w *writer, c byte) {
	if c <= ' ' || c >= 0x7f || c == '%' || c == '_' {
		w.failf("core: like escape %q: want one printable ASCII character other than %% and _", c)
		return
	}
	w.s(" ESCAPE ")
	w.lit(string(rune(c)))
}

// EscapeLike returns s with '%', '_' and esc each preceded by esc, so that
// s used in a pattern with Escape(esc) matches itself literally:
// Like(col, "%"+EscapeLike(s, '!')+"%").Escape('!').
func EscapeLike(s string, esc byte) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '%' || c == '_' || c == esc {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+n)
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '%' || c == '_' || c == esc {
			b = append(b, esc)
		}
		b = append(b, s[i])
	}
	return string(b)
}

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
