package conformance

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
)

// scanQuestions read Core results into Go types through the engine's
// scanner rather than into any: structs, strings for decimals, times from
// expressions (text on SQLite), NULLs.
func scanQuestions() []question {
	return []question{
		{name: "scan/structs by column alias", sql: `SELECT g.GenreId AS genre_id, g.Name AS name, COUNT(t.TrackId) AS tracks FROM Genre g LEFT JOIN Track t ON t.GenreId = g.GenreId GROUP BY g.GenreId, g.Name ORDER BY g.GenreId`,
			athanor: func(ctx context.Context, e *env) ([][]any, error) {
				g, t := e.T("Genre"), e.T("Track")
				type genreCount struct {
					GenreID int64
					Name    *string
					Tracks  int
				}
				rows, err := engine.All[genreCount](ctx, e.db, core.Select(core.As(g.C("GenreId"), "genre_id"), core.As(g.C("Name"), "name"), core.As(core.Count(t.C("TrackId")), "tracks")).
					From(g.Table).LeftJoin(t.Table, core.Eq(t.C("GenreId"), g.C("GenreId"))).GroupBy(g.C("GenreId"), g.C("Name")).OrderBy(g.C("GenreId")))
				out := make([][]any, 0, len(rows))
				for _, x := range rows {
					out = append(out, r(x.GenreID, x.Name, x.Tracks))
				}
				return out, err
			}},
		{name: "scan/decimal into a string keeps its digits", sql: `SELECT Total FROM Invoice WHERE InvoiceId = 5`,
			athanor: func(ctx context.Context, e *env) ([][]any, error) {
				i := e.T("Invoice")
				var s string
				err := e.db.QueryRow(ctx, core.Select(i.C("Total")).From(i.Table).Where(core.Eq(i.C("InvoiceId"), 5))).Scan(&s)
				return [][]any{r(s)}, err
			}},
		{name: "scan/decimal sum into float64", sql: `SELECT SUM(Total) FROM Invoice WHERE CustomerId = 6`,
			athanor: func(ctx context.Context, e *env) ([][]any, error) {
				i := e.T("Invoice")
				var f float64
				err := e.db.QueryRow(ctx, core.Select(core.Sum(i.C("Total"))).From(i.Table).Where(core.Eq(i.C("CustomerId"), 6))).Scan(&f)
				return [][]any{r(f)}, err
			}},
		{name: "scan/time from an aggregate", sql: `SELECT MIN(InvoiceDate), MAX(InvoiceDate) FROM Invoice WHERE CustomerId = 6`,
			athanor: func(ctx context.Context, e *env) ([][]any, error) {
				i := e.T("Invoice")
				var lo, hi time.Time
				err := e.db.QueryRow(ctx, core.Select(core.Min(i.C("InvoiceDate")), core.Max(i.C("InvoiceDate"))).From(i.Table).Where(core.Eq(i.C("CustomerId"), 6))).Scan(&lo, &hi)
				return [][]any{r(lo, hi)}, err
			}},
		{name: "scan/nulls into pointers and sql.Null", sql: `SELECT Company, State, SupportRepId FROM Customer WHERE CustomerId IN (1, 2) ORDER BY CustomerId`,
			athanor: func(ctx context.Context, e *env) ([][]any, error) {
				c := e.T("Customer")
				rs, err := e.db.Query(ctx, core.Select(c.C("Company"), c.C("State"), c.C("SupportRepId")).From(c.Table).Where(core.In(c.C("CustomerId"), 1, 2)).OrderBy(c.C("CustomerId")))
				if err != nil {
					return nil, err
				}
				defer rs.Close()
				var out [][]any
				for rs.Next() {
					var company *string
					var state sql.NullString
					var rep *int32
					if err := rs.Scan(&company, &state, &rep); err != nil {
						return nil, err
					}
					var st any
					if state.Valid {
						st = state.String
					}
					out = append(out, r(company, st, rep))
				}
				return out, rs.Err()
			}},
		{name: "scan/one of nothing is ErrNoRows", sql: `SELECT 'no rows'`,
			athanor: func(ctx context.Context, e *env) ([][]any, error) {
				a := e.T("Artist")
				type artist struct{ Name string }
				_, err := engine.One[artist](ctx, e.db, core.Select(core.As(a.C("Name"), "name")).From(a.Table).Where(core.Eq(a.C("ArtistId"), -1)))
				if errors.Is(err, athanor.ErrNoRows) && errors.Is(err, sql.ErrNoRows) {
					return [][]any{r("no rows")}, nil
				}
				return nil, fmt.Errorf("want ErrNoRows, got %v", err)
			}},
	}
}
