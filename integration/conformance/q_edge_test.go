package conformance

import (
	"context"
	"errors"
	"fmt"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/session"
)

// edgeQuestions probe the corners: offsets without limits, composite keys,
// empty results, loads at Chinook's full size, batches.
func edgeQuestions() []question {
	return []question{
		ormQ("edge/offset without limit", `SELECT GenreId FROM Genre ORDER BY GenreId LIMIT 1000 OFFSET 20`,
			func(ctx context.Context, e *env) ([][]any, error) {
				gs, err := session.Query[Genre](e.session()).OrderBy("GenreID").Offset(20).All(ctx)
				return list(gs, func(g *Genre) []any { return r(g.GenreID) }), err
			}),
		coreQ("edge/core offset without limit", `SELECT MediaTypeId FROM MediaType ORDER BY MediaTypeId LIMIT 1000 OFFSET 2`,
			func(e *env) core.Statement {
				m := e.T("MediaType")
				return core.Select(m.C("MediaTypeId")).From(m.Table).OrderBy(m.C("MediaTypeId")).Offset(2)
			}),
		ormQ("edge/get by composite key", `SELECT PlaylistId, TrackId FROM PlaylistTrack WHERE PlaylistId = 1 AND TrackId = 3402`,
			func(ctx context.Context, e *env) ([][]any, error) {
				pt, err := session.Get[PlaylistTrack](ctx, e.session(), 1, 3402)
				if err != nil {
					return nil, err
				}
				return [][]any{r(pt.PlaylistID, pt.TrackID)}, nil
			}),
		ormQ("edge/first of nothing is ErrNoRows", `SELECT 'no rows'`,
			func(ctx context.Context, e *env) ([][]any, error) {
				_, err := session.Query[Artist](e.session()).Filter("Name", "Nobody at all").First(ctx)
				if errors.Is(err, athanor.ErrNoRows) {
					return [][]any{r("no rows")}, nil
				}
				return nil, fmt.Errorf("want ErrNoRows, got %v", err)
			}),
		ormQ("edge/get of a missing key is ErrNoRows", `SELECT 'no rows'`,
			func(ctx context.Context, e *env) ([][]any, error) {
				_, err := session.Get[Track](ctx, e.session(), 999999)
				if errors.Is(err, athanor.ErrNoRows) {
					return [][]any{r("no rows")}, nil
				}
				return nil, fmt.Errorf("want ErrNoRows, got %v", err)
			}),
		ormQ("edge/empty result is empty", `SELECT TrackId FROM Track WHERE Milliseconds < 0`,
			func(ctx context.Context, e *env) ([][]any, error) {
				q := session.Query[Track](e.session())
				ts, err := q.Where(core.Lt(q.C("Milliseconds"), 0)).Options(loader.SelectIn("Lines")).All(ctx)
				return list(ts, func(t *Track) []any { return r(t.TrackID) }), err
			}).allowEmpty(),
		ormQ("edge/selectin over every track", `SELECT t.TrackId, COUNT(il.InvoiceLineId), COALESCE(SUM(il.Quantity), 0) FROM Track t LEFT JOIN InvoiceLine il ON il.TrackId = t.TrackId GROUP BY t.TrackId ORDER BY t.TrackId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				ts, err := session.Query[Track](e.session()).OrderBy("TrackID").Options(loader.SelectIn("Lines")).All(ctx)
				return list(ts, func(t *Track) []any {
					var q int64
					for _, l := range t.Lines {
						q += l.Quantity
					}
					return r(t.TrackID, len(t.Lines), q)
				}), err
			}),
		ormQ("edge/every playlist entry with its track", `SELECT p.PlaylistId, COUNT(pt.TrackId), COALESCE(SUM(t.Milliseconds), 0) FROM Playlist p LEFT JOIN PlaylistTrack pt ON pt.PlaylistId = p.PlaylistId LEFT JOIN Track t ON t.TrackId = pt.TrackId GROUP BY p.PlaylistId ORDER BY p.PlaylistId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				ps, err := session.Query[Playlist](e.session()).OrderBy("PlaylistID").Options(loader.SelectIn("Entries.Track")).All(ctx)
				return list(ps, func(p *Playlist) []any {
					var ms int64
					for _, en := range p.Entries {
						ms += en.Track.Milliseconds
					}
					return r(p.PlaylistID, len(p.Entries), ms)
				}), err
			}),
		ormQ("edge/one object reached by two paths", `SELECT COUNT(*) FROM InvoiceLine il JOIN Track t ON t.TrackId = il.TrackId WHERE il.InvoiceId = 1`,
			func(ctx context.Context, e *env) ([][]any, error) {
				s := e.session()
				inv, err := session.Query[Invoice](s).Filter("InvoiceID", 1).Options(loader.SelectIn("Lines.Track.Lines")).One(ctx)
				if err != nil {
					return nil, err
				}
				n := 0
				for _, l := range inv.Lines {
					found := false
					for _, back := range l.Track.Lines {
						found = found || back == l // the line reached back from its track is the same object
					}
					if !found {
						return [][]any{r("line", l.InvoiceLineID, "is two objects")}, nil
					}
					n++
				}
				return [][]any{r(n)}, nil
			}),
		ormQ("edge/batch of reads", `SELECT (SELECT COUNT(*) FROM Album), (SELECT COUNT(*) FROM Customer), (SELECT MAX(Total) FROM Invoice)`,
			func(ctx context.Context, e *env) ([][]any, error) {
				al, c, i := e.T("Album"), e.T("Customer"), e.T("Invoice")
				res, err := e.db.Batch(ctx,
					core.Select(core.Count(core.Star())).From(al.Table),
					core.Select(core.Count(core.Star())).From(c.Table),
					core.Select(core.Max(i.C("Total"))).From(i.Table))
				if err != nil {
					return nil, err
				}
				row := make([]any, 0, len(res))
				for _, br := range res {
					if br.Err != nil {
						return nil, br.Err
					}
					rs := br.Rows()
					var v any
					for rs.Next() {
						if err := rs.Scan(&v); err != nil {
							return nil, err
						}
					}
					if err := rs.Err(); err != nil {
						return nil, err
					}
					row = append(row, v)
				}
				return [][]any{row}, nil
			}),
		coreQ("edge/select without from", `SELECT 1 + 2, 'x'`,
			func(e *env) core.Statement { return core.Select(core.Add(core.Literal(1), 2), "x") }).bug(pg, "9"),
		writeQ("edge/savepoint rolled back keeps the outer work",
			`INSERT INTO Genre (GenreId, Name) VALUES (300, 'Outer')`,
			`SELECT GenreId, Name FROM Genre WHERE GenreId IN (300, 301) ORDER BY GenreId`,
			func(ctx context.Context, e *env) error {
				g := e.T("Genre")
				return e.db.RunInTx(ctx, engine.TxOptions{}, func(ctx context.Context, tx *engine.Tx) error {
					if _, err := tx.Exec(ctx, core.Insert(g.Table).Columns(g.C("GenreId"), g.C("Name")).Values(300, "Outer")); err != nil {
						return err
					}
					sp, err := tx.Begin(ctx)
					if err != nil {
						return err
					}
					if _, err := sp.Exec(ctx, core.Insert(g.Table).Columns(g.C("GenreId"), g.C("Name")).Values(301, "Inner")); err != nil {
						return err
					}
					return sp.Rollback(ctx)
				})
			}),
		writeQ("edge/update returning",
			`UPDATE Employee SET Title = 'Chief Executive' WHERE ReportsTo IS NULL`,
			`SELECT EmployeeId, Title FROM Employee ORDER BY EmployeeId`,
			func(ctx context.Context, e *env) error {
				emp := e.T("Employee")
				rows, err := e.rows(ctx, core.Update(emp.Table).Set(emp.C("Title"), "Chief Executive").Where(core.IsNull(emp.C("ReportsTo"))).Returning(emp.C("EmployeeId")))
				if err == nil && (len(rows) != 1 || norm(rows[0][0]) != "1") {
					return fmt.Errorf("returning gave %v, want employee 1", rows)
				}
				return err
			}).not(maria),
		writeQ("edge/delete returning",
			`DELETE FROM PlaylistTrack WHERE PlaylistId = 9`,
			`SELECT COUNT(*) FROM PlaylistTrack WHERE PlaylistId = 9`,
			func(ctx context.Context, e *env) error {
				pt := e.T("PlaylistTrack")
				rows, err := e.rows(ctx, core.Delete(pt.Table).Where(core.Eq(pt.C("PlaylistId"), 9)).Returning(pt.C("TrackId")))
				if err == nil && len(rows) != 1 {
					return fmt.Errorf("returning gave %d rows, want 1", len(rows))
				}
				return err
			}),
		writeQ("edge/merge a detached object",
			`UPDATE Customer SET City = 'Montréal', Email = 'merged@example.org' WHERE CustomerId = 3`,
			`SELECT CustomerId, FirstName, LastName, City, Email, SupportRepId FROM Customer WHERE CustomerId = 3`,
			func(ctx context.Context, e *env) error {
				return commit(ctx, e, func(s *session.Session) error {
					c, err := session.Get[Customer](ctx, e.session(), 3) // detached: another session's object
					if err != nil {
						return err
					}
					c.City, c.Email = ptr("Montréal"), "merged@example.org"
					_, err = session.Merge(ctx, s, c)
					return err
				})
			}),
	}
}
