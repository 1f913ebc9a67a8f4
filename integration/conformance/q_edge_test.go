package conformance

import (
	"context"
	"errors"
	"fmt"
	"sync"

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
			func(e *env) core.Statement { return core.Select(core.Add(core.Literal(1), 2), "x") }),
		ormQ("edge/count of a limited query", `SELECT COUNT(*) FROM (SELECT TrackId FROM Track WHERE GenreId = 1 ORDER BY TrackId LIMIT 5) x`,
			func(ctx context.Context, e *env) ([][]any, error) {
				n, err := session.Query[Track](e.session()).Filter("GenreID", 1).OrderBy("TrackID").Limit(5).Count(ctx)
				return [][]any{r(n)}, err
			}),
		ormQ("edge/count through a to-many join counts owners", `SELECT COUNT(*) FROM Genre g WHERE EXISTS (SELECT 1 FROM Track t WHERE t.GenreId = g.GenreId AND t.Milliseconds > 2000000)`,
			func(ctx context.Context, e *env) ([][]any, error) {
				q := session.Query[Genre](e.session()).Join("Tracks")
				n, err := q.Where(core.Gt(q.C("Tracks.Milliseconds"), 2000000)).Count(ctx)
				return [][]any{r(n)}, err
			}),
		ormQ("edge/where in a subquery of another model", `SELECT CustomerId FROM Customer WHERE CustomerId IN (SELECT CustomerId FROM Invoice WHERE Total > 20) ORDER BY CustomerId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				i := e.T("Invoice")
				q := session.Query[Customer](e.session())
				cs, err := q.Where(core.In(q.C("CustomerID"), core.Select(i.C("CustomerId")).From(i.Table).Where(core.Gt(i.C("Total"), 20)))).OrderBy("CustomerID").All(ctx)
				return list(cs, func(c *Customer) []any { return r(c.CustomerID) }), err
			}),
		ormQ("edge/composite-key owner loads its parents", `SELECT pt.PlaylistId, p.Name, t.Name FROM PlaylistTrack pt JOIN Playlist p ON p.PlaylistId = pt.PlaylistId JOIN Track t ON t.TrackId = pt.TrackId WHERE pt.TrackId IN (1, 2) ORDER BY pt.TrackId, pt.PlaylistId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				q := session.Query[PlaylistTrack](e.session())
				pts, err := q.Where(core.In(q.C("TrackID"), 1, 2)).OrderBy("TrackID", "PlaylistID").Options(loader.Joined("Playlist"), loader.SelectIn("Track")).All(ctx)
				return list(pts, func(pt *PlaylistTrack) []any { return r(pt.PlaylistID, pt.Playlist.Name, pt.Track.Name) }), err
			}),
		ormQ("edge/raise allows planned loads", `SELECT al.AlbumId, ar.Name, COUNT(t.TrackId) FROM Album al JOIN Artist ar ON ar.ArtistId = al.ArtistId JOIN Track t ON t.AlbumId = al.AlbumId WHERE al.AlbumId IN (1, 2, 3) GROUP BY al.AlbumId, ar.Name ORDER BY al.AlbumId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				s := session.New(session.DB(e.db), session.Options{Registry: e.reg, Raise: true})
				q := session.Query[Album](s)
				as, err := q.Where(core.In(q.C("AlbumID"), 1, 2, 3)).OrderBy("AlbumID").Options(loader.Joined("Artist"), loader.SelectIn("Tracks")).All(ctx)
				return list(as, func(a *Album) []any { return r(a.AlbumID, a.Artist.Name, len(a.Tracks)) }), err
			}),
		ormQ("edge/concurrent loads through one session", `SELECT ar.ArtistId, COUNT(t.TrackId) FROM Artist ar JOIN Album al ON al.ArtistId = ar.ArtistId JOIN Track t ON t.AlbumId = al.AlbumId WHERE ar.ArtistId <= 16 GROUP BY ar.ArtistId ORDER BY ar.ArtistId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				s := e.session()
				var wg sync.WaitGroup
				errs := make([]error, 16)
				got := make([]*Artist, 16)
				for i := range 16 {
					wg.Go(func() {
						got[i], errs[i] = session.Query[Artist](s).Filter("ArtistID", i+1).Options(loader.SelectIn("Albums.Tracks")).First(ctx)
					})
				}
				wg.Wait()
				var out [][]any
				for i, a := range got {
					if errors.Is(errs[i], athanor.ErrNoRows) {
						continue
					}
					if errs[i] != nil {
						return nil, errs[i]
					}
					n := 0
					for _, al := range a.Albums {
						n += len(al.Tracks)
					}
					if n > 0 {
						out = append(out, r(a.ArtistID, n))
					}
				}
				return out, nil
			}),
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
		writeQ("edge/quotes and backslashes are data",
			`INSERT INTO Artist (ArtistId, Name) VALUES (10003, 'O''Brien \ "Back\Slash" --; DROP')`,
			`SELECT ArtistId, Name FROM Artist WHERE ArtistId = 10003`,
			func(ctx context.Context, e *env) error {
				return commit(ctx, e, func(s *session.Session) error {
					return s.Add(&Artist{ArtistID: 10003, Name: ptr(`O'Brien \ "Back\Slash" --; DROP`)})
				})
			}).writeOn(maria, `INSERT INTO Artist (ArtistId, Name) VALUES (10003, 'O''Brien \\ "Back\\Slash" --; DROP')`),
		writeQ("edge/a query inside the session's transaction sees its flush",
			`INSERT INTO Genre (GenreId, Name) VALUES (400, 'Seen')`,
			`SELECT GenreId, Name FROM Genre WHERE GenreId = 400`,
			func(ctx context.Context, e *env) error {
				s := e.session()
				if err := s.Add(&Genre{GenreID: 400, Name: ptr("Seen")}); err != nil {
					return err
				}
				if err := s.Flush(ctx); err != nil {
					return err
				}
				q := session.Query[Genre](s)
				n, err := q.Where(core.Ge(q.C("GenreID"), 400)).Count(ctx)
				if err != nil {
					return err
				}
				if n != 1 {
					return fmt.Errorf("the session's own query counts %d genres >= 400 after its flush, want 1", n)
				}
				err = s.Commit(ctx)
				return err
			}),
		writeQ("edge/refresh discards unflushed changes",
			`UPDATE Customer SET Phone = '+1 555 0100' WHERE CustomerId = 10`,
			`SELECT CustomerId, City, Phone FROM Customer WHERE CustomerId = 10`,
			func(ctx context.Context, e *env) error {
				s := e.session()
				c, err := session.Get[Customer](ctx, s, 10)
				if err != nil {
					return err
				}
				c.City = ptr("Nowhere")
				if err := s.Refresh(ctx, c); err != nil {
					return err
				}
				if c.City == nil || *c.City == "Nowhere" {
					return fmt.Errorf("refresh kept the unflushed city %v", c.City)
				}
				// The real change goes through Core; the session must not
				// write its discarded city back on commit.
				cu := e.T("Customer")
				if _, err := s.Exec(ctx, core.Update(cu.Table).Set(cu.C("Phone"), "+1 555 0100").Where(core.Eq(cu.C("CustomerId"), 10))); err != nil {
					return err
				}
				err = s.Commit(ctx)
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
