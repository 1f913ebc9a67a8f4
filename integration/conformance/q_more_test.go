package conformance

import (
	"context"
	"fmt"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/session"
)

// moreQuestions combine the forms: nested set operations, operands with
// their own ORDER BY/LIMIT, RANGE frames, EXISTS as a value, joined
// UPDATEs, INSERT … RETURNING, data-modifying CTEs, and the loads and
// writes that move objects between parents.
func moreQuestions() []question {
	return []question{
		coreQ("setop/nested intersect inside union", `SELECT City FROM Customer WHERE Country = 'Canada' UNION (SELECT City FROM Employee INTERSECT SELECT BillingCity FROM Invoice) ORDER BY 1`,
			func(e *env) core.Statement {
				c, emp, i := e.T("Customer"), e.T("Employee"), e.T("Invoice")
				inner := core.Intersect(core.Select(emp.C("City")).From(emp.Table), core.Select(i.C("BillingCity")).From(i.Table))
				return core.Union(core.Select(c.C("City")).From(c.Table).Where(core.Eq(c.C("Country"), "Canada")), inner).OrderBy(core.Ident(e.n("City")))
			}).on(lite, `SELECT City FROM Customer WHERE Country = 'Canada' UNION SELECT * FROM (SELECT City FROM Employee INTERSECT SELECT BillingCity FROM Invoice) ORDER BY 1`),
		coreQ("setop/operands with their own order and limit", `SELECT * FROM (SELECT TrackId FROM Track ORDER BY Milliseconds DESC, TrackId LIMIT 3) a UNION ALL SELECT * FROM (SELECT TrackId FROM Track ORDER BY Milliseconds, TrackId LIMIT 3) b`,
			func(e *env) core.Statement {
				t := e.T("Track")
				longest := core.Select(t.C("TrackId")).From(t.Table).OrderBy(core.Desc(t.C("Milliseconds")), t.C("TrackId")).Limit(3)
				shortest := core.Select(t.C("TrackId")).From(t.Table).OrderBy(t.C("Milliseconds"), t.C("TrackId")).Limit(3)
				return core.UnionAll(longest, shortest)
			}).unordered(),
		coreQ("setop/derived table of a union", `SELECT COUNT(*), COUNT(DISTINCT x.Name) FROM (SELECT Name FROM Genre UNION ALL SELECT Name FROM MediaType UNION ALL SELECT Name FROM Playlist) x`,
			func(e *env) core.Statement {
				g, m, p := e.T("Genre"), e.T("MediaType"), e.T("Playlist")
				x := core.UnionAll(core.Select(g.C("Name")).From(g.Table), core.Select(m.C("Name")).From(m.Table), core.Select(p.C("Name")).From(p.Table)).As("x")
				return core.Select(core.Count(core.Star()), core.CountDistinct(x.C(e.n("Name")))).From(x)
			}),
		coreQ("window/range frame running sum", `SELECT InvoiceId, SUM(Total) OVER (ORDER BY InvoiceDate RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM Invoice WHERE InvoiceId <= 25 ORDER BY InvoiceId`,
			func(e *env) core.Statement {
				i := e.T("Invoice")
				w := core.Window().OrderBy(i.C("InvoiceDate")).Range(core.UnboundedPreceding, core.CurrentRow)
				return core.Select(i.C("InvoiceId"), core.Over(core.Sum(i.C("Total")), w)).From(i.Table).Where(core.Le(i.C("InvoiceId"), 25)).OrderBy(i.C("InvoiceId"))
			}),
		coreQ("subquery/exists as a value", `SELECT ar.ArtistId, CASE WHEN EXISTS (SELECT 1 FROM Album al WHERE al.ArtistId = ar.ArtistId) THEN 1 ELSE 0 END FROM Artist ar WHERE ar.ArtistId BETWEEN 70 AND 90 ORDER BY ar.ArtistId`,
			func(e *env) core.Statement {
				ar, al := e.T("Artist").As("ar"), e.T("Album").As("al")
				has := core.Exists(core.Select(al.C("AlbumId")).From(al.Table).Where(core.Eq(al.C("ArtistId"), ar.C("ArtistId"))))
				return core.Select(ar.C("ArtistId"), has).From(ar.Table).Where(core.Between(ar.C("ArtistId"), 70, 90)).OrderBy(ar.C("ArtistId"))
			}),
		coreQ("subquery/scalar in order by", `SELECT g.GenreId FROM Genre g ORDER BY (SELECT COUNT(*) FROM Track t WHERE t.GenreId = g.GenreId) DESC, g.GenreId LIMIT 8`,
			func(e *env) core.Statement {
				g, t := e.T("Genre").As("g"), e.T("Track").As("t")
				n := core.Subquery(core.Select(core.Count(core.Star())).From(t.Table).Where(core.Eq(t.C("GenreId"), g.C("GenreId"))))
				return core.Select(g.C("GenreId")).From(g.Table).OrderBy(core.Desc(n), g.C("GenreId")).Limit(8)
			}),
		ormQ("load/selectin many-to-one with a NULL key", `SELECT e.EmployeeId, m.EmployeeId, m.LastName FROM Employee e LEFT JOIN Employee m ON m.EmployeeId = e.ReportsTo ORDER BY e.EmployeeId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				es, err := session.Query[Employee](e.session()).OrderBy("EmployeeID").Options(loader.SelectIn("Manager")).All(ctx)
				return list(es, func(x *Employee) []any {
					if x.Manager == nil {
						return r(x.EmployeeID, nil, nil)
					}
					return r(x.EmployeeID, x.Manager.EmployeeID, x.Manager.LastName)
				}), err
			}),
		ormQ("load/nested limits per parent", `SELECT x.ArtistId, x.AlbumId, y.TrackId FROM (SELECT ArtistId, AlbumId, ROW_NUMBER() OVER (PARTITION BY ArtistId ORDER BY AlbumId) AS rn FROM Album) x JOIN (SELECT AlbumId, TrackId, ROW_NUMBER() OVER (PARTITION BY AlbumId ORDER BY TrackId) AS rn FROM Track) y ON y.AlbumId = x.AlbumId WHERE x.rn <= 1 AND y.rn <= 2 AND x.ArtistId <= 10 ORDER BY x.ArtistId, x.AlbumId, y.TrackId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				q := session.Query[Artist](e.session())
				as, err := q.Where(core.Le(q.C("ArtistID"), 10)).OrderBy("ArtistID").
					Options(loader.SelectIn("Albums", loader.SelectIn("Tracks").OrderBy("TrackID").Limit(2)).OrderBy("AlbumID").Limit(1)).All(ctx)
				var out [][]any
				for _, a := range as {
					for _, al := range a.Albums {
						for _, t := range al.Tracks {
							out = append(out, r(a.ArtistID, al.AlbumID, t.TrackID))
						}
					}
				}
				return out, err
			}),
		writeQ("bulk/update joined to another table",
			`UPDATE Track SET Bytes = 0 WHERE MediaTypeId IN (SELECT MediaTypeId FROM MediaType WHERE Name LIKE '%video%')`,
			`SELECT MediaTypeId, COUNT(*), SUM(Bytes) FROM Track GROUP BY MediaTypeId ORDER BY MediaTypeId`,
			func(ctx context.Context, e *env) error {
				t, m := e.T("Track"), e.T("MediaType")
				return exec(ctx, e, core.Update(t.Table).Set(t.C("Bytes"), 0).From(m.Table).
					Where(core.Eq(m.C("MediaTypeId"), t.C("MediaTypeId")), core.Like(m.C("Name"), "%video%")))
			}),
		writeQ("bulk/insert returning",
			`INSERT INTO Playlist (PlaylistId, Name) VALUES (3001, 'Één'), (3002, 'Twee')`,
			`SELECT PlaylistId, Name FROM Playlist WHERE PlaylistId > 3000 ORDER BY PlaylistId`,
			func(ctx context.Context, e *env) error {
				p := e.T("Playlist")
				rows, err := e.rows(ctx, core.Insert(p.Table).Columns(p.C("PlaylistId"), p.C("Name")).Rows([]any{3001, "Één"}, []any{3002, "Twee"}).Returning(p.C("PlaylistId"), p.C("Name")))
				if err == nil && (len(rows) != 2 || norm(rows[0][1]) != "Één") {
					return fmt.Errorf("returning gave %v", rows)
				}
				return err
			}),
		writeQ("bulk/data-modifying cte moves rows",
			`WITH gone AS (DELETE FROM PlaylistTrack WHERE PlaylistId = 17 RETURNING TrackId) INSERT INTO PlaylistTrack (PlaylistId, TrackId) SELECT 16, TrackId FROM gone WHERE TrackId NOT IN (SELECT TrackId FROM PlaylistTrack WHERE PlaylistId = 16)`,
			`SELECT PlaylistId, COUNT(*) FROM PlaylistTrack WHERE PlaylistId IN (16, 17) GROUP BY PlaylistId ORDER BY PlaylistId`,
			func(ctx context.Context, e *env) error {
				pt := e.T("PlaylistTrack")
				pt16 := pt.As("p16")
				gone := core.NewCTE("gone").As(core.Delete(pt.Table).Where(core.Eq(pt.C("PlaylistId"), 17)).Returning(pt.C("TrackId")))
				return exec(ctx, e, core.Insert(pt.Table).Columns(pt.C("PlaylistId"), pt.C("TrackId")).With(gone).
					Select(core.Select(core.Val(16), gone.C(e.n("TrackId"))).From(gone).
						Where(core.NotIn(gone.C(e.n("TrackId")), core.Select(pt16.C("TrackId")).From(pt16.Table).Where(core.Eq(pt16.C("PlaylistId"), 16))))))
			}).not(maria).not(lite),
		writeQ("write/move a child between collections",
			`UPDATE Album SET ArtistId = 2 WHERE AlbumId = 4`,
			`SELECT AlbumId, ArtistId FROM Album WHERE ArtistId IN (1, 2) ORDER BY AlbumId`,
			func(ctx context.Context, e *env) error {
				return commit(ctx, e, func(s *session.Session) error {
					q := session.Query[Artist](s)
					as, err := q.Where(core.In(q.C("ArtistID"), 1, 2)).OrderBy("ArtistID").Options(loader.SelectIn("Albums").OrderBy("AlbumID")).All(ctx)
					if err != nil {
						return err
					}
					acdc, accept := as[0], as[1]
					var moved *Album
					for i, al := range acdc.Albums {
						if al.AlbumID == 4 {
							moved = al
							acdc.Albums = append(acdc.Albums[:i:i], acdc.Albums[i+1:]...)
							break
						}
					}
					accept.Albums = append(accept.Albums, moved)
					return nil
				})
			}),
		writeQ("write/remove a child from a loaded collection",
			`UPDATE Track SET GenreId = NULL WHERE TrackId = (SELECT m FROM (SELECT MIN(TrackId) AS m FROM Track WHERE GenreId = 22) x)`,
			`SELECT (SELECT COUNT(*) FROM Track WHERE GenreId = 22), (SELECT MIN(TrackId) FROM Track WHERE GenreId = 22), (SELECT COUNT(*) FROM Track WHERE GenreId IS NULL)`,
			func(ctx context.Context, e *env) error {
				// Genre.Tracks neither cascades deletes nor deletes orphans,
				// and Track.GenreID is nullable: the removed track loses
				// its genre, though the load set its Genre.
				return commit(ctx, e, func(s *session.Session) error {
					g, err := session.Query[Genre](s).Filter("GenreID", 22).Options(loader.SelectIn("Tracks").OrderBy("TrackID")).One(ctx)
					if err != nil {
						return err
					}
					g.Tracks = g.Tracks[1:]
					return nil
				})
			}),
		writeQ("write/delete-orphan of an association object",
			`DELETE FROM PlaylistTrack WHERE PlaylistId = 12 AND TrackId IN (SELECT TrackId FROM (SELECT TrackId FROM PlaylistTrack WHERE PlaylistId = 12 ORDER BY TrackId LIMIT 3) x)`,
			`SELECT COUNT(*), MIN(TrackId) FROM PlaylistTrack WHERE PlaylistId = 12`,
			func(ctx context.Context, e *env) error {
				return commit(ctx, e, func(s *session.Session) error {
					p, err := session.Query[Playlist](s).Filter("PlaylistID", 12).Options(loader.SelectIn("Entries").OrderBy("TrackID")).One(ctx)
					if err != nil {
						return err
					}
					p.Entries = p.Entries[3:]
					return nil
				})
			}),
	}
}
