package conformance

import (
	"context"
	"slices"
	"time"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
)

// Instants for the timestamp questions. Chinook's dates are midnights, kept
// as UTC wall clocks (TIMESTAMP without zone; text on SQLite).
var (
	newYork = mustZone("America/New_York")
	tokyo   = mustZone("Asia/Tokyo")
	paris   = mustZone("Europe/Paris")
)

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// coreQuestions are answered by Core statements run through the engine.
func coreQuestions() []question {
	var qs []question
	qs = append(qs, coreFilters()...)
	qs = append(qs, coreJoins()...)
	qs = append(qs, coreAggregates()...)
	qs = append(qs, coreSubqueries()...)
	qs = append(qs, coreCTEs()...)
	qs = append(qs, coreWindows()...)
	qs = append(qs, coreSetOps()...)
	qs = append(qs, coreDecimals()...)
	qs = append(qs, coreTimes()...)
	qs = append(qs, coreExpressions()...)
	return qs
}

func coreFilters() []question {
	return []question{
		coreQ("filter/tracks of genre 1", `SELECT TrackId, Name, UnitPrice FROM Track WHERE GenreId = 1 ORDER BY TrackId`,
			func(e *env) core.Statement {
				t := e.T("Track")
				return core.Select(t.C("TrackId"), t.C("Name"), t.C("UnitPrice")).From(t.Table).Where(core.Eq(t.C("GenreId"), 1)).OrderBy(t.C("TrackId"))
			}),
		coreQ("filter/in list", `SELECT TrackId, Name FROM Track WHERE TrackId IN (1, 5, 77, 3000, 3503) ORDER BY TrackId`,
			func(e *env) core.Statement {
				t := e.T("Track")
				return core.Select(t.C("TrackId"), t.C("Name")).From(t.Table).Where(core.In(t.C("TrackId"), 1, 5, 77, 3000, 3503)).OrderBy(t.C("TrackId"))
			}),
		coreQ("filter/in slice of 600 keys", `SELECT COUNT(*), SUM(Milliseconds) FROM Track WHERE TrackId BETWEEN 1 AND 1200 AND TrackId % 2 = 0`,
			func(e *env) core.Statement {
				t := e.T("Track")
				ids := make([]int64, 0, 600)
				for i := int64(2); i <= 1200; i += 2 {
					ids = append(ids, i)
				}
				return core.Select(core.Count(core.Star()), core.Sum(t.C("Milliseconds"))).From(t.Table).Where(core.In(t.C("TrackId"), ids))
			}),
		coreQ("filter/in empty slice", `SELECT COUNT(*) FROM Track WHERE 1 = 0`,
			func(e *env) core.Statement {
				t := e.T("Track")
				return core.Select(core.Count(core.Star())).From(t.Table).Where(core.In(t.C("TrackId"), []int64{}))
			}),
		coreQ("filter/not in", `SELECT GenreId, Name FROM Genre WHERE GenreId NOT IN (1, 2, 3, 4, 5) ORDER BY GenreId`,
			func(e *env) core.Statement {
				g := e.T("Genre")
				return core.Select(g.C("GenreId"), g.C("Name")).From(g.Table).Where(core.NotIn(g.C("GenreId"), []int{1, 2, 3, 4, 5})).OrderBy(g.C("GenreId"))
			}),
		coreQ("filter/between", `SELECT TrackId, Milliseconds FROM Track WHERE Milliseconds BETWEEN 200000 AND 202000 ORDER BY Milliseconds, TrackId`,
			func(e *env) core.Statement {
				t := e.T("Track")
				return core.Select(t.C("TrackId"), t.C("Milliseconds")).From(t.Table).Where(core.Between(t.C("Milliseconds"), 200000, 202000)).OrderBy(t.C("Milliseconds"), t.C("TrackId"))
			}),
		coreQ("filter/like prefix", `SELECT AlbumId, Title FROM Album WHERE Title LIKE 'The %' ORDER BY AlbumId`,
			func(e *env) core.Statement {
				a := e.T("Album")
				return core.Select(a.C("AlbumId"), a.C("Title")).From(a.Table).Where(core.Like(a.C("Title"), "The %")).OrderBy(a.C("AlbumId"))
			}),
		coreQ("filter/not like", `SELECT COUNT(*) FROM Album WHERE Title NOT LIKE '%a%'`,
			func(e *env) core.Statement {
				a := e.T("Album")
				return core.Select(core.Count(core.Star())).From(a.Table).Where(core.NotLike(a.C("Title"), "%a%"))
			}),
		coreQ("filter/ilike", `SELECT TrackId, Name FROM Track WHERE LOWER(Name) LIKE '%love%' ORDER BY TrackId`,
			func(e *env) core.Statement {
				t := e.T("Track")
				return core.Select(t.C("TrackId"), t.C("Name")).From(t.Table).Where(core.ILike(t.C("Name"), "%LOVE%")).OrderBy(t.C("TrackId"))
			}).on(pg, `SELECT TrackId, Name FROM Track WHERE Name ILIKE '%LOVE%' ORDER BY TrackId`),
		coreQ("filter/is null", `SELECT TrackId FROM Track WHERE Composer IS NULL AND GenreId = 7 ORDER BY TrackId`,
			func(e *env) core.Statement {
				t := e.T("Track")
				return core.Select(t.C("TrackId")).From(t.Table).Where(core.IsNull(t.C("Composer")), core.Eq(t.C("GenreId"), 7)).OrderBy(t.C("TrackId"))
			}),
		coreQ("filter/is not null", `SELECT CustomerId, Company FROM Customer WHERE Company IS NOT NULL ORDER BY CustomerId`,
			func(e *env) core.Statement {
				c := e.T("Customer")
				return core.Select(c.C("CustomerId"), c.C("Company")).From(c.Table).Where(core.IsNotNull(c.C("Company"))).OrderBy(c.C("CustomerId"))
			}),
		coreQ("filter/or and not", `SELECT CustomerId FROM Customer WHERE (Country = 'USA' OR Country = 'Canada') AND NOT (State = 'CA') ORDER BY CustomerId`,
			func(e *env) core.Statement {
				c := e.T("Customer")
				return core.Select(c.C("CustomerId")).From(c.Table).
					Where(core.Or(core.Eq(c.C("Country"), "USA"), core.Eq(c.C("Country"), "Canada")), core.Not(core.Eq(c.C("State"), "CA"))).
					OrderBy(c.C("CustomerId"))
			}),
		coreQ("filter/limit offset page", `SELECT TrackId, Name FROM Track ORDER BY Name, TrackId LIMIT 10 OFFSET 200`,
			func(e *env) core.Statement {
				t := e.T("Track")
				return core.Select(t.C("TrackId"), t.C("Name")).From(t.Table).OrderBy(t.C("Name"), t.C("TrackId")).Limit(10).Offset(200)
			}),
		coreQ("filter/distinct", `SELECT DISTINCT Country FROM Customer ORDER BY Country`,
			func(e *env) core.Statement {
				c := e.T("Customer")
				return core.Select(c.C("Country")).Distinct().From(c.Table).OrderBy(c.C("Country"))
			}),
		coreQ("filter/typed nil pointer is null", `SELECT CustomerId FROM Customer WHERE Company IS NULL ORDER BY CustomerId`,
			func(e *env) core.Statement {
				c := e.T("Customer")
				return core.Select(c.C("CustomerId")).From(c.Table).Where(core.Eq(c.C("Company"), (*string)(nil))).OrderBy(c.C("CustomerId"))
			}),
		coreQ("filter/order nulls first", `SELECT TrackId, Composer FROM Track WHERE AlbumId = 10 ORDER BY Composer NULLS FIRST, TrackId`,
			func(e *env) core.Statement {
				t := e.T("Track")
				return core.Select(t.C("TrackId"), t.C("Composer")).From(t.Table).Where(core.Eq(t.C("AlbumId"), 10)).
					OrderBy(core.Asc(t.C("Composer")).NullsFirst(), t.C("TrackId"))
			}).on(maria, `SELECT TrackId, Composer FROM Track WHERE AlbumId = 10 ORDER BY Composer IS NOT NULL, Composer, TrackId`),
		coreQ("filter/order desc nulls last", `SELECT CustomerId, Company FROM Customer ORDER BY Company DESC NULLS LAST, CustomerId`,
			func(e *env) core.Statement {
				c := e.T("Customer")
				return core.Select(c.C("CustomerId"), c.C("Company")).From(c.Table).OrderBy(core.Desc(c.C("Company")).NullsLast(), c.C("CustomerId"))
			}).on(maria, `SELECT CustomerId, Company FROM Customer ORDER BY Company IS NULL, Company DESC, CustomerId`),
		coreQ("unicode/equality", `SELECT CustomerId, FirstName, LastName, City FROM Customer WHERE City = 'São Paulo' ORDER BY CustomerId`,
			func(e *env) core.Statement {
				c := e.T("Customer")
				return core.Select(c.C("CustomerId"), c.C("FirstName"), c.C("LastName"), c.C("City")).From(c.Table).Where(core.Eq(c.C("City"), "São Paulo")).OrderBy(c.C("CustomerId"))
			}),
		coreQ("unicode/like", `SELECT ArtistId, Name FROM Artist WHERE Name LIKE '%ç%' OR Name LIKE '%ã%' OR Name LIKE '%ö%' ORDER BY ArtistId`,
			func(e *env) core.Statement {
				a := e.T("Artist")
				n := a.C("Name")
				return core.Select(a.C("ArtistId"), n).From(a.Table).Where(core.Or(core.Like(n, "%ç%"), core.Like(n, "%ã%"), core.Like(n, "%ö%"))).OrderBy(a.C("ArtistId"))
			}),
		coreQ("unicode/names in order", `SELECT Name FROM Artist WHERE ArtistId BETWEEN 100 AND 260 ORDER BY Name, ArtistId`,
			func(e *env) core.Statement {
				a := e.T("Artist")
				return core.Select(a.C("Name")).From(a.Table).Where(core.Between(a.C("ArtistId"), 100, 260)).OrderBy(a.C("Name"), a.C("ArtistId"))
			}),
		coreQ("unicode/in list of names", `SELECT CustomerId FROM Customer WHERE FirstName IN ('François', 'Bjørn', 'João', 'František') ORDER BY CustomerId`,
			func(e *env) core.Statement {
				c := e.T("Customer")
				return core.Select(c.C("CustomerId")).From(c.Table).Where(core.In(c.C("FirstName"), []string{"François", "Bjørn", "João", "František"})).OrderBy(c.C("CustomerId"))
			}),
		coreQ("unicode/length in characters", `SELECT CustomerId, LENGTH(LastName) FROM Customer WHERE CustomerId IN (5, 34, 57) ORDER BY CustomerId`,
			func(e *env) core.Statement {
				c := e.T("Customer")
				return core.Select(c.C("CustomerId"), core.Func("CHAR_LENGTH", c.C("LastName"))).From(c.Table).Where(core.In(c.C("CustomerId"), 5, 34, 57)).OrderBy(c.C("CustomerId"))
			}).on(maria, `SELECT CustomerId, CHAR_LENGTH(LastName) FROM Customer WHERE CustomerId IN (5, 34, 57) ORDER BY CustomerId`).
			on(lite, ""),
	}
}

func coreJoins() []question {
	return []question{
		coreQ("join/album artist", `SELECT al.AlbumId, al.Title, ar.Name FROM Album al JOIN Artist ar ON ar.ArtistId = al.ArtistId WHERE ar.ArtistId <= 20 ORDER BY al.Title, al.AlbumId`,
			func(e *env) core.Statement {
				al, ar := e.T("Album"), e.T("Artist")
				return core.Select(al.C("AlbumId"), al.C("Title"), ar.C("Name")).From(al.Table).Join(ar.Table, core.Eq(ar.C("ArtistId"), al.C("ArtistId"))).
					Where(core.Le(ar.C("ArtistId"), 20)).OrderBy(al.C("Title"), al.C("AlbumId"))
			}),
		coreQ("join/three tables", `SELECT t.TrackId, t.Name, al.Title, ar.Name FROM Track t JOIN Album al ON al.AlbumId = t.AlbumId JOIN Artist ar ON ar.ArtistId = al.ArtistId WHERE ar.Name = 'Queen' ORDER BY t.TrackId`,
			func(e *env) core.Statement {
				t, al, ar := e.T("Track"), e.T("Album"), e.T("Artist")
				return core.Select(t.C("TrackId"), t.C("Name"), al.C("Title"), ar.C("Name")).From(t.Table).
					Join(al.Table, core.Eq(al.C("AlbumId"), t.C("AlbumId"))).Join(ar.Table, core.Eq(ar.C("ArtistId"), al.C("ArtistId"))).
					Where(core.Eq(ar.C("Name"), "Queen")).OrderBy(t.C("TrackId"))
			}),
		coreQ("join/left join artists without albums", `SELECT ar.ArtistId, ar.Name FROM Artist ar LEFT JOIN Album al ON al.ArtistId = ar.ArtistId WHERE al.AlbumId IS NULL ORDER BY ar.ArtistId`,
			func(e *env) core.Statement {
				al, ar := e.T("Album"), e.T("Artist")
				return core.Select(ar.C("ArtistId"), ar.C("Name")).From(ar.Table).LeftJoin(al.Table, core.Eq(al.C("ArtistId"), ar.C("ArtistId"))).
					Where(core.IsNull(al.C("AlbumId"))).OrderBy(ar.C("ArtistId"))
			}),
		coreQ("join/self join manager", `SELECT e.EmployeeId, e.LastName, m.LastName FROM Employee e LEFT JOIN Employee m ON m.EmployeeId = e.ReportsTo ORDER BY e.EmployeeId`,
			func(e *env) core.Statement {
				emp, mgr := e.T("Employee").As("e"), e.T("Employee").As("m")
				return core.Select(emp.C("EmployeeId"), emp.C("LastName"), mgr.C("LastName")).From(emp.Table).
					LeftJoin(mgr.Table, core.Eq(mgr.C("EmployeeId"), emp.C("ReportsTo"))).OrderBy(emp.C("EmployeeId"))
			}),
		coreQ("join/right join genres", `SELECT g.GenreId, COUNT(t.TrackId) FROM Track t RIGHT JOIN Genre g ON g.GenreId = t.GenreId GROUP BY g.GenreId ORDER BY g.GenreId`,
			func(e *env) core.Statement {
				t, g := e.T("Track"), e.T("Genre")
				return core.Select(g.C("GenreId"), core.Count(t.C("TrackId"))).From(t.Table).RightJoin(g.Table, core.Eq(g.C("GenreId"), t.C("GenreId"))).
					GroupBy(g.C("GenreId")).OrderBy(g.C("GenreId"))
			}),
		coreQ("join/full join", `SELECT e.EmployeeId, c.CustomerId FROM Employee e FULL JOIN Customer c ON c.SupportRepId = e.EmployeeId WHERE c.CustomerId IS NULL OR c.CustomerId < 4 ORDER BY e.EmployeeId, c.CustomerId`,
			func(e *env) core.Statement {
				emp, c := e.T("Employee"), e.T("Customer")
				return core.Select(emp.C("EmployeeId"), c.C("CustomerId")).From(emp.Table).FullJoin(c.Table, core.Eq(c.C("SupportRepId"), emp.C("EmployeeId"))).
					Where(core.Or(core.IsNull(c.C("CustomerId")), core.Lt(c.C("CustomerId"), 4))).OrderBy(emp.C("EmployeeId"), c.C("CustomerId"))
			}).not(maria),
		coreQ("join/playlist tracks composite key", `SELECT p.Name, t.Name FROM Playlist p JOIN PlaylistTrack pt ON pt.PlaylistId = p.PlaylistId JOIN Track t ON t.TrackId = pt.TrackId WHERE p.PlaylistId = 18 ORDER BY t.TrackId`,
			func(e *env) core.Statement {
				p, pt, t := e.T("Playlist"), e.T("PlaylistTrack"), e.T("Track")
				return core.Select(p.C("Name"), t.C("Name")).From(p.Table).Join(pt.Table, core.Eq(pt.C("PlaylistId"), p.C("PlaylistId"))).
					Join(t.Table, core.Eq(t.C("TrackId"), pt.C("TrackId"))).Where(core.Eq(p.C("PlaylistId"), 18)).OrderBy(t.C("TrackId"))
			}),
		coreQ("join/cross join count", `SELECT COUNT(*) FROM Genre g CROSS JOIN MediaType m`,
			func(e *env) core.Statement {
				g, m := e.T("Genre"), e.T("MediaType")
				return core.Select(core.Count(core.Star())).From(g.Table).CrossJoin(m.Table)
			}),
		coreQ("join/customer rep and invoices", `SELECT e.LastName, COUNT(DISTINCT c.CustomerId), COUNT(i.InvoiceId) FROM Employee e JOIN Customer c ON c.SupportRepId = e.EmployeeId JOIN Invoice i ON i.CustomerId = c.CustomerId GROUP BY e.EmployeeId, e.LastName ORDER BY e.EmployeeId`,
			func(e *env) core.Statement {
				emp, c, i := e.T("Employee"), e.T("Customer"), e.T("Invoice")
				return core.Select(emp.C("LastName"), core.CountDistinct(c.C("CustomerId")), core.Count(i.C("InvoiceId"))).From(emp.Table).
					Join(c.Table, core.Eq(c.C("SupportRepId"), emp.C("EmployeeId"))).Join(i.Table, core.Eq(i.C("CustomerId"), c.C("CustomerId"))).
					GroupBy(emp.C("EmployeeId"), emp.C("LastName")).OrderBy(emp.C("EmployeeId"))
			}),
		coreQ("join/derived table", `SELECT ar.Name, x.n FROM Artist ar JOIN (SELECT ArtistId, COUNT(*) AS n FROM Album GROUP BY ArtistId) x ON x.ArtistId = ar.ArtistId WHERE x.n >= 5 ORDER BY x.n DESC, ar.Name`,
			func(e *env) core.Statement {
				ar, al := e.T("Artist"), e.T("Album")
				x := core.Select(al.C("ArtistId"), core.As(core.Count(core.Star()), "n")).From(al.Table).GroupBy(al.C("ArtistId")).As("x")
				return core.Select(ar.C("Name"), x.C("n")).From(ar.Table).Join(x, core.Eq(x.C(e.n("ArtistId")), ar.C("ArtistId"))).
					Where(core.Ge(x.C("n"), 5)).OrderBy(core.Desc(x.C("n")), ar.C("Name"))
			}),
	}
}

func coreAggregates() []question {
	return []question{
		coreQ("aggregate/count rows", `SELECT COUNT(*) FROM Track`,
			func(e *env) core.Statement { return core.Select(core.Count(core.Star())).From(e.T("Track").Table) }),
		coreQ("aggregate/count per genre", `SELECT GenreId, COUNT(*) FROM Track GROUP BY GenreId ORDER BY COUNT(*) DESC, GenreId`,
			func(e *env) core.Statement {
				t := e.T("Track")
				return core.Select(t.C("GenreId"), core.Count(core.Star())).From(t.Table).GroupBy(t.C("GenreId")).OrderBy(core.Desc(core.Count(core.Star())), t.C("GenreId"))
			}),
		coreQ("aggregate/having", `SELECT AlbumId, COUNT(*) FROM Track GROUP BY AlbumId HAVING COUNT(*) > 25 ORDER BY AlbumId`,
			func(e *env) core.Statement {
				t := e.T("Track")
				return core.Select(t.C("AlbumId"), core.Count(core.Star())).From(t.Table).GroupBy(t.C("AlbumId")).Having(core.Gt(core.Count(core.Star()), 25)).OrderBy(t.C("AlbumId"))
			}),
		coreQ("aggregate/min max length", `SELECT MIN(Milliseconds), MAX(Milliseconds), SUM(Bytes) FROM Track`,
			func(e *env) core.Statement {
				t := e.T("Track")
				return core.Select(core.Min(t.C("Milliseconds")), core.Max(t.C("Milliseconds")), core.Sum(t.C("Bytes"))).From(t.Table)
			}),
		coreQ("aggregate/count distinct", `SELECT COUNT(DISTINCT BillingCountry), COUNT(DISTINCT CustomerId) FROM Invoice`,
			func(e *env) core.Statement {
				i := e.T("Invoice")
				return core.Select(core.CountDistinct(i.C("BillingCountry")), core.CountDistinct(i.C("CustomerId"))).From(i.Table)
			}),
		coreQ("aggregate/group by two columns", `SELECT GenreId, MediaTypeId, COUNT(*) FROM Track GROUP BY GenreId, MediaTypeId ORDER BY GenreId, MediaTypeId`,
			func(e *env) core.Statement {
				t := e.T("Track")
				return core.Select(t.C("GenreId"), t.C("MediaTypeId"), core.Count(core.Star())).From(t.Table).
					GroupBy(t.C("GenreId"), t.C("MediaTypeId")).OrderBy(t.C("GenreId"), t.C("MediaTypeId"))
			}),
		coreQ("aggregate/avg rounded", `SELECT GenreId, ROUND(AVG(Milliseconds) / 1000, 1) FROM Track GROUP BY GenreId ORDER BY GenreId`,
			func(e *env) core.Statement {
				t := e.T("Track")
				return core.Select(t.C("GenreId"), core.Func("ROUND", core.Div(core.Avg(t.C("Milliseconds")), 1000), 1)).From(t.Table).GroupBy(t.C("GenreId")).OrderBy(t.C("GenreId"))
			}),
		coreQ("aggregate/count of nullable column", `SELECT COUNT(Composer), COUNT(*) - COUNT(Composer) FROM Track`,
			func(e *env) core.Statement {
				t := e.T("Track")
				return core.Select(core.Count(t.C("Composer")), core.Sub(core.Count(core.Star()), core.Count(t.C("Composer")))).From(t.Table)
			}),
		coreQ("aggregate/max per customer with having on sum", `SELECT CustomerId, MAX(Total), SUM(Total) FROM Invoice GROUP BY CustomerId HAVING SUM(Total) > 45 ORDER BY CustomerId`,
			func(e *env) core.Statement {
				i := e.T("Invoice")
				return core.Select(i.C("CustomerId"), core.Max(i.C("Total")), core.Sum(i.C("Total"))).From(i.Table).GroupBy(i.C("CustomerId")).
					Having(core.Gt(core.Sum(i.C("Total")), 45)).OrderBy(i.C("CustomerId"))
			}),
		coreQ("aggregate/group by expression with bound value", `SELECT Milliseconds / 60000, COUNT(*) FROM Track WHERE Milliseconds < 600000 GROUP BY Milliseconds / 60000 ORDER BY 1`,
			func(e *env) core.Statement {
				t := e.T("Track")
				minutes := core.Div(t.C("Milliseconds"), 60000)
				return core.Select(minutes, core.Count(core.Star())).From(t.Table).Where(core.Lt(t.C("Milliseconds"), 600000)).GroupBy(minutes).OrderBy(minutes)
			}),
	}
}

func coreSubqueries() []question {
	return []question{
		coreQ("subquery/in select", `SELECT AlbumId, Title FROM Album WHERE ArtistId IN (SELECT ArtistId FROM Artist WHERE Name LIKE 'A%') ORDER BY AlbumId`,
			func(e *env) core.Statement {
				al, ar := e.T("Album"), e.T("Artist")
				return core.Select(al.C("AlbumId"), al.C("Title")).From(al.Table).
					Where(core.In(al.C("ArtistId"), core.Select(ar.C("ArtistId")).From(ar.Table).Where(core.Like(ar.C("Name"), "A%")))).OrderBy(al.C("AlbumId"))
			}),
		coreQ("subquery/exists correlated", `SELECT c.CustomerId FROM Customer c WHERE EXISTS (SELECT 1 FROM Invoice i WHERE i.CustomerId = c.CustomerId AND i.Total > 20) ORDER BY c.CustomerId`,
			func(e *env) core.Statement {
				c, i := e.T("Customer").As("c"), e.T("Invoice").As("i")
				return core.Select(c.C("CustomerId")).From(c.Table).
					Where(core.Exists(core.Select(i.C("InvoiceId")).From(i.Table).Where(core.Eq(i.C("CustomerId"), c.C("CustomerId")), core.Gt(i.C("Total"), 20)))).
					OrderBy(c.C("CustomerId"))
			}),
		coreQ("subquery/not exists", `SELECT t.TrackId FROM Track t WHERE NOT EXISTS (SELECT 1 FROM InvoiceLine il WHERE il.TrackId = t.TrackId) AND t.TrackId < 200 ORDER BY t.TrackId`,
			func(e *env) core.Statement {
				t, il := e.T("Track").As("t"), e.T("InvoiceLine").As("il")
				return core.Select(t.C("TrackId")).From(t.Table).
					Where(core.NotExists(core.Select(il.C("InvoiceLineId")).From(il.Table).Where(core.Eq(il.C("TrackId"), t.C("TrackId")))), core.Lt(t.C("TrackId"), 200)).
					OrderBy(t.C("TrackId"))
			}),
		coreQ("subquery/scalar in select list", `SELECT g.Name, (SELECT COUNT(*) FROM Track t WHERE t.GenreId = g.GenreId) FROM Genre g ORDER BY g.GenreId`,
			func(e *env) core.Statement {
				g, t := e.T("Genre").As("g"), e.T("Track").As("t")
				n := core.Subquery(core.Select(core.Count(core.Star())).From(t.Table).Where(core.Eq(t.C("GenreId"), g.C("GenreId"))))
				return core.Select(g.C("Name"), n).From(g.Table).OrderBy(g.C("GenreId"))
			}),
		coreQ("subquery/greater than average", `SELECT TrackId, Milliseconds FROM Track WHERE Milliseconds > (SELECT AVG(Milliseconds) * 4 FROM Track) ORDER BY TrackId`,
			func(e *env) core.Statement {
				t, t2 := e.T("Track"), e.T("Track").As("t2")
				avg := core.Subquery(core.Select(core.Mul(core.Avg(t2.C("Milliseconds")), 4)).From(t2.Table))
				return core.Select(t.C("TrackId"), t.C("Milliseconds")).From(t.Table).Where(core.Gt(t.C("Milliseconds"), avg)).OrderBy(t.C("TrackId"))
			}),
		coreQ("subquery/derived aggregate filtered", `SELECT x.BillingCountry, x.total FROM (SELECT BillingCountry, SUM(Total) AS total FROM Invoice GROUP BY BillingCountry) x WHERE x.total > 100 ORDER BY x.total DESC, x.BillingCountry`,
			func(e *env) core.Statement {
				i := e.T("Invoice")
				x := core.Select(i.C("BillingCountry"), core.As(core.Sum(i.C("Total")), "total")).From(i.Table).GroupBy(i.C("BillingCountry")).As("x")
				country := x.C(e.n("BillingCountry"))
				return core.Select(country, x.C("total")).From(x).Where(core.Gt(x.C("total"), 100)).OrderBy(core.Desc(x.C("total")), country)
			}),
		coreQ("subquery/correlated scalar in where", `SELECT al.AlbumId FROM Album al WHERE (SELECT COUNT(*) FROM Track t WHERE t.AlbumId = al.AlbumId) = 1 ORDER BY al.AlbumId`,
			func(e *env) core.Statement {
				al, t := e.T("Album").As("al"), e.T("Track").As("t")
				n := core.Subquery(core.Select(core.Count(core.Star())).From(t.Table).Where(core.Eq(t.C("AlbumId"), al.C("AlbumId"))))
				return core.Select(al.C("AlbumId")).From(al.Table).Where(core.Eq(n, 1)).OrderBy(al.C("AlbumId"))
			}),
		coreQ("subquery/not in subquery", `SELECT COUNT(*) FROM Customer WHERE CustomerId NOT IN (SELECT CustomerId FROM Invoice WHERE Total > 15)`,
			func(e *env) core.Statement {
				c, i := e.T("Customer"), e.T("Invoice")
				return core.Select(core.Count(core.Star())).From(c.Table).Where(core.NotIn(c.C("CustomerId"), core.Select(i.C("CustomerId")).From(i.Table).Where(core.Gt(i.C("Total"), 15))))
			}),
	}
}

func coreCTEs() []question {
	return []question{
		coreQ("cte/simple", `WITH big AS (SELECT InvoiceId, Total FROM Invoice WHERE Total > 18) SELECT InvoiceId, Total FROM big ORDER BY Total DESC, InvoiceId`,
			func(e *env) core.Statement {
				i := e.T("Invoice")
				big := core.NewCTE("big").As(core.Select(i.C("InvoiceId"), i.C("Total")).From(i.Table).Where(core.Gt(i.C("Total"), 18)))
				id, total := big.C(e.n("InvoiceId")), big.C(e.n("Total"))
				return core.Select(id, total).From(big).With(big).OrderBy(core.Desc(total), id)
			}),
		coreQ("cte/two ctes joined", `WITH sales AS (SELECT CustomerId, SUM(Total) AS spent FROM Invoice GROUP BY CustomerId), top AS (SELECT CustomerId, spent FROM sales WHERE spent > 45) SELECT c.LastName, top.spent FROM top JOIN Customer c ON c.CustomerId = top.CustomerId ORDER BY top.spent DESC, c.LastName`,
			func(e *env) core.Statement {
				i, c := e.T("Invoice"), e.T("Customer")
				sales := core.NewCTE("sales", e.n("CustomerId"), "spent").As(core.Select(i.C("CustomerId"), core.Sum(i.C("Total"))).From(i.Table).GroupBy(i.C("CustomerId")))
				top := core.NewCTE("top").As(core.Select(sales.C(e.n("CustomerId")), sales.C("spent")).From(sales).Where(core.Gt(sales.C("spent"), 45)))
				return core.Select(c.C("LastName"), top.C("spent")).With(sales, top).From(top).Join(c.Table, core.Eq(c.C("CustomerId"), top.C(e.n("CustomerId")))).
					OrderBy(core.Desc(top.C("spent")), c.C("LastName"))
			}),
		coreQ("cte/recursive reports of Adams", `WITH RECURSIVE chain(EmployeeId, depth) AS (SELECT EmployeeId, 0 FROM Employee WHERE ReportsTo IS NULL UNION ALL SELECT e.EmployeeId, chain.depth + 1 FROM Employee e JOIN chain ON e.ReportsTo = chain.EmployeeId) SELECT EmployeeId, depth FROM chain ORDER BY depth, EmployeeId`,
			func(e *env) core.Statement {
				emp := e.T("Employee")
				ee := emp.As("e")
				chain := core.NewCTE("chain", e.n("EmployeeId"), "depth").Recursive()
				chain = chain.As(core.UnionAll(
					core.Select(emp.C("EmployeeId"), core.Val(0)).From(emp.Table).Where(core.IsNull(emp.C("ReportsTo"))),
					core.Select(ee.C("EmployeeId"), core.Add(chain.C("depth"), 1)).From(ee.Table).Join(chain, core.Eq(ee.C("ReportsTo"), chain.C(e.n("EmployeeId")))),
				))
				return core.Select(chain.C(e.n("EmployeeId")), chain.C("depth")).With(chain).From(chain).OrderBy(chain.C("depth"), chain.C(e.n("EmployeeId")))
			}),
		coreQ("cte/recursive chain up from employee 8", `WITH RECURSIVE up(EmployeeId, ReportsTo) AS (SELECT EmployeeId, ReportsTo FROM Employee WHERE EmployeeId = 8 UNION ALL SELECT e.EmployeeId, e.ReportsTo FROM Employee e JOIN up ON e.EmployeeId = up.ReportsTo) SELECT EmployeeId FROM up ORDER BY EmployeeId`,
			func(e *env) core.Statement {
				emp := e.T("Employee")
				ee := emp.As("e")
				up := core.NewCTE("up", e.n("EmployeeId"), e.n("ReportsTo")).Recursive()
				up = up.As(core.UnionAll(
					core.Select(emp.C("EmployeeId"), emp.C("ReportsTo")).From(emp.Table).Where(core.Eq(emp.C("EmployeeId"), 8)),
					core.Select(ee.C("EmployeeId"), ee.C("ReportsTo")).From(ee.Table).Join(up, core.Eq(ee.C("EmployeeId"), up.C(e.n("ReportsTo")))),
				))
				return core.Select(up.C(e.n("EmployeeId"))).With(up).From(up).OrderBy(up.C(e.n("EmployeeId")))
			}),
		coreQ("cte/recursive subordinates count", `WITH RECURSIVE sub(EmployeeId) AS (SELECT EmployeeId FROM Employee WHERE EmployeeId = 2 UNION ALL SELECT e.EmployeeId FROM Employee e JOIN sub ON e.ReportsTo = sub.EmployeeId) SELECT COUNT(*) - 1 FROM sub`,
			func(e *env) core.Statement {
				emp := e.T("Employee")
				ee := emp.As("e")
				sub := core.NewCTE("sub", e.n("EmployeeId")).Recursive()
				sub = sub.As(core.UnionAll(
					core.Select(emp.C("EmployeeId")).From(emp.Table).Where(core.Eq(emp.C("EmployeeId"), 2)),
					core.Select(ee.C("EmployeeId")).From(ee.Table).Join(sub, core.Eq(ee.C("ReportsTo"), sub.C(e.n("EmployeeId")))),
				))
				return core.Select(core.Sub(core.Count(core.Star()), 1)).With(sub).From(sub)
			}),
		coreQ("cte/used twice", `WITH g AS (SELECT GenreId, COUNT(*) AS n FROM Track GROUP BY GenreId) SELECT a.GenreId, a.n FROM g a WHERE a.n = (SELECT MAX(n) FROM g)`,
			func(e *env) core.Statement {
				t := e.T("Track")
				g := core.NewCTE("g", e.n("GenreId"), "n").As(core.Select(t.C("GenreId"), core.Count(core.Star())).From(t.Table).GroupBy(t.C("GenreId")))
				return core.Select(g.C(e.n("GenreId")), g.C("n")).With(g).From(g).Where(core.Eq(g.C("n"), core.Subquery(core.Select(core.Max(g.C("n"))).From(g))))
			}),
	}
}

func coreWindows() []question {
	return []question{
		coreQ("window/row number top 2 per genre", `SELECT GenreId, TrackId, Milliseconds FROM (SELECT GenreId, TrackId, Milliseconds, ROW_NUMBER() OVER (PARTITION BY GenreId ORDER BY Milliseconds DESC, TrackId) AS rn FROM Track) x WHERE rn <= 2 ORDER BY GenreId, rn`,
			func(e *env) core.Statement {
				t := e.T("Track")
				rn := core.Over(core.RowNumber(), core.Window().PartitionBy(t.C("GenreId")).OrderBy(core.Desc(t.C("Milliseconds")), t.C("TrackId")))
				x := core.Select(t.C("GenreId"), t.C("TrackId"), t.C("Milliseconds"), core.As(rn, "rn")).From(t.Table).As("x")
				return core.Select(x.C(e.n("GenreId")), x.C(e.n("TrackId")), x.C(e.n("Milliseconds"))).From(x).Where(core.Le(x.C("rn"), 2)).OrderBy(x.C(e.n("GenreId")), x.C("rn"))
			}),
		coreQ("window/rank customers by spend", `SELECT CustomerId, SUM(Total), RANK() OVER (ORDER BY SUM(Total) DESC) FROM Invoice GROUP BY CustomerId ORDER BY 3, CustomerId`,
			func(e *env) core.Statement {
				i := e.T("Invoice")
				r := core.Over(core.Rank(), core.Window().OrderBy(core.Desc(core.Sum(i.C("Total")))))
				return core.Select(i.C("CustomerId"), core.Sum(i.C("Total")), core.As(r, "r")).From(i.Table).GroupBy(i.C("CustomerId")).OrderBy(core.Ident("r"), i.C("CustomerId"))
			}),
		coreQ("window/dense rank prices", `SELECT TrackId, UnitPrice, DENSE_RANK() OVER (ORDER BY UnitPrice DESC) FROM Track WHERE AlbumId IN (1, 227, 253) ORDER BY TrackId`,
			func(e *env) core.Statement {
				t := e.T("Track")
				return core.Select(t.C("TrackId"), t.C("UnitPrice"), core.Over(core.DenseRank(), core.Window().OrderBy(core.Desc(t.C("UnitPrice"))))).From(t.Table).
					Where(core.In(t.C("AlbumId"), 1, 227, 253)).OrderBy(t.C("TrackId"))
			}),
		coreQ("window/running total per customer", `SELECT CustomerId, InvoiceId, SUM(Total) OVER (PARTITION BY CustomerId ORDER BY InvoiceDate, InvoiceId ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM Invoice WHERE CustomerId <= 3 ORDER BY CustomerId, InvoiceId`,
			func(e *env) core.Statement {
				i := e.T("Invoice")
				w := core.Window().PartitionBy(i.C("CustomerId")).OrderBy(i.C("InvoiceDate"), i.C("InvoiceId")).Rows(core.UnboundedPreceding, core.CurrentRow)
				return core.Select(i.C("CustomerId"), i.C("InvoiceId"), core.Over(core.Sum(i.C("Total")), w)).From(i.Table).Where(core.Le(i.C("CustomerId"), 3)).OrderBy(i.C("CustomerId"), i.C("InvoiceId"))
			}),
		coreQ("window/lag previous invoice total", `SELECT InvoiceId, Total, LAG(Total) OVER (PARTITION BY CustomerId ORDER BY InvoiceId) FROM Invoice WHERE CustomerId = 5 ORDER BY InvoiceId`,
			func(e *env) core.Statement {
				i := e.T("Invoice")
				return core.Select(i.C("InvoiceId"), i.C("Total"), core.Over(core.Func("LAG", i.C("Total")), core.Window().PartitionBy(i.C("CustomerId")).OrderBy(i.C("InvoiceId")))).
					From(i.Table).Where(core.Eq(i.C("CustomerId"), 5)).OrderBy(i.C("InvoiceId"))
			}),
		coreQ("window/count per partition", `SELECT AlbumId, TrackId, COUNT(*) OVER (PARTITION BY AlbumId) FROM Track WHERE AlbumId BETWEEN 5 AND 8 ORDER BY AlbumId, TrackId`,
			func(e *env) core.Statement {
				t := e.T("Track")
				return core.Select(t.C("AlbumId"), t.C("TrackId"), core.Over(core.Count(core.Star()), core.Window().PartitionBy(t.C("AlbumId")))).From(t.Table).
					Where(core.Between(t.C("AlbumId"), 5, 8)).OrderBy(t.C("AlbumId"), t.C("TrackId"))
			}),
		coreQ("window/ntile quartiles", `SELECT InvoiceId, NTILE(4) OVER (ORDER BY Total, InvoiceId) FROM Invoice WHERE InvoiceId <= 40 ORDER BY InvoiceId`,
			func(e *env) core.Statement {
				i := e.T("Invoice")
				return core.Select(i.C("InvoiceId"), core.Over(core.Func("NTILE", 4), core.Window().OrderBy(i.C("Total"), i.C("InvoiceId")))).From(i.Table).
					Where(core.Le(i.C("InvoiceId"), 40)).OrderBy(i.C("InvoiceId"))
			}),
		coreQ("window/moving max over 3 rows", `SELECT InvoiceId, MAX(Total) OVER (ORDER BY InvoiceId ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM Invoice WHERE InvoiceId <= 30 ORDER BY InvoiceId`,
			func(e *env) core.Statement {
				i := e.T("Invoice")
				return core.Select(i.C("InvoiceId"), core.Over(core.Max(i.C("Total")), core.Window().OrderBy(i.C("InvoiceId")).Rows(core.Preceding(2), core.CurrentRow))).From(i.Table).
					Where(core.Le(i.C("InvoiceId"), 30)).OrderBy(i.C("InvoiceId"))
			}),
	}
}

func coreSetOps() []question {
	countries := func(e *env, name string) (*core.SelectStmt, *core.SelectStmt) {
		c, emp := e.T("Customer"), e.T("Employee")
		return core.Select(c.C(name)).From(c.Table), core.Select(emp.C(name)).From(emp.Table)
	}
	return []question{
		coreQ("setop/union", `SELECT City FROM Customer UNION SELECT City FROM Employee ORDER BY 1`,
			func(e *env) core.Statement {
				a, b := countries(e, "City")
				return core.Union(a, b).OrderBy(core.Ident(e.n("City")))
			}),
		coreQ("setop/union all count", `SELECT COUNT(*) FROM (SELECT Country FROM Customer UNION ALL SELECT Country FROM Employee) x`,
			func(e *env) core.Statement {
				a, b := countries(e, "Country")
				return core.Select(core.Count(core.Star())).From(core.UnionAll(a, b).As("x"))
			}),
		coreQ("setop/intersect", `SELECT City FROM Customer INTERSECT SELECT City FROM Employee ORDER BY 1`,
			func(e *env) core.Statement {
				a, b := countries(e, "City")
				return core.Intersect(a, b).OrderBy(core.Ident(e.n("City")))
			}),
		coreQ("setop/except", `SELECT Country FROM Customer EXCEPT SELECT Country FROM Employee ORDER BY 1`,
			func(e *env) core.Statement {
				a, b := countries(e, "Country")
				return core.Except(a, b).OrderBy(core.Ident(e.n("Country")))
			}),
		coreQ("setop/intersect all", `SELECT GenreId FROM Track WHERE AlbumId = 1 INTERSECT ALL SELECT GenreId FROM Track WHERE AlbumId = 4`,
			func(e *env) core.Statement {
				t := e.T("Track")
				return core.IntersectAll(core.Select(t.C("GenreId")).From(t.Table).Where(core.Eq(t.C("AlbumId"), 1)), core.Select(t.C("GenreId")).From(t.Table).Where(core.Eq(t.C("AlbumId"), 4)))
			}).unordered().not(lite),
		coreQ("setop/union with limit", `SELECT Name FROM Genre UNION SELECT Name FROM MediaType ORDER BY 1 LIMIT 5 OFFSET 3`,
			func(e *env) core.Statement {
				g, m := e.T("Genre"), e.T("MediaType")
				return core.Union(core.Select(g.C("Name")).From(g.Table), core.Select(m.C("Name")).From(m.Table)).OrderBy(core.Ident(e.n("Name"))).Limit(5).Offset(3)
			}),
	}
}

// The decimal questions are exact: Athanor scans money into
// athanor.Decimal, and no answer may hold a binary float. SQLite computes
// SUM, AVG and arithmetic on its decimals in binary floating point (see
// dialect/sqlite), so there the question is written as a user should:
// rounded to the column's scale (money, below) before it is scanned. Its
// oracle stays exact: integer cents, written as text (cents, centsText).
func coreDecimals() []question {
	return []question{
		decQ("decimal/sum of all invoices", `SELECT SUM(Total), COUNT(*) FROM Invoice`, []int{0},
			func(e *env) core.Statement {
				i := e.T("Invoice")
				return core.Select(e.money(core.Sum(i.C("Total"))), core.Count(core.Star())).From(i.Table)
			}).on(lite, `SELECT `+centsText(`SUM(`+cents(`Total`)+`)`)+`, COUNT(*) FROM Invoice`),
		decQ("decimal/sum of prices per genre", `SELECT GenreId, SUM(UnitPrice) FROM Track GROUP BY GenreId ORDER BY GenreId`, []int{1},
			func(e *env) core.Statement {
				t := e.T("Track")
				return core.Select(t.C("GenreId"), e.money(core.Sum(t.C("UnitPrice")))).From(t.Table).GroupBy(t.C("GenreId")).OrderBy(t.C("GenreId"))
			}).on(lite, `SELECT GenreId, `+centsText(`SUM(`+cents(`UnitPrice`)+`)`)+` FROM Track GROUP BY GenreId ORDER BY GenreId`),
		coreQ("decimal/equality with a float64", `SELECT InvoiceId FROM Invoice WHERE Total = 13.86 ORDER BY InvoiceId`,
			func(e *env) core.Statement {
				i := e.T("Invoice")
				return core.Select(i.C("InvoiceId")).From(i.Table).Where(core.Eq(i.C("Total"), 13.86)).OrderBy(i.C("InvoiceId"))
			}),
		coreQ("decimal/equality with a decimal", `SELECT InvoiceId FROM Invoice WHERE Total = 13.86 ORDER BY InvoiceId`,
			func(e *env) core.Statement {
				i := e.T("Invoice")
				return core.Select(i.C("InvoiceId")).From(i.Table).Where(core.Eq(i.C("Total"), athanor.MustDecimal("13.86"))).OrderBy(i.C("InvoiceId"))
			}),
		coreQ("decimal/comparison with a string", `SELECT COUNT(*) FROM Track WHERE UnitPrice > 0.99`,
			func(e *env) core.Statement {
				t := e.T("Track")
				return core.Select(core.Count(core.Star())).From(t.Table).Where(core.Gt(t.C("UnitPrice"), "0.99"))
			}),
		decQ("decimal/line amounts per invoice", `SELECT InvoiceId, SUM(UnitPrice * Quantity) FROM InvoiceLine WHERE InvoiceId <= 20 GROUP BY InvoiceId ORDER BY InvoiceId`, []int{1},
			func(e *env) core.Statement {
				il := e.T("InvoiceLine")
				return core.Select(il.C("InvoiceId"), e.money(core.Sum(core.Mul(il.C("UnitPrice"), il.C("Quantity"))))).From(il.Table).
					Where(core.Le(il.C("InvoiceId"), 20)).GroupBy(il.C("InvoiceId")).OrderBy(il.C("InvoiceId"))
			}).on(lite, `SELECT InvoiceId, `+centsText(`SUM(`+cents(`UnitPrice`)+` * Quantity)`)+` FROM InvoiceLine WHERE InvoiceId <= 20 GROUP BY InvoiceId ORDER BY InvoiceId`),
		// Rounded half away from zero on every server; the SQLite oracle
		// rounds the exact mean in integer cents (totals are positive).
		decQ("decimal/avg rounded to cents", `SELECT BillingCountry, ROUND(AVG(Total), 2) FROM Invoice GROUP BY BillingCountry ORDER BY BillingCountry`, []int{1},
			func(e *env) core.Statement {
				i := e.T("Invoice")
				return core.Select(i.C("BillingCountry"), core.Func("ROUND", core.Avg(i.C("Total")), 2)).From(i.Table).GroupBy(i.C("BillingCountry")).OrderBy(i.C("BillingCountry"))
			}).on(lite, `SELECT BillingCountry, `+centsText(`(2 * SUM(`+cents(`Total`)+`) + COUNT(*)) / (2 * COUNT(*))`)+` FROM Invoice GROUP BY BillingCountry ORDER BY BillingCountry`),
		coreQ("decimal/totals match their lines", `SELECT COUNT(*) FROM Invoice i WHERE i.Total <> (SELECT SUM(il.UnitPrice * il.Quantity) FROM InvoiceLine il WHERE il.InvoiceId = i.InvoiceId)`,
			func(e *env) core.Statement {
				i, il := e.T("Invoice").As("i"), e.T("InvoiceLine").As("il")
				sum := core.Subquery(core.Select(core.Sum(core.Mul(il.C("UnitPrice"), il.C("Quantity")))).From(il.Table).Where(core.Eq(il.C("InvoiceId"), i.C("InvoiceId"))))
				return core.Select(core.Count(core.Star())).From(i.Table).Where(core.Ne(i.C("Total"), sum))
			}),
		decQ("decimal/arithmetic with bound factor", `SELECT InvoiceId, Total * 2 FROM Invoice WHERE InvoiceId <= 10 ORDER BY InvoiceId`, []int{1},
			func(e *env) core.Statement {
				i := e.T("Invoice")
				return core.Select(i.C("InvoiceId"), e.money(core.Mul(i.C("Total"), 2))).From(i.Table).Where(core.Le(i.C("InvoiceId"), 10)).OrderBy(i.C("InvoiceId"))
			}).on(lite, `SELECT InvoiceId, `+centsText(cents(`Total`)+` * 2`)+` FROM Invoice WHERE InvoiceId <= 10 ORDER BY InvoiceId`),
	}
}

// decQ is a decimal question answered by a Core statement: the columns at
// dec are scanned into athanor.Decimal, and the answers compare exactly.
func decQ(name, sql string, dec []int, stmt func(e *env) core.Statement) question {
	q := question{name: name, sql: sql, athanor: func(ctx context.Context, e *env) ([][]any, error) {
		return e.rowsWith(ctx, stmt(e), func(i int) any {
			if slices.Contains(dec, i) {
				return new(athanor.Decimal)
			}
			return nil
		})
	}}
	return q.exactly()
}

// money is a computed amount as a user reads it into athanor.Decimal: on
// SQLite, whose arithmetic on decimals is binary floating point, rounded
// to cents first.
func (e *env) money(x core.Expr) core.Expr {
	if e.name == lite {
		return core.Func("ROUND", x, 2)
	}
	return x
}

// cents is a SQLite money column as exact integer cents (its REAL value is
// the nearest binary float to the two-decimal amount).
func cents(col string) string { return `CAST(ROUND(` + col + ` * 100) AS INTEGER)` }

// centsText writes integer cents (a non-negative SQLite integer
// expression) as decimal text.
func centsText(c string) string {
	return `printf('%d.%02d', (` + c + `) / 100, (` + c + `) % 100)`
}

func coreTimes() []question {
	return []question{
		coreQ("time/invoices on a day given in UTC", `SELECT InvoiceId, InvoiceDate FROM Invoice WHERE InvoiceDate = '2022-01-08 00:00:00' ORDER BY InvoiceId`,
			func(e *env) core.Statement {
				i := e.T("Invoice")
				return core.Select(i.C("InvoiceId"), i.C("InvoiceDate")).From(i.Table).Where(core.Eq(i.C("InvoiceDate"), time.Date(2022, 1, 8, 0, 0, 0, 0, time.UTC))).OrderBy(i.C("InvoiceId"))
			}),
		coreQ("time/after an instant given in New York", `SELECT InvoiceId, InvoiceDate FROM Invoice WHERE InvoiceDate > '2025-12-04 00:00:00' ORDER BY InvoiceId`,
			func(e *env) core.Statement {
				i := e.T("Invoice")
				return core.Select(i.C("InvoiceId"), i.C("InvoiceDate")).From(i.Table).Where(core.Gt(i.C("InvoiceDate"), time.Date(2025, 12, 3, 19, 0, 0, 0, newYork))).OrderBy(i.C("InvoiceId"))
			}),
		coreQ("time/half-open range given in Tokyo", `SELECT InvoiceId, InvoiceDate, Total FROM Invoice WHERE InvoiceDate >= '2023-03-18 00:00:00' AND InvoiceDate < '2023-03-23 00:00:00' ORDER BY InvoiceId`,
			func(e *env) core.Statement {
				i := e.T("Invoice")
				lo, hi := time.Date(2023, 3, 18, 9, 0, 0, 0, tokyo), time.Date(2023, 3, 23, 9, 0, 0, 0, tokyo)
				return core.Select(i.C("InvoiceId"), i.C("InvoiceDate"), i.C("Total")).From(i.Table).Where(core.Ge(i.C("InvoiceDate"), lo), core.Lt(i.C("InvoiceDate"), hi)).OrderBy(i.C("InvoiceId"))
			}),
		coreQ("time/hired from an instant given in Paris", `SELECT EmployeeId, HireDate FROM Employee WHERE HireDate >= '2003-10-17 00:00:00' ORDER BY EmployeeId`,
			func(e *env) core.Statement {
				emp := e.T("Employee")
				return core.Select(emp.C("EmployeeId"), emp.C("HireDate")).From(emp.Table).Where(core.Ge(emp.C("HireDate"), time.Date(2003, 10, 17, 2, 0, 0, 0, paris))).OrderBy(emp.C("EmployeeId"))
			}),
		coreQ("time/equality given in Kolkata", `SELECT InvoiceId FROM Invoice WHERE InvoiceDate = '2023-03-18 00:00:00' ORDER BY InvoiceId`,
			func(e *env) core.Statement {
				i := e.T("Invoice")
				return core.Select(i.C("InvoiceId")).From(i.Table).Where(core.Eq(i.C("InvoiceDate"), time.Date(2023, 3, 18, 5, 30, 0, 0, mustZone("Asia/Kolkata")))).OrderBy(i.C("InvoiceId"))
			}),
		coreQ("time/min and max", `SELECT MIN(InvoiceDate), MAX(InvoiceDate) FROM Invoice`,
			func(e *env) core.Statement {
				i := e.T("Invoice")
				return core.Select(core.Min(i.C("InvoiceDate")), core.Max(i.C("InvoiceDate"))).From(i.Table)
			}),
		coreQ("time/latest invoices", `SELECT InvoiceId, InvoiceDate, Total FROM Invoice ORDER BY InvoiceDate DESC, InvoiceId DESC LIMIT 7`,
			func(e *env) core.Statement {
				i := e.T("Invoice")
				return core.Select(i.C("InvoiceId"), i.C("InvoiceDate"), i.C("Total")).From(i.Table).OrderBy(core.Desc(i.C("InvoiceDate")), core.Desc(i.C("InvoiceId"))).Limit(7)
			}),
		coreQ("time/sales per year", `SELECT EXTRACT(YEAR FROM InvoiceDate), COUNT(*), SUM(Total) FROM Invoice GROUP BY EXTRACT(YEAR FROM InvoiceDate) ORDER BY 1`,
			func(e *env) core.Statement {
				i := e.T("Invoice")
				var year core.Expr
				switch e.name {
				case lite:
					year = core.Func("strftime", "%Y", i.C("InvoiceDate"))
				case maria:
					year = core.Func("YEAR", i.C("InvoiceDate"))
				default:
					year = core.Func("date_part", "year", i.C("InvoiceDate"))
				}
				return core.Select(year, core.Count(core.Star()), core.Sum(i.C("Total"))).From(i.Table).GroupBy(year).OrderBy(year)
			}).on(lite, `SELECT strftime('%Y', InvoiceDate), COUNT(*), SUM(Total) FROM Invoice GROUP BY 1 ORDER BY 1`),
		coreQ("time/birthdays before an instant in UTC", `SELECT EmployeeId FROM Employee WHERE BirthDate < '1965-01-01 00:00:00' ORDER BY EmployeeId`,
			func(e *env) core.Statement {
				emp := e.T("Employee")
				return core.Select(emp.C("EmployeeId")).From(emp.Table).Where(core.Lt(emp.C("BirthDate"), time.Date(1965, 1, 1, 0, 0, 0, 0, time.UTC))).OrderBy(emp.C("EmployeeId"))
			}),
	}
}

func coreExpressions() []question {
	return []question{
		coreQ("expr/case price bands", `SELECT TrackId, CASE WHEN Milliseconds < 180000 THEN 'short' WHEN Milliseconds < 360000 THEN 'medium' ELSE 'long' END FROM Track WHERE AlbumId = 3 ORDER BY TrackId`,
			func(e *env) core.Statement {
				t := e.T("Track")
				band := core.Case().When(core.Lt(t.C("Milliseconds"), 180000), "short").When(core.Lt(t.C("Milliseconds"), 360000), "medium").Else("long")
				return core.Select(t.C("TrackId"), band).From(t.Table).Where(core.Eq(t.C("AlbumId"), 3)).OrderBy(t.C("TrackId"))
			}),
		coreQ("expr/coalesce", `SELECT CustomerId, COALESCE(Company, State, 'none') FROM Customer WHERE CustomerId <= 15 ORDER BY CustomerId`,
			func(e *env) core.Statement {
				c := e.T("Customer")
				return core.Select(c.C("CustomerId"), core.Coalesce(c.C("Company"), c.C("State"), "none")).From(c.Table).Where(core.Le(c.C("CustomerId"), 15)).OrderBy(c.C("CustomerId"))
			}),
		coreQ("expr/concat names", `SELECT CONCAT(FirstName, ' ', LastName) FROM Employee ORDER BY EmployeeId`,
			func(e *env) core.Statement {
				emp := e.T("Employee")
				return core.Select(core.Concat(emp.C("FirstName"), " ", emp.C("LastName"))).From(emp.Table).OrderBy(emp.C("EmployeeId"))
			}),
		coreQ("expr/upper and lower", `SELECT UPPER(Name), LOWER(Name) FROM Genre WHERE GenreId <= 6 ORDER BY GenreId`,
			func(e *env) core.Statement {
				g := e.T("Genre")
				return core.Select(core.Upper(g.C("Name")), core.Lower(g.C("Name"))).From(g.Table).Where(core.Le(g.C("GenreId"), 6)).OrderBy(g.C("GenreId"))
			}),
		coreQ("expr/cast to integer", `SELECT TrackId, CAST(Milliseconds / 1000 AS INTEGER) FROM Track WHERE TrackId <= 10 ORDER BY TrackId`,
			func(e *env) core.Statement {
				t := e.T("Track")
				return core.Select(t.C("TrackId"), core.Cast(core.Div(t.C("Milliseconds"), 1000), core.Int())).From(t.Table).Where(core.Le(t.C("TrackId"), 10)).OrderBy(t.C("TrackId"))
			}).on(maria, `SELECT TrackId, CAST(Milliseconds / 1000 AS SIGNED) FROM Track WHERE TrackId <= 10 ORDER BY TrackId`),
		coreQ("expr/arithmetic and negation", `SELECT TrackId, -Milliseconds, Bytes - Milliseconds FROM Track WHERE TrackId <= 5 ORDER BY TrackId`,
			func(e *env) core.Statement {
				t := e.T("Track")
				return core.Select(t.C("TrackId"), core.Neg(t.C("Milliseconds")), core.Sub(t.C("Bytes"), t.C("Milliseconds"))).From(t.Table).Where(core.Le(t.C("TrackId"), 5)).OrderBy(t.C("TrackId"))
			}),
		coreQ("expr/order by case", `SELECT CustomerId, Country FROM Customer WHERE CustomerId <= 20 ORDER BY CASE WHEN Country = 'Brazil' THEN 0 ELSE 1 END, CustomerId`,
			func(e *env) core.Statement {
				c := e.T("Customer")
				return core.Select(c.C("CustomerId"), c.C("Country")).From(c.Table).Where(core.Le(c.C("CustomerId"), 20)).
					OrderBy(core.Case().When(core.Eq(c.C("Country"), "Brazil"), 0).Else(1), c.C("CustomerId"))
			}), // CASE … THEN with bound Go ints
	}
}
