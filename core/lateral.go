package core

// LateralQuery is a query to be joined as a LATERAL derived table: its
// WHERE, ORDER BY and LIMIT may name columns of the FROM items before it,
// so it runs once per row of those (top-N per parent in one statement).
type LateralQuery struct{ q SelectQuery }

// Lateral marks q for a LATERAL join; name it with As and join it:
//
//	top := core.Lateral(core.Select(albums.Star()).From(albums).
//		Where(core.Eq(albums.C("artist_id"), artists.C("id"))).
//		OrderBy(albums.C("title")).Limit(3)).As("top")
//	q := core.Select(artists.C("name"), top.C("title")).From(artists).
//		LeftJoin(top, core.True)
//
// Dialects without LATERAL (Features.Lateral false: MariaDB, SQLite) fail
// to compile such a statement with an error wrapping ErrUnsupported.
func Lateral(q SelectQuery) LateralQuery { return LateralQuery{q: q} }

// As makes the query a LATERAL derived table: LATERAL (SELECT …) AS "alias".
func (l LateralQuery) As(alias string) *Derived {
	return &Derived{q: l.q, alias: alias, lateral: true}
}

func writeLateral(w *writer) {
	if !w.f.Lateral {
		w.unsupported("LATERAL")
	}
	w.s("LATERAL ")
}
