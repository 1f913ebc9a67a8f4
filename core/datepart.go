package core

// A date part with one numbering on every dialect, written in each
// dialect's own syntax (Features.DatePart).

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
