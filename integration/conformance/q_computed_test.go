package conformance

import (
	"context"
	"strings"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

// Computed attributes on Chinook: an artist's album count (a correlated
// subquery over another model's table) and a customer's full name (a
// concatenation), against hand-written SQL. The models map Chinook's
// tables again, so they live in a registry of their own (caRegistry),
// whose naming drops their "Ca" prefix.

type CaArtist struct {
	ArtistID   int64 `athanor:",pk,noautoincrement"`
	Name       *string
	Albums     []*CaAlbum `athanor:",backref:Artist"`
	AlbumCount int64      `athanor:",computed"`
}

func (CaArtist) Computed(t *core.Table, reg *mapper.Registry) (map[string]core.Expr, error) {
	albums, err := mapper.TableOf[CaAlbum](reg)
	if err != nil {
		return nil, err
	}
	col := reg.Naming().ColumnName
	return map[string]core.Expr{
		"AlbumCount": core.Subquery(core.Select(core.Count(core.Star())).From(albums).
			Where(core.Eq(albums.C(col("ArtistID")), t.C(col("ArtistID"))))),
	}, nil
}

type CaAlbum struct {
	AlbumID  int64 `athanor:",pk,noautoincrement"`
	Title    string
	ArtistID int64
	Artist   *CaArtist `athanor:",backref:Albums"`
}

type CaCustomer struct {
	CustomerID int64 `athanor:",pk,noautoincrement"`
	FirstName  string
	LastName   string
	Country    *string
	FullName   string `athanor:",computed"`
}

func (CaCustomer) Computed(t *core.Table, reg *mapper.Registry) (map[string]core.Expr, error) {
	col := reg.Naming().ColumnName
	return map[string]core.Expr{
		"FullName": core.Concat(t.C(col("FirstName")), core.Literal(" "), t.C(col("LastName"))),
	}, nil
}

// caNaming is the base naming, tables named without the "Ca" prefix.
type caNaming struct{ base mapper.Naming }

func (n caNaming) TableName(s string) string  { return n.base.TableName(strings.TrimPrefix(s, "Ca")) }
func (n caNaming) ColumnName(s string) string { return n.base.ColumnName(s) }

func caSession(e *env) (*session.Session, error) {
	reg := mapper.NewRegistry(mapper.WithNaming(caNaming{e.reg.Naming()}))
	for _, register := range []func(*mapper.Registry) (*mapper.Model, error){mapper.RegisterIn[CaArtist], mapper.RegisterIn[CaCustomer]} {
		if _, err := register(reg); err != nil {
			return nil, err
		}
	}
	return session.New(session.DB(e.db), session.Options{Registry: reg}), nil
}

func computedQuestions() []question {
	fullName := `SELECT CustomerId, CONCAT(FirstName, ' ', LastName) FROM Customer WHERE CONCAT(FirstName, ' ', LastName) LIKE 'L%' ORDER BY CONCAT(FirstName, ' ', LastName) DESC, CustomerId`
	return []question{
		ormQ("computed/artists by album count", `SELECT ar.ArtistId, ar.Name, (SELECT COUNT(*) FROM Album al WHERE al.ArtistId = ar.ArtistId) AS n FROM Artist ar ORDER BY n DESC, ar.ArtistId LIMIT 8`,
			func(ctx context.Context, e *env) ([][]any, error) {
				s, err := caSession(e)
				if err != nil {
					return nil, err
				}
				as, err := session.Query[CaArtist](s).OrderBy("-AlbumCount", "ArtistID").Limit(8).All(ctx)
				return list(as, func(a *CaArtist) []any { return r(a.ArtistID, a.Name, a.AlbumCount) }), err
			}),
		ormQ("computed/filter on album count", `SELECT ar.ArtistId FROM Artist ar WHERE (SELECT COUNT(*) FROM Album al WHERE al.ArtistId = ar.ArtistId) = 3 ORDER BY ar.ArtistId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				s, err := caSession(e)
				if err != nil {
					return nil, err
				}
				as, err := session.Query[CaArtist](s).Filter("AlbumCount", 3).OrderBy("ArtistID").All(ctx)
				return list(as, func(a *CaArtist) []any { return r(a.ArtistID) }), err
			}),
		ormQ("computed/album count through a joined load", `SELECT al.AlbumId, (SELECT COUNT(*) FROM Album x WHERE x.ArtistId = al.ArtistId) FROM Album al WHERE al.AlbumId <= 12 ORDER BY al.AlbumId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				s, err := caSession(e)
				if err != nil {
					return nil, err
				}
				q := session.Query[CaAlbum](s)
				as, err := q.Where(core.Le(q.C("AlbumID"), 12)).OrderBy("AlbumID").Options(loader.Joined("Artist")).All(ctx)
				return list(as, func(a *CaAlbum) []any { return r(a.AlbumID, a.Artist.AlbumCount) }), err
			}),
		ormQ("computed/customers by full name", fullName,
			func(ctx context.Context, e *env) ([][]any, error) {
				s, err := caSession(e)
				if err != nil {
					return nil, err
				}
				q := session.Query[CaCustomer](s)
				cs, err := q.Where(core.Like(q.E("FullName"), "L%")).OrderBy("-FullName", "CustomerID").All(ctx)
				return list(cs, func(c *CaCustomer) []any { return r(c.CustomerID, c.FullName) }), err
			}).on(lite, strings.ReplaceAll(fullName, "CONCAT(FirstName, ' ', LastName)", "FirstName || ' ' || LastName")),
	}
}
