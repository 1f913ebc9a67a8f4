package conformance

import (
	"context"
	"fmt"
	"strings"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/session"
)

// Relationship criteria (issue 19): QueryOf.Any, Has and Contains, as
// EXISTS subqueries, on Chinook; part of questions().

func artistRow(a *Artist) []any     { return r(a.ArtistID, a.Name) }
func employeeRow(x *Employee) []any { return r(x.EmployeeID, x.LastName) }
func customerRow(c *Customer) []any { return r(c.CustomerID, c.LastName) }

// oneExists fails unless q's SQL has exactly one EXISTS and none of
// literals (values that must be bound).
func oneExists[T any](e *env, q *session.QueryOf[T], literals ...string) error {
	st, err := q.Statement()
	if err != nil {
		return err
	}
	c, err := core.Compile(e.db.Dialect(), st)
	if err != nil {
		return err
	}
	if n := strings.Count(c.SQL, "EXISTS ("); n != 1 {
		return fmt.Errorf("%d EXISTS in %s", n, c.SQL)
	}
	for _, l := range literals {
		if strings.Contains(c.SQL, l) {
			return fmt.Errorf("%s written into %s", l, c.SQL)
		}
	}
	if len(c.Args) == 0 {
		return fmt.Errorf("no bound arguments in %s", c.SQL)
	}
	return nil
}

func criteriaQuestions() []question {
	return []question{
		ormQ("criteria/artists with a track over ten minutes", `SELECT ar.ArtistId, ar.Name FROM Artist ar WHERE EXISTS (SELECT 1 FROM Album al JOIN Track t ON t.AlbumId = al.AlbumId WHERE al.ArtistId = ar.ArtistId AND t.Milliseconds > 600000) ORDER BY ar.ArtistId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				q := session.Query[Artist](e.session()).OrderBy("ArtistID")
				tr := q.Related("Albums.Tracks")
				q = q.Where(q.Any("Albums.Tracks", core.Gt(tr.C("Milliseconds"), 600000)))
				if err := oneExists(e, q, "600000"); err != nil {
					return nil, err
				}
				as, err := q.All(ctx)
				return list(as, artistRow), err
			}),
		ormQ("criteria/nested any: artists with an album with a track over ten minutes", `SELECT ar.ArtistId, ar.Name FROM Artist ar WHERE EXISTS (SELECT 1 FROM Album al WHERE al.ArtistId = ar.ArtistId AND al.Title LIKE '%a%' AND EXISTS (SELECT 1 FROM Track t WHERE t.AlbumId = al.AlbumId AND t.Milliseconds > 600000)) ORDER BY ar.ArtistId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				q := session.Query[Artist](e.session()).OrderBy("ArtistID")
				al := q.Related("Albums")
				tr := al.Related("Tracks")
				as, err := q.Where(al.Any(core.Like(al.C("Title"), "%a%"), tr.Any(core.Gt(tr.C("Milliseconds"), 600000)))).All(ctx)
				return list(as, artistRow), err
			}),
		ormQ("criteria/tracks whose album's artist starts with A", `SELECT t.TrackId, t.Name, t.AlbumId, t.GenreId, t.Composer, t.Milliseconds, t.UnitPrice FROM Track t JOIN Album al ON al.AlbumId = t.AlbumId JOIN Artist ar ON ar.ArtistId = al.ArtistId WHERE ar.Name LIKE 'A%' ORDER BY t.TrackId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				q := session.Query[Track](e.session()).OrderBy("TrackID")
				ar := q.Related("Album.Artist")
				q = q.Where(q.Has("Album.Artist", core.Like(ar.C("Name"), "A%")))
				if err := oneExists(e, q, "'A%'"); err != nil {
					return nil, err
				}
				ts, err := q.All(ctx)
				return list(ts, trackRow), err
			}),
		ormQ("criteria/playlists containing track 1 (many-to-many)", `SELECT p.PlaylistId, p.Name FROM Playlist p WHERE EXISTS (SELECT 1 FROM PlaylistTrack pt WHERE pt.PlaylistId = p.PlaylistId AND pt.TrackId = 1) ORDER BY p.PlaylistId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				return m2m(ctx, e, m2mContaining[PlaylistPascal], m2mContaining[PlaylistSnake])
			}),
		ormQ("criteria/playlists without a track over ten minutes (many-to-many)", `SELECT p.PlaylistId, p.Name FROM Playlist p WHERE NOT EXISTS (SELECT 1 FROM PlaylistTrack pt JOIN Track t ON t.TrackId = pt.TrackId WHERE pt.PlaylistId = p.PlaylistId AND t.Milliseconds > 600000) ORDER BY p.PlaylistId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				return m2m(ctx, e, m2mNoLong[PlaylistPascal], m2mNoLong[PlaylistSnake])
			}),
		ormQ("criteria/playlists containing an entry (composite key)", `SELECT p.PlaylistId, p.Name FROM Playlist p WHERE EXISTS (SELECT 1 FROM PlaylistTrack pt WHERE pt.PlaylistId = p.PlaylistId AND pt.PlaylistId = 8 AND pt.TrackId = 1) ORDER BY p.PlaylistId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				q := session.Query[Playlist](e.session()).OrderBy("PlaylistID")
				ps, err := q.Where(q.Contains("Entries", &PlaylistTrack{PlaylistID: 8, TrackID: 1})).All(ctx)
				return list(ps, func(p *Playlist) []any { return r(p.PlaylistID, p.Name) }), err
			}),
		ormQ("criteria/customers with no invoice over 15", `SELECT c.CustomerId, c.LastName FROM Customer c WHERE NOT EXISTS (SELECT 1 FROM Invoice i WHERE i.CustomerId = c.CustomerId AND i.Total > 15) ORDER BY c.CustomerId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				q := session.Query[Customer](e.session()).OrderBy("CustomerID")
				inv := q.Related("Invoices")
				cs, err := q.Where(core.Not(q.Any("Invoices", core.Gt(inv.C("Total"), 15)))).All(ctx)
				return list(cs, customerRow), err
			}),
		ormQ("criteria/customers with no invoices", `SELECT c.CustomerId, c.LastName FROM Customer c WHERE NOT EXISTS (SELECT 1 FROM Invoice i WHERE i.CustomerId = c.CustomerId) ORDER BY c.CustomerId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				q := session.Query[Customer](e.session()).OrderBy("CustomerID")
				cs, err := q.Where(core.Not(q.Any("Invoices"))).All(ctx)
				return list(cs, customerRow), err
			}).allowEmpty(),
		ormQ("criteria/in Brazil or with an invoice over 20", `SELECT c.CustomerId, c.LastName FROM Customer c WHERE c.Country = 'Brazil' OR EXISTS (SELECT 1 FROM Invoice i WHERE i.CustomerId = c.CustomerId AND i.Total > 20) ORDER BY c.CustomerId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				q := session.Query[Customer](e.session()).OrderBy("CustomerID")
				inv := q.Related("Invoices")
				cs, err := q.Where(core.Or(core.Eq(q.C("Country"), "Brazil"), q.Any("Invoices", core.Gt(inv.C("Total"), 20)))).All(ctx)
				return list(cs, customerRow), err
			}),
		ormQ("criteria/employees with reports", `SELECT m.EmployeeId, m.LastName FROM Employee m WHERE EXISTS (SELECT 1 FROM Employee r WHERE r.ReportsTo = m.EmployeeId) ORDER BY m.EmployeeId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				q := session.Query[Employee](e.session()).OrderBy("EmployeeID")
				es, err := q.Where(q.Any("Reports")).All(ctx)
				return list(es, employeeRow), err
			}),
		ormQ("criteria/employees without a manager", `SELECT EmployeeId, LastName FROM Employee WHERE ReportsTo IS NULL ORDER BY EmployeeId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				q := session.Query[Employee](e.session()).OrderBy("EmployeeID")
				es, err := q.Where(core.Not(q.Has("Manager"))).All(ctx)
				return list(es, employeeRow), err
			}),
		ormQ("criteria/employees whose manager's manager is Adams", `SELECT e.EmployeeId, e.LastName FROM Employee e JOIN Employee m ON m.EmployeeId = e.ReportsTo JOIN Employee g ON g.EmployeeId = m.ReportsTo WHERE g.LastName = 'Adams' ORDER BY e.EmployeeId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				q := session.Query[Employee](e.session()).OrderBy("EmployeeID")
				g := q.Related("Manager.Manager")
				es, err := q.Where(q.Has("Manager.Manager", core.Eq(g.C("LastName"), "Adams"))).All(ctx)
				return list(es, employeeRow), err
			}),
		ormQ("criteria/customers whose support rep reports to Edwards", `SELECT c.CustomerId, c.LastName FROM Customer c JOIN Employee s ON s.EmployeeId = c.SupportRepId JOIN Employee m ON m.EmployeeId = s.ReportsTo WHERE m.LastName = 'Edwards' ORDER BY c.CustomerId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				q := session.Query[Customer](e.session()).OrderBy("CustomerID")
				m := q.Related("SupportRep.Manager")
				cs, err := q.Where(q.Has("SupportRep.Manager", core.Eq(m.C("LastName"), "Edwards"))).All(ctx)
				return list(cs, customerRow), err
			}),
		ormQ("criteria/count of tracks sold to Germany", `SELECT COUNT(*) FROM Track t WHERE EXISTS (SELECT 1 FROM InvoiceLine il JOIN Invoice i ON i.InvoiceId = il.InvoiceId WHERE il.TrackId = t.TrackId AND i.BillingCountry = 'Germany')`,
			func(ctx context.Context, e *env) ([][]any, error) {
				q := session.Query[Track](e.session())
				lines := q.Related("Lines")
				inv := lines.Related("Invoice")
				n, err := q.Where(lines.Any(inv.Has(core.Eq(inv.C("BillingCountry"), "Germany")))).Count(ctx)
				return [][]any{r(n)}, err
			}),
		ormQ("criteria/count of genres with a track never sold", `SELECT COUNT(*) FROM Genre g WHERE EXISTS (SELECT 1 FROM Track t WHERE t.GenreId = g.GenreId AND NOT EXISTS (SELECT 1 FROM InvoiceLine il WHERE il.TrackId = t.TrackId))`,
			func(ctx context.Context, e *env) ([][]any, error) {
				q := session.Query[Genre](e.session())
				tracks := q.Related("Tracks")
				n, err := q.Where(tracks.Any(core.Not(tracks.Related("Lines").Any()))).Count(ctx)
				return [][]any{r(n)}, err
			}),
		ormQ("criteria/exists: an album titled Greatest Hits by an artist starting with L", `SELECT 1 FROM Artist ar WHERE ar.Name LIKE 'L%' AND EXISTS (SELECT 1 FROM Album al WHERE al.ArtistId = ar.ArtistId AND al.Title = 'Greatest Hits') LIMIT 1`,
			func(ctx context.Context, e *env) ([][]any, error) {
				q := session.Query[Artist](e.session())
				ok, err := q.Where(core.Like(q.C("Name"), "L%"), q.Any("Albums", core.Eq(q.Related("Albums").C("Title"), "Greatest Hits"))).Exists(ctx)
				return [][]any{r(ok)}, err
			}),
	}
}

func m2mContaining[P any, PP m2mPlaylist[P]](ctx context.Context, s *session.Session) ([][]any, error) {
	t, err := session.Get[Track](ctx, s, 1)
	if err != nil {
		return nil, err
	}
	q := session.Query[P](s).OrderBy("PlaylistID")
	ps, err := q.Where(q.Contains("Tracks", t)).All(ctx)
	var out [][]any
	for _, p := range ps {
		c := PP(p).cols()
		out = append(out, r(c.PlaylistID, c.Name))
	}
	return out, err
}

func m2mNoLong[P any, PP m2mPlaylist[P]](ctx context.Context, s *session.Session) ([][]any, error) {
	q := session.Query[P](s).OrderBy("PlaylistID")
	tr := q.Related("Tracks")
	ps, err := q.Where(core.Not(q.Any("Tracks", core.Gt(tr.C("Milliseconds"), 600000)))).All(ctx)
	var out [][]any
	for _, p := range ps {
		c := PP(p).cols()
		out = append(out, r(c.PlaylistID, c.Name))
	}
	return out, err
}
