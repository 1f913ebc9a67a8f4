package conformance

import (
	"context"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/session"
)

// r is one answer row.
func r(vals ...any) []any { return vals }

// list answers with one row per object.
func list[T any](objs []*T, row func(*T) []any) [][]any {
	out := make([][]any, 0, len(objs))
	for _, o := range objs {
		out = append(out, row(o))
	}
	return out
}

func trackRow(t *Track) []any {
	return r(t.TrackID, t.Name, t.AlbumID, t.GenreID, t.Composer, t.Milliseconds, t.UnitPrice)
}

// ormQuestions are answered through sessions: queries, Get, and every
// relationship load strategy.
func ormQuestions() []question {
	var qs []question
	qs = append(qs, ormQueries()...)
	qs = append(qs, ormLoads()...)
	return qs
}

func ormQueries() []question {
	return []question{
		ormQ("orm/filter tracks of an album", `SELECT TrackId, Name, AlbumId, GenreId, Composer, Milliseconds, UnitPrice FROM Track WHERE AlbumId = 6 ORDER BY TrackId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				ts, err := session.Query[Track](e.session()).Filter("AlbumID", 6).OrderBy("TrackID").All(ctx)
				return list(ts, trackRow), err
			}),
		ormQ("orm/get by key", `SELECT AlbumId, Title, ArtistId FROM Album WHERE AlbumId = 148`,
			func(ctx context.Context, e *env) ([][]any, error) {
				a, err := session.Get[Album](ctx, e.session(), 148)
				if err != nil {
					return nil, err
				}
				return [][]any{r(a.AlbumID, a.Title, a.ArtistID)}, nil
			}),
		ormQ("orm/where with column expressions", `SELECT CustomerId, FirstName, LastName, Country FROM Customer WHERE Country IN ('Brazil', 'Portugal') AND CustomerId > 10 ORDER BY LastName DESC, CustomerId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				q := session.Query[Customer](e.session())
				cs, err := q.Where(core.In(q.C("Country"), "Brazil", "Portugal"), core.Gt(q.C("CustomerID"), 10)).OrderBy("-LastName", "CustomerID").All(ctx)
				return list(cs, func(c *Customer) []any { return r(c.CustomerID, c.FirstName, c.LastName, c.Country) }), err
			}),
		ormQ("orm/count", `SELECT COUNT(*) FROM Track WHERE GenreId = 3`,
			func(ctx context.Context, e *env) ([][]any, error) {
				n, err := session.Query[Track](e.session()).Filter("GenreID", 3).Count(ctx)
				return [][]any{r(n)}, err
			}),
		ormQ("orm/exists", `SELECT 1 FROM Invoice WHERE Total > 25 LIMIT 1`,
			func(ctx context.Context, e *env) ([][]any, error) {
				q := session.Query[Invoice](e.session())
				ok, err := q.Where(core.Gt(q.C("Total"), 25)).Exists(ctx)
				return [][]any{r(ok)}, err
			}),
		ormQ("orm/first", `SELECT InvoiceId, Total FROM Invoice ORDER BY Total DESC, InvoiceId LIMIT 1`,
			func(ctx context.Context, e *env) ([][]any, error) {
				i, err := session.Query[Invoice](e.session()).OrderBy("-Total", "InvoiceID").First(ctx)
				if err != nil {
					return nil, err
				}
				return [][]any{r(i.InvoiceID, i.Total)}, nil
			}),
		ormQ("orm/one", `SELECT EmployeeId, LastName, Title FROM Employee WHERE ReportsTo IS NULL`,
			func(ctx context.Context, e *env) ([][]any, error) {
				q := session.Query[Employee](e.session())
				emp, err := q.Where(core.IsNull(q.C("ReportsTo"))).One(ctx)
				if err != nil {
					return nil, err
				}
				return [][]any{r(emp.EmployeeID, emp.LastName, emp.Title)}, nil
			}),
		ormQ("orm/limit offset", `SELECT ArtistId, Name FROM Artist ORDER BY Name, ArtistId LIMIT 5 OFFSET 40`,
			func(ctx context.Context, e *env) ([][]any, error) {
				as, err := session.Query[Artist](e.session()).OrderBy("Name", "ArtistID").Limit(5).Offset(40).All(ctx)
				return list(as, func(a *Artist) []any { return r(a.ArtistID, a.Name) }), err
			}),
		ormQ("orm/filter nil means is null", `SELECT TrackId FROM Track WHERE GenreId = 1 AND Composer IS NULL ORDER BY TrackId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				ts, err := session.Query[Track](e.session()).Filter("GenreID", 1).Filter("Composer", nil).OrderBy("TrackID").All(ctx)
				return list(ts, func(t *Track) []any { return r(t.TrackID) }), err
			}),
		ormQ("orm/filter typed nil pointer", `SELECT CustomerId FROM Customer WHERE State IS NULL ORDER BY CustomerId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				var state *string
				cs, err := session.Query[Customer](e.session()).Filter("State", state).OrderBy("CustomerID").All(ctx)
				return list(cs, func(c *Customer) []any { return r(c.CustomerID) }), err
			}),
		ormQ("orm/filter unicode", `SELECT CustomerId, FirstName, LastName FROM Customer WHERE LastName = 'Gonçalves'`,
			func(ctx context.Context, e *env) ([][]any, error) {
				cs, err := session.Query[Customer](e.session()).Filter("LastName", "Gonçalves").All(ctx)
				return list(cs, func(c *Customer) []any { return r(c.CustomerID, c.FirstName, c.LastName) }), err
			}),
		ormQ("orm/filter time given in Los Angeles", `SELECT InvoiceId, InvoiceDate FROM Invoice WHERE InvoiceDate = '2023-03-18 00:00:00' ORDER BY InvoiceId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				at := time.Date(2023, 3, 17, 17, 0, 0, 0, mustZone("America/Los_Angeles"))
				is, err := session.Query[Invoice](e.session()).Filter("InvoiceDate", at).OrderBy("InvoiceID").All(ctx)
				return list(is, func(i *Invoice) []any { return r(i.InvoiceID, i.InvoiceDate) }), err
			}),
		ormQ("orm/decimals and times of a customer's invoices", `SELECT InvoiceId, InvoiceDate, Total, BillingCity FROM Invoice WHERE CustomerId = 48 ORDER BY InvoiceDate, InvoiceId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				is, err := session.Query[Invoice](e.session()).Filter("CustomerID", 48).OrderBy("InvoiceDate", "InvoiceID").All(ctx)
				return list(is, func(i *Invoice) []any { return r(i.InvoiceID, i.InvoiceDate, i.Total, i.BillingCity) }), err
			}),
		// Joined columns are addressed by relationship path (q.C("Artist.Name")),
		// the handle the fix of bugs 4 and 5 gives: the joined table is
		// aliased by its path, so the bare table name no longer names it.
		ormQ("orm/join many-to-one and filter on it", `SELECT al.AlbumId, al.Title FROM Album al JOIN Artist ar ON ar.ArtistId = al.ArtistId WHERE ar.Name LIKE 'Iron%' ORDER BY al.AlbumId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				q := session.Query[Album](e.session()).Join("Artist")
				as, err := q.Where(core.Like(q.C("Artist.Name"), "Iron%")).OrderBy("AlbumID").All(ctx)
				return list(as, func(a *Album) []any { return r(a.AlbumID, a.Title) }), err
			}),
		ormQ("orm/join and order by a joined column", `SELECT al.AlbumId, al.Title FROM Album al JOIN Artist ar ON ar.ArtistId = al.ArtistId WHERE ar.ArtistId < 12 ORDER BY ar.Name, al.AlbumId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				q := session.Query[Album](e.session()).Join("Artist")
				as, err := q.Where(core.Lt(q.C("Artist.ArtistID"), 12)).OrderBy("Artist.Name", "AlbumID").All(ctx)
				return list(as, func(a *Album) []any { return r(a.AlbumID, a.Title) }), err
			}),
		ormQ("orm/join one-to-many without duplicates", `SELECT g.GenreId, g.Name FROM Genre g WHERE EXISTS (SELECT 1 FROM Track t WHERE t.GenreId = g.GenreId AND t.Milliseconds > 2000000) ORDER BY g.GenreId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				q := session.Query[Genre](e.session()).Join("Tracks")
				gs, err := q.Where(core.Gt(q.C("Tracks.Milliseconds"), 2000000)).OrderBy("GenreID").All(ctx)
				return list(gs, func(g *Genre) []any { return r(g.GenreID, g.Name) }), err
			}),
		ormQ("orm/join self-referential", `SELECT e.EmployeeId, e.LastName FROM Employee e JOIN Employee m ON m.EmployeeId = e.ReportsTo WHERE m.LastName = 'Edwards' ORDER BY e.EmployeeId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				q := session.Query[Employee](e.session()).Join("Manager")
				es, err := q.Where(core.Eq(q.C("Manager.LastName"), "Edwards")).OrderBy("EmployeeID").All(ctx)
				return list(es, func(x *Employee) []any { return r(x.EmployeeID, x.LastName) }), err
			}),
		ormQ("orm/join on explicit condition", `SELECT c.CustomerId, c.LastName FROM Customer c JOIN Employee e ON e.EmployeeId = c.SupportRepId WHERE e.City = 'Calgary' AND c.Country = 'USA' ORDER BY c.CustomerId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				emp := e.T("Employee")
				q := session.Query[Customer](e.session())
				cs, err := q.JoinOn(emp.Table, core.Eq(emp.C("EmployeeId"), q.C("SupportRepID"))).
					Where(core.Eq(emp.C("City"), "Calgary"), core.Eq(q.C("Country"), "USA")).OrderBy("CustomerID").All(ctx)
				return list(cs, func(c *Customer) []any { return r(c.CustomerID, c.LastName) }), err
			}),
		ormQ("orm/scan a model's own select", `SELECT TrackId, Name, AlbumId, GenreId, Composer, Milliseconds, UnitPrice FROM Track WHERE AlbumId = 9 ORDER BY TrackId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				stmt, err := session.Query[Track](e.session()).Filter("AlbumID", 9).OrderBy("TrackID").Statement()
				if err != nil {
					return nil, err
				}
				ts, err := session.Scan[Track](ctx, e.session(), stmt)
				out := make([][]any, 0, len(ts))
				for i := range ts {
					out = append(out, trackRow(&ts[i]))
				}
				return out, err
			}),
		ormQ("orm/identity map: one object per row", `SELECT COUNT(DISTINCT ArtistId) FROM Album WHERE ArtistId IN (1, 2, 3, 22, 50, 90)`,
			func(ctx context.Context, e *env) ([][]any, error) {
				s := e.session()
				q := session.Query[Album](s)
				as, err := q.Where(core.In(q.C("ArtistID"), 1, 2, 3, 22, 50, 90)).Options(loader.Joined("Artist")).All(ctx)
				if err != nil {
					return nil, err
				}
				seen := map[*Artist]bool{}
				for _, a := range as {
					b, err := session.Get[Artist](ctx, s, a.ArtistID)
					if err != nil {
						return nil, err
					}
					if b != a.Artist {
						return [][]any{r("two objects for artist", a.ArtistID)}, nil
					}
					seen[a.Artist] = true
				}
				return [][]any{r(len(seen))}, nil
			}),
	}
}

func ormLoads() []question {
	return []question{
		ormQ("load/selectin one-to-many", `SELECT ar.ArtistId, al.AlbumId, al.Title FROM Artist ar JOIN Album al ON al.ArtistId = ar.ArtistId WHERE ar.ArtistId <= 12 ORDER BY ar.ArtistId, al.AlbumId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				q := session.Query[Artist](e.session())
				as, err := q.Where(core.Le(q.C("ArtistID"), 12)).Options(loader.SelectIn("Albums").OrderBy("AlbumID")).OrderBy("ArtistID").All(ctx)
				var out [][]any
				for _, a := range as {
					for _, al := range a.Albums {
						out = append(out, r(a.ArtistID, al.AlbumID, al.Title))
					}
				}
				return out, err
			}),
		ormQ("load/selectin empty collections stay empty", `SELECT ar.ArtistId, COUNT(al.AlbumId) FROM Artist ar LEFT JOIN Album al ON al.ArtistId = ar.ArtistId WHERE ar.ArtistId BETWEEN 200 AND 230 GROUP BY ar.ArtistId ORDER BY ar.ArtistId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				q := session.Query[Artist](e.session())
				as, err := q.Where(core.Between(q.C("ArtistID"), 200, 230)).Options(loader.SelectIn("Albums")).OrderBy("ArtistID").All(ctx)
				return list(as, func(a *Artist) []any { return r(a.ArtistID, len(a.Albums)) }), err
			}),
		ormQ("load/selectin nested path", `SELECT al.AlbumId, t.TrackId, t.Name FROM Album al JOIN Track t ON t.AlbumId = al.AlbumId WHERE al.ArtistId = 22 ORDER BY al.AlbumId, t.TrackId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				ar, err := session.Query[Artist](e.session()).Filter("ArtistID", 22).Options(loader.SelectIn("Albums", loader.SelectIn("Tracks").OrderBy("TrackID")).OrderBy("AlbumID")).One(ctx)
				if err != nil {
					return nil, err
				}
				var out [][]any
				for _, al := range ar.Albums {
					for _, t := range al.Tracks {
						out = append(out, r(al.AlbumID, t.TrackID, t.Name))
					}
				}
				return out, nil
			}),
		ormQ("load/selectin dotted path three deep", `SELECT i.InvoiceId, il.InvoiceLineId, t.Name, il.UnitPrice FROM Invoice i JOIN InvoiceLine il ON il.InvoiceId = i.InvoiceId JOIN Track t ON t.TrackId = il.TrackId WHERE i.CustomerId = 7`,
			func(ctx context.Context, e *env) ([][]any, error) {
				c, err := session.Query[Customer](e.session()).Filter("CustomerID", 7).Options(loader.SelectIn("Invoices.Lines.Track")).One(ctx)
				if err != nil {
					return nil, err
				}
				var out [][]any
				for _, i := range c.Invoices {
					for _, l := range i.Lines {
						out = append(out, r(i.InvoiceID, l.InvoiceLineID, l.Track.Name, l.UnitPrice))
					}
				}
				return out, nil
			}).unordered(),
		ormQ("load/selectin ordered desc per collection", `SELECT c.CustomerId, i.InvoiceId, i.Total FROM Customer c JOIN Invoice i ON i.CustomerId = c.CustomerId WHERE c.Country = 'France' ORDER BY c.CustomerId, i.Total DESC, i.InvoiceId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				cs, err := session.Query[Customer](e.session()).Filter("Country", "France").OrderBy("CustomerID").Options(loader.SelectIn("Invoices").OrderBy("-Total", "InvoiceID")).All(ctx)
				var out [][]any
				for _, c := range cs {
					for _, i := range c.Invoices {
						out = append(out, r(c.CustomerID, i.InvoiceID, i.Total))
					}
				}
				return out, err
			}),
		ormQ("load/selectin limit per parent", `SELECT x.GenreId, x.TrackId, x.Milliseconds FROM (SELECT GenreId, TrackId, Milliseconds, ROW_NUMBER() OVER (PARTITION BY GenreId ORDER BY Milliseconds DESC, TrackId) AS rn FROM Track) x WHERE x.rn <= 3 AND x.GenreId IS NOT NULL ORDER BY x.GenreId, x.rn`,
			func(ctx context.Context, e *env) ([][]any, error) {
				gs, err := session.Query[Genre](e.session()).OrderBy("GenreID").Options(loader.SelectIn("Tracks").OrderBy("-Milliseconds", "TrackID").Limit(3)).All(ctx)
				var out [][]any
				for _, g := range gs {
					for _, t := range g.Tracks {
						out = append(out, r(g.GenreID, t.TrackID, t.Milliseconds))
					}
				}
				return out, err
			}),
		ormQ("load/selectin self-referential reports", `SELECT m.EmployeeId, e.EmployeeId FROM Employee m JOIN Employee e ON e.ReportsTo = m.EmployeeId ORDER BY m.EmployeeId, e.EmployeeId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				es, err := session.Query[Employee](e.session()).OrderBy("EmployeeID").Options(loader.SelectIn("Reports").OrderBy("EmployeeID")).All(ctx)
				var out [][]any
				for _, m := range es {
					for _, x := range m.Reports {
						out = append(out, r(m.EmployeeID, x.EmployeeID))
					}
				}
				return out, err
			}),
		ormQ("load/selectin many-to-one", `SELECT t.TrackId, g.Name, m.Name FROM Track t LEFT JOIN Genre g ON g.GenreId = t.GenreId JOIN MediaType m ON m.MediaTypeId = t.MediaTypeId WHERE t.TrackId BETWEEN 3400 AND 3503 ORDER BY t.TrackId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				q := session.Query[Track](e.session())
				ts, err := q.Where(core.Between(q.C("TrackID"), 3400, 3503)).OrderBy("TrackID").Options(loader.SelectIn("Genre"), loader.SelectIn("MediaType")).All(ctx)
				return list(ts, func(t *Track) []any {
					var g *string
					if t.Genre != nil {
						g = t.Genre.Name
					}
					return r(t.TrackID, g, t.MediaType.Name)
				}), err
			}),
		ormQ("load/joined many-to-one", `SELECT al.AlbumId, al.Title, ar.Name FROM Album al JOIN Artist ar ON ar.ArtistId = al.ArtistId WHERE al.AlbumId BETWEEN 100 AND 130 ORDER BY al.AlbumId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				q := session.Query[Album](e.session())
				as, err := q.Where(core.Between(q.C("AlbumID"), 100, 130)).OrderBy("AlbumID").Options(loader.Joined("Artist")).All(ctx)
				return list(as, func(a *Album) []any { return r(a.AlbumID, a.Title, a.Artist.Name) }), err
			}),
		ormQ("load/joined nested many-to-one", `SELECT t.TrackId, al.Title, ar.Name FROM Track t JOIN Album al ON al.AlbumId = t.AlbumId JOIN Artist ar ON ar.ArtistId = al.ArtistId WHERE t.GenreId = 24 ORDER BY t.TrackId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				ts, err := session.Query[Track](e.session()).Filter("GenreID", 24).OrderBy("TrackID").Options(loader.Joined("Album", loader.Joined("Artist"))).All(ctx)
				return list(ts, func(t *Track) []any { return r(t.TrackID, t.Album.Title, t.Album.Artist.Name) }), err
			}),
		ormQ("load/joined self-referential manager", `SELECT e.EmployeeId, m.LastName FROM Employee e LEFT JOIN Employee m ON m.EmployeeId = e.ReportsTo ORDER BY e.EmployeeId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				es, err := session.Query[Employee](e.session()).OrderBy("EmployeeID").Options(loader.Joined("Manager")).All(ctx)
				return list(es, func(x *Employee) []any {
					var m *string
					if x.Manager != nil {
						m = &x.Manager.LastName
					}
					return r(x.EmployeeID, m)
				}), err
			}),
		ormQ("load/joined then selectin", `SELECT c.CustomerId, e.LastName, i.InvoiceId FROM Customer c JOIN Employee e ON e.EmployeeId = c.SupportRepId JOIN Invoice i ON i.CustomerId = c.CustomerId WHERE c.Country = 'Germany' ORDER BY c.CustomerId, i.InvoiceId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				cs, err := session.Query[Customer](e.session()).Filter("Country", "Germany").OrderBy("CustomerID").
					Options(loader.Joined("SupportRep"), loader.SelectIn("Invoices").OrderBy("InvoiceID")).All(ctx)
				var out [][]any
				for _, c := range cs {
					for _, i := range c.Invoices {
						out = append(out, r(c.CustomerID, c.SupportRep.LastName, i.InvoiceID))
					}
				}
				return out, err
			}),
		ormQ("load/association object to tracks", `SELECT pt.PlaylistId, t.TrackId, t.Name FROM PlaylistTrack pt JOIN Track t ON t.TrackId = pt.TrackId WHERE pt.PlaylistId IN (9, 18)`,
			func(ctx context.Context, e *env) ([][]any, error) {
				q := session.Query[Playlist](e.session())
				ps, err := q.Where(core.In(q.C("PlaylistID"), 9, 18)).Options(loader.SelectIn("Entries", loader.Joined("Track"))).All(ctx)
				var out [][]any
				for _, p := range ps {
					for _, en := range p.Entries {
						out = append(out, r(p.PlaylistID, en.Track.TrackID, en.Track.Name))
					}
				}
				return out, err
			}).unordered(),
		ormQ("load/lazy one object", `SELECT TrackId, Name FROM Track WHERE AlbumId = 12 ORDER BY TrackId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				s := e.session()
				a, err := session.Get[Album](ctx, s, 12)
				if err != nil {
					return nil, err
				}
				if err := s.Load(ctx, a, "Tracks"); err != nil {
					return nil, err
				}
				return list(a.Tracks, func(t *Track) []any { return r(t.TrackID, t.Name) }), nil
			}).unordered(),
		ormQ("load/lazy batch fills every object of the session", `SELECT al.AlbumId, COUNT(t.TrackId) FROM Album al LEFT JOIN Track t ON t.AlbumId = al.AlbumId WHERE al.ArtistId = 90 GROUP BY al.AlbumId ORDER BY al.AlbumId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				s := e.session()
				as, err := session.Query[Album](s).Filter("ArtistID", 90).OrderBy("AlbumID").All(ctx)
				if err != nil || len(as) == 0 {
					return nil, err
				}
				if err := s.Load(ctx, as[0], "Tracks"); err != nil {
					return nil, err
				}
				return list(as, func(a *Album) []any { return r(a.AlbumID, len(a.Tracks)) }), nil
			}),
		ormQ("load/lazy many-to-one", `SELECT c.CustomerId, e.FirstName, e.LastName FROM Customer c JOIN Employee e ON e.EmployeeId = c.SupportRepId WHERE c.CustomerId = 33`,
			func(ctx context.Context, e *env) ([][]any, error) {
				s := e.session()
				c, err := session.Get[Customer](ctx, s, 33)
				if err != nil {
					return nil, err
				}
				if err := s.Load(ctx, c, "SupportRep"); err != nil {
					return nil, err
				}
				return [][]any{r(c.CustomerID, c.SupportRep.FirstName, c.SupportRep.LastName)}, nil
			}),
		ormQ("load/selectin by decimal-keyed filter", `SELECT t.TrackId, il.InvoiceLineId, il.Quantity, il.UnitPrice FROM Track t JOIN InvoiceLine il ON il.TrackId = t.TrackId WHERE t.UnitPrice = 1.99 AND t.TrackId < 2900 ORDER BY t.TrackId, il.InvoiceLineId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				q := session.Query[Track](e.session())
				ts, err := q.Where(core.Eq(q.C("UnitPrice"), 1.99), core.Lt(q.C("TrackID"), 2900)).OrderBy("TrackID").Options(loader.SelectIn("Lines").OrderBy("InvoiceLineID")).All(ctx)
				var out [][]any
				for _, t := range ts {
					for _, l := range t.Lines {
						out = append(out, r(t.TrackID, l.InvoiceLineID, l.Quantity, l.UnitPrice))
					}
				}
				return out, err
			}),
		ormQ("load/raise refuses an unplanned load", `SELECT 'refused'`,
			func(ctx context.Context, e *env) ([][]any, error) {
				s := e.session()
				a, err := session.Query[Album](s).Filter("AlbumID", 1).Options(loader.Raise()).One(ctx)
				if err != nil {
					return nil, err
				}
				if err := s.Load(ctx, a, "Tracks"); err == nil {
					return [][]any{r("loaded")}, nil
				}
				return [][]any{r("refused")}, nil
			}),
	}
}
