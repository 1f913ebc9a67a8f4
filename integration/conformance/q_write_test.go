package conformance

import (
	"context"
	"fmt"
	"math/big"
	"time"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/session"
)

func ptr[T any](v T) *T { return &v }

// commit runs fn on a fresh session and commits.
func commit(ctx context.Context, e *env, fn func(s *session.Session) error) error {
	s := e.session()
	if err := fn(s); err != nil {
		return err
	}
	err := s.Commit(ctx)
	return err
}

// exec runs a Core write through the engine.
func exec(ctx context.Context, e *env, stmt core.Statement) error {
	_, err := e.db.Exec(ctx, stmt)
	return err
}

// writeQuestions run after every read, in this order, one at a time; each
// changes rows no other write question reads, except where a question
// says it builds on an earlier one.
func writeQuestions() []question {
	var qs []question
	qs = append(qs, unitOfWork()...)
	qs = append(qs, bulkDML()...)
	return qs
}

func unitOfWork() []question {
	return []question{
		writeQ("write/add artist with albums and tracks (save cascade)",
			`INSERT INTO Artist (ArtistId, Name) VALUES (10001, 'Nouvel Artiste');
INSERT INTO Album (AlbumId, Title, ArtistId) VALUES (10001, 'Premier', 10001), (10002, 'Deuxième', 10001);
INSERT INTO Track (TrackId, Name, AlbumId, MediaTypeId, GenreId, Composer, Milliseconds, Bytes, UnitPrice) VALUES
 (10001, 'Ouverture', 10001, 1, 1, NULL, 123456, NULL, 0.99), (10002, 'Final', 10002, 2, NULL, 'Zoë', 200000, 1000, 1.29)`,
			`SELECT ar.ArtistId, ar.Name, al.AlbumId, al.Title, t.TrackId, t.Name, t.MediaTypeId, t.GenreId, t.Composer, t.Milliseconds, t.Bytes, t.UnitPrice
FROM Artist ar JOIN Album al ON al.ArtistId = ar.ArtistId LEFT JOIN Track t ON t.AlbumId = al.AlbumId WHERE ar.ArtistId = 10001 ORDER BY al.AlbumId, t.TrackId`,
			func(ctx context.Context, e *env) error {
				return commit(ctx, e, func(s *session.Session) error {
					return s.Add(&Artist{ArtistID: 10001, Name: ptr("Nouvel Artiste"), Albums: []*Album{
						{AlbumID: 10001, Title: "Premier", Tracks: []*Track{{TrackID: 10001, Name: "Ouverture", MediaTypeID: 1, GenreID: ptr[int64](1), Milliseconds: 123456, UnitPrice: athanor.MustDecimal("0.99")}}},
						{AlbumID: 10002, Title: "Deuxième", Tracks: []*Track{{TrackID: 10002, Name: "Final", MediaTypeID: 2, Composer: ptr("Zoë"), Milliseconds: 200000, Bytes: ptr[int64](1000), UnitPrice: athanor.MustDecimal("1.29")}}},
					}})
				})
			}),
		writeQ("write/update loaded object",
			`UPDATE Customer SET Email = 'ana@example.org', Company = 'Ölwerk GmbH' WHERE CustomerId = 5`,
			`SELECT CustomerId, FirstName, Email, Company FROM Customer WHERE CustomerId = 5`,
			func(ctx context.Context, e *env) error {
				return commit(ctx, e, func(s *session.Session) error {
					c, err := session.Get[Customer](ctx, s, 5)
					if err != nil {
						return err
					}
					c.Email, c.Company = "ana@example.org", ptr("Ölwerk GmbH")
					return nil
				})
			}),
		writeQ("write/delete cascades to children",
			`DELETE FROM InvoiceLine WHERE InvoiceId = 412; DELETE FROM Invoice WHERE InvoiceId = 412`,
			`SELECT (SELECT COUNT(*) FROM Invoice WHERE InvoiceId = 412), (SELECT COUNT(*) FROM InvoiceLine WHERE InvoiceId = 412), (SELECT COUNT(*) FROM InvoiceLine)`,
			func(ctx context.Context, e *env) error {
				return commit(ctx, e, func(s *session.Session) error {
					inv, err := session.Get[Invoice](ctx, s, 412)
					if err != nil {
						return err
					}
					return s.Delete(inv)
				})
			}),
		writeQ("write/delete-orphan and a decimal computed in Go",
			`DELETE FROM InvoiceLine WHERE InvoiceLineId = 2226; UPDATE Invoice SET Total = 12.87 WHERE InvoiceId = 411`,
			`SELECT i.InvoiceId, i.Total, il.InvoiceLineId FROM Invoice i JOIN InvoiceLine il ON il.InvoiceId = i.InvoiceId WHERE i.InvoiceId = 411 ORDER BY il.InvoiceLineId`,
			func(ctx context.Context, e *env) error {
				return commit(ctx, e, func(s *session.Session) error {
					inv, err := session.Query[Invoice](s).Filter("InvoiceID", 411).Options(loader.SelectIn("Lines").OrderBy("InvoiceLineID")).One(ctx)
					if err != nil {
						return err
					}
					inv.Lines = inv.Lines[1:]
					// Exact arithmetic on the decimals' rationals.
					total := new(big.Rat)
					for _, l := range inv.Lines {
						total.Add(total, new(big.Rat).Mul(l.UnitPrice.Rat(), new(big.Rat).SetInt64(l.Quantity)))
					}
					inv.Total = athanor.MustDecimal(total.FloatString(2))
					return nil
				})
			}),
		writeQ("write/reassign a many-to-one",
			`UPDATE Album SET ArtistId = 4 WHERE AlbumId = 5`,
			`SELECT AlbumId, ArtistId FROM Album WHERE AlbumId IN (4, 5, 6) ORDER BY AlbumId`,
			func(ctx context.Context, e *env) error {
				return commit(ctx, e, func(s *session.Session) error {
					al, err := session.Get[Album](ctx, s, 5)
					if err != nil {
						return err
					}
					ar, err := session.Get[Artist](ctx, s, 4)
					if err != nil {
						return err
					}
					al.Artist = ar
					return nil
				})
			}),
		writeQ("write/reassign a loaded collection",
			`UPDATE Customer SET SupportRepId = 5 WHERE SupportRepId = 4`,
			`SELECT SupportRepId, COUNT(*) FROM Customer GROUP BY SupportRepId ORDER BY SupportRepId`,
			func(ctx context.Context, e *env) error {
				return commit(ctx, e, func(s *session.Session) error {
					q := session.Query[Employee](s)
					es, err := q.Where(core.In(q.C("EmployeeID"), 4, 5)).OrderBy("EmployeeID").Options(loader.SelectIn("Customers")).All(ctx)
					if err != nil {
						return err
					}
					for _, c := range es[0].Customers {
						c.SupportRep = es[1]
					}
					return nil
				})
			}),
		writeQ("write/insert with a time given in New York",
			`INSERT INTO Invoice (InvoiceId, CustomerId, InvoiceDate, BillingCity, BillingCountry, Total) VALUES (10001, 1, '2026-01-02 00:00:00', 'Paris', 'France', 2.97);
INSERT INTO InvoiceLine (InvoiceLineId, InvoiceId, TrackId, UnitPrice, Quantity) VALUES (10001, 10001, 1, 0.99, 3)`,
			`SELECT i.InvoiceId, i.InvoiceDate, i.Total, il.InvoiceLineId, il.Quantity, CASE WHEN i.InvoiceDate = '2026-01-02 00:00:00' THEN 'same text' ELSE 'other text' END
FROM Invoice i JOIN InvoiceLine il ON il.InvoiceId = i.InvoiceId WHERE i.InvoiceId = 10001`,
			func(ctx context.Context, e *env) error {
				return commit(ctx, e, func(s *session.Session) error {
					return s.Add(&Invoice{InvoiceID: 10001, CustomerID: 1, InvoiceDate: time.Date(2026, 1, 1, 19, 0, 0, 0, newYork),
						BillingCity: ptr("Paris"), BillingCountry: ptr("France"), Total: athanor.MustDecimal("2.97"),
						Lines: []*InvoiceLine{{InvoiceLineID: 10001, TrackID: 1, UnitPrice: athanor.MustDecimal("0.99"), Quantity: 3}}})
				})
			}),
		writeQ("write/unicode round trip",
			`INSERT INTO Artist (ArtistId, Name) VALUES (10002, 'Sigur Rós · Ægir 🎵 東京')`,
			`SELECT ArtistId, Name FROM Artist WHERE ArtistId = 10002`,
			func(ctx context.Context, e *env) error {
				return commit(ctx, e, func(s *session.Session) error {
					return s.Add(&Artist{ArtistID: 10002, Name: ptr("Sigur Rós · Ægir 🎵 東京")})
				})
			}),
		writeQ("write/association objects",
			`INSERT INTO Playlist (PlaylistId, Name) VALUES (10001, 'Mix');
INSERT INTO PlaylistTrack (PlaylistId, TrackId) VALUES (10001, 1), (10001, 2), (10001, 3)`,
			`SELECT p.PlaylistId, p.Name, pt.TrackId FROM Playlist p JOIN PlaylistTrack pt ON pt.PlaylistId = p.PlaylistId WHERE p.PlaylistId = 10001 ORDER BY pt.TrackId`,
			func(ctx context.Context, e *env) error {
				return commit(ctx, e, func(s *session.Session) error {
					p := &Playlist{PlaylistID: 10001, Name: ptr("Mix")}
					for _, id := range []int64{1, 2, 3} {
						tr, err := session.Get[Track](ctx, s, id)
						if err != nil {
							return err
						}
						p.Entries = append(p.Entries, &PlaylistTrack{Track: tr})
					}
					return s.Add(p)
				})
			}),
		writeQ("write/delete parent nulls children without cascade",
			`UPDATE Track SET AlbumId = NULL WHERE AlbumId IN (10001, 10002); DELETE FROM Album WHERE ArtistId = 10001; DELETE FROM Artist WHERE ArtistId = 10001`,
			`SELECT (SELECT COUNT(*) FROM Artist WHERE ArtistId = 10001), (SELECT COUNT(*) FROM Album WHERE ArtistId = 10001), t.TrackId, t.AlbumId FROM Track t WHERE t.TrackId IN (10001, 10002) ORDER BY t.TrackId`,
			func(ctx context.Context, e *env) error {
				// Builds on "write/add artist with albums and tracks".
				return commit(ctx, e, func(s *session.Session) error {
					a, err := session.Get[Artist](ctx, s, 10001)
					if err != nil {
						return err
					}
					return s.Delete(a)
				})
			}),
	}
}

func bulkDML() []question {
	return []question{
		writeQ("bulk/update with where",
			`UPDATE Track SET UnitPrice = UnitPrice + 0.5 WHERE GenreId IN (24, 25)`,
			`SELECT TrackId, UnitPrice FROM Track WHERE GenreId IN (24, 25) ORDER BY TrackId`,
			func(ctx context.Context, e *env) error {
				t := e.T("Track")
				return exec(ctx, e, core.Update(t.Table).Set(t.C("UnitPrice"), core.Add(t.C("UnitPrice"), 0.5)).Where(core.In(t.C("GenreId"), 24, 25)))
			}),
		writeQ("bulk/update with subquery where",
			`UPDATE Track SET Composer = 'Unknown' WHERE Composer IS NULL AND AlbumId IN (SELECT AlbumId FROM Album WHERE ArtistId = 150)`,
			`SELECT TrackId, Composer FROM Track WHERE AlbumId IN (SELECT AlbumId FROM Album WHERE ArtistId = 150) ORDER BY TrackId`,
			func(ctx context.Context, e *env) error {
				t, al := e.T("Track"), e.T("Album")
				return exec(ctx, e, core.Update(t.Table).Set(t.C("Composer"), "Unknown").
					Where(core.IsNull(t.C("Composer")), core.In(t.C("AlbumId"), core.Select(al.C("AlbumId")).From(al.Table).Where(core.Eq(al.C("ArtistId"), 150)))))
			}),
		writeQ("bulk/update with a time given in Tokyo",
			`UPDATE Invoice SET InvoiceDate = '2021-01-01 12:00:00' WHERE InvoiceId = 1`,
			`SELECT InvoiceId, InvoiceDate, CASE WHEN InvoiceDate = '2021-01-01 12:00:00' THEN 'same text' ELSE 'other text' END FROM Invoice WHERE InvoiceId = 1`,
			func(ctx context.Context, e *env) error {
				i := e.T("Invoice")
				return exec(ctx, e, core.Update(i.Table).Set(i.C("InvoiceDate"), time.Date(2021, 1, 1, 21, 0, 0, 0, tokyo)).Where(core.Eq(i.C("InvoiceId"), 1)))
			}),
		writeQ("bulk/delete with where",
			`DELETE FROM PlaylistTrack WHERE PlaylistId = 1 AND TrackId > 3000`,
			`SELECT PlaylistId, COUNT(*) FROM PlaylistTrack GROUP BY PlaylistId ORDER BY PlaylistId`,
			func(ctx context.Context, e *env) error {
				pt := e.T("PlaylistTrack")
				return exec(ctx, e, core.Delete(pt.Table).Where(core.Eq(pt.C("PlaylistId"), 1), core.Gt(pt.C("TrackId"), 3000)))
			}),
		writeQ("bulk/delete using a joined table",
			`DELETE FROM InvoiceLine WHERE TrackId IN (SELECT TrackId FROM Track WHERE MediaTypeId = 3)`,
			`SELECT InvoiceId, COUNT(*) FROM InvoiceLine GROUP BY InvoiceId ORDER BY InvoiceId`,
			func(ctx context.Context, e *env) error {
				il, t := e.T("InvoiceLine"), e.T("Track")
				return exec(ctx, e, core.Delete(il.Table).Using(t.Table).Where(core.Eq(il.C("TrackId"), t.C("TrackId")), core.Eq(t.C("MediaTypeId"), 3)))
			}),
		writeQ("bulk/insert rows",
			`INSERT INTO Genre (GenreId, Name) VALUES (100, 'Fado'), (101, 'Música Popular Brasileira'), (102, 'Chanson française'), (103, NULL)`,
			`SELECT GenreId, Name FROM Genre WHERE GenreId >= 100 ORDER BY GenreId`,
			func(ctx context.Context, e *env) error {
				g := e.T("Genre")
				return exec(ctx, e, core.Insert(g.Table).Columns(g.C("GenreId"), g.C("Name")).
					Rows([]any{100, "Fado"}, []any{101, "Música Popular Brasileira"}, []any{102, "Chanson française"}, []any{103, nil}))
			}),
		writeQ("bulk/insert select",
			`INSERT INTO Playlist (PlaylistId, Name) SELECT GenreId + 1000, Name FROM Genre WHERE GenreId <= 5`,
			`SELECT PlaylistId, Name FROM Playlist WHERE PlaylistId > 1000 AND PlaylistId < 2000 ORDER BY PlaylistId`,
			func(ctx context.Context, e *env) error {
				p, g := e.T("Playlist"), e.T("Genre")
				return exec(ctx, e, core.Insert(p.Table).Columns(p.C("PlaylistId"), p.C("Name")).
					Select(core.Select(core.Add(g.C("GenreId"), 1000), g.C("Name")).From(g.Table).Where(core.Le(g.C("GenreId"), 5))))
			}),
		writeQ("upsert/do update",
			`INSERT INTO Genre (GenreId, Name) VALUES (1, 'Rock & Roll!'), (200, 'Chiptune') ON CONFLICT (GenreId) DO UPDATE SET Name = excluded.Name`,
			`SELECT GenreId, Name FROM Genre WHERE GenreId IN (1, 2, 200) ORDER BY GenreId`,
			func(ctx context.Context, e *env) error {
				g := e.T("Genre")
				return exec(ctx, e, core.Insert(g.Table).Columns(g.C("GenreId"), g.C("Name")).Rows([]any{1, "Rock & Roll!"}, []any{200, "Chiptune"}).
					OnConflictDoUpdate([]*core.Column{g.C("GenreId")}, core.Set(g.C("Name"), core.Excluded(g.C("Name")))))
			}).writeOn(maria, `INSERT INTO Genre (GenreId, Name) VALUES (1, 'Rock & Roll!'), (200, 'Chiptune') ON DUPLICATE KEY UPDATE Name = VALUES(Name)`),
		writeQ("upsert/do nothing",
			`INSERT INTO MediaType (MediaTypeId, Name) VALUES (1, 'Changed'), (300, 'Vinyl') ON CONFLICT (MediaTypeId) DO NOTHING`,
			`SELECT MediaTypeId, Name FROM MediaType ORDER BY MediaTypeId`,
			func(ctx context.Context, e *env) error {
				m := e.T("MediaType")
				return exec(ctx, e, core.Insert(m.Table).Columns(m.C("MediaTypeId"), m.C("Name")).Rows([]any{1, "Changed"}, []any{300, "Vinyl"}).
					OnConflictDoNothing(m.C("MediaTypeId")))
			}).writeOn(maria, `INSERT IGNORE INTO MediaType (MediaTypeId, Name) VALUES (1, 'Changed'), (300, 'Vinyl')`),
		writeQ("upsert/returning on postgres and sqlite",
			`INSERT INTO Genre (GenreId, Name) VALUES (2, 'Jazz (all)'), (201, 'Lo-fi') ON CONFLICT (GenreId) DO UPDATE SET Name = excluded.Name`,
			`SELECT GenreId, Name FROM Genre WHERE GenreId IN (2, 201) ORDER BY GenreId`,
			func(ctx context.Context, e *env) error {
				g := e.T("Genre")
				stmt := core.Insert(g.Table).Columns(g.C("GenreId"), g.C("Name")).Rows([]any{2, "Jazz (all)"}, []any{201, "Lo-fi"}).
					OnConflictDoUpdate([]*core.Column{g.C("GenreId")}, core.Set(g.C("Name"), core.Excluded(g.C("Name")))).Returning(g.C("GenreId"), g.C("Name"))
				rows, err := e.rows(ctx, stmt)
				if err == nil && len(rows) != 2 {
					return fmt.Errorf("upsert returning gave %d rows, want 2", len(rows))
				}
				return err
			}).on(maria, ""),
	}
}
