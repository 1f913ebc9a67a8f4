package conformance

// Joined eager loading of collections (issue 19) on the Chinook data, on
// PostgreSQL, MariaDB and SQLite: Joined collections load in one statement
// (counted through engine hooks) and give the same objects, members and
// order as SelectIn, with and without LIMIT/OFFSET on the owners.

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

// jcHooks records the SQL of every statement, batches counted by size.
type jcHooks struct {
	mu    sync.Mutex
	sqls  []string // guarded by mu
	batch int      // guarded by mu: statements run in batches
}

func (h *jcHooks) QueryStart(ctx context.Context, d engine.QueryStartData) context.Context {
	h.mu.Lock()
	h.sqls = append(h.sqls, d.SQL)
	h.mu.Unlock()
	return ctx
}
func (h *jcHooks) QueryEnd(context.Context, engine.QueryEndData) {}
func (h *jcHooks) BatchStart(ctx context.Context, d engine.BatchStartData) context.Context {
	h.mu.Lock()
	h.batch += d.Statements
	h.mu.Unlock()
	return ctx
}
func (h *jcHooks) BatchEnd(context.Context, engine.BatchEndData) {}

// take returns the statements run since the last take, and their SQL
// (single statements only).
func (h *jcHooks) take() (int, []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	n, sqls := len(h.sqls)+h.batch, h.sqls
	h.sqls, h.batch = nil, 0
	return n, sqls
}

type jcEnv struct {
	name   string
	db     *engine.DB
	hooks  *jcHooks
	reg    *mapper.Registry
	m2mReg *mapper.Registry
}

func (e *jcEnv) session() *session.Session {
	return session.New(session.DB(e.db), session.Options{Registry: e.reg, NoAutoflush: true})
}

// eachChinook loads Chinook into each server (once per dialect) and runs
// body on it with a statement-counting engine.
func eachChinook(t *testing.T, body func(t *testing.T, e *jcEnv)) {
	setups := []struct {
		name string
		open func(t *testing.T) (string, func(string) string)
	}{
		{pg, func(t *testing.T) (string, func(string) string) { _, cl := loadPG(t); return cl.Primary.URL(), snake }},
		{maria, func(t *testing.T) (string, func(string) string) {
			_, cl := loadMySQL(t)
			return cl.Primary.URL(), identity
		}},
		{lite, func(t *testing.T) (string, func(string) string) {
			_, p := loadSQLite(t)
			return "sqlite://" + p, identity
		}},
	}
	for _, d := range setups {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			dsn, n := d.open(t)
			cfg, err := engine.ParseConfig(dsn)
			if err != nil {
				t.Fatal(err)
			}
			hooks := &jcHooks{}
			cfg.Hook = hooks
			db, err := engine.OpenConfig(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			reg := registry(t, n)
			body(t, &jcEnv{name: d.name, db: db, hooks: hooks, reg: reg, m2mReg: m2mRegistry(t, reg, n("InvoiceLine") == "InvoiceLine")})
		})
	}
}

// artistTree lists artists, their albums and the albums' tracks by key, in
// order, and checks the back-references.
func artistTree(t *testing.T, as []*Artist) []string {
	t.Helper()
	var out []string
	for _, a := range as {
		out = append(out, fmt.Sprintf("artist %d", a.ArtistID))
		for _, al := range a.Albums {
			if al.ArtistID != a.ArtistID || al.Artist != a {
				t.Fatalf("album %d under artist %d: artist id %d, back-reference %p", al.AlbumID, a.ArtistID, al.ArtistID, al.Artist)
			}
			out = append(out, fmt.Sprintf(" album %d", al.AlbumID))
			for _, tr := range al.Tracks {
				if tr.AlbumID == nil || *tr.AlbumID != al.AlbumID || tr.Album != al {
					t.Fatalf("track %d under album %d: wrong album", tr.TrackID, al.AlbumID)
				}
				out = append(out, fmt.Sprintf("  track %d", tr.TrackID))
			}
		}
	}
	return out
}

// sameTree fails with the first difference of two trees.
func sameTree(t *testing.T, want, got []string) {
	t.Helper()
	for i := range min(len(want), len(got)) {
		if want[i] != got[i] {
			t.Fatalf("line %d: want %q, got %q (of %d and %d lines)", i, want[i], got[i], len(want), len(got))
		}
	}
	if len(want) != len(got) {
		t.Fatalf("want %d lines, got %d", len(want), len(got))
	}
}

func TestJoinedCollectionsChinook(t *testing.T) {
	eachChinook(t, func(t *testing.T, e *jcEnv) {
		ctx := context.Background()
		bounds := []struct {
			name          string
			limit, offset int64 // 0: none
		}{
			{"every artist", 0, 0},
			{"limit", 10, 0},
			{"limit and offset", 7, 20},
			{"offset", 0, 250},
		}
		orders := []struct {
			name     string
			joined   loader.Option
			selectin loader.Option
		}{
			{"by key",
				loader.Joined("Albums", loader.Joined("Tracks")),
				loader.SelectIn("Albums", loader.SelectIn("Tracks"))},
			{"by title and name",
				loader.Joined("Albums", loader.Joined("Tracks").OrderBy("-Name")).OrderBy("Title"),
				loader.SelectIn("Albums", loader.SelectIn("Tracks").OrderBy("-Name")).OrderBy("Title")},
		}
		for _, b := range bounds {
			for _, o := range orders {
				t.Run(b.name+"/"+o.name, func(t *testing.T) {
					run := func(opt loader.Option) []*Artist {
						q := session.Query[Artist](e.session()).OrderBy("-Name", "ArtistID").Options(opt)
						if b.limit > 0 {
							q = q.Limit(b.limit)
						}
						if b.offset > 0 {
							q = q.Offset(b.offset)
						}
						as, err := q.All(ctx)
						if err != nil {
							t.Fatal(err)
						}
						return as
					}
					e.hooks.take()
					want := run(o.selectin)
					if n, _ := e.hooks.take(); n != 3 {
						t.Fatalf("selectin: %d statements, want 3", n)
					}
					got := run(o.joined)
					if n, sqls := e.hooks.take(); n != 1 {
						t.Fatalf("joined: %d statements, want 1: %q", n, sqls)
					}
					switch {
					case b.limit > 0 && len(got) != int(b.limit):
						t.Fatalf("%d artists, want %d", len(got), b.limit)
					case b.limit == 0 && b.offset == 0 && len(got) != 275:
						t.Fatalf("%d artists, want 275", len(got))
					}
					wt, gt := artistTree(t, want), artistTree(t, got)
					if len(wt) <= len(want) && b.offset == 0 {
						t.Fatalf("no albums loaded: %v", wt)
					}
					sameTree(t, wt, gt)
				})
			}
		}

		t.Run("mixed with selectin under the joined collection", func(t *testing.T) {
			s := e.session()
			e.hooks.take()
			q := session.Query[Artist](s)
			got, err := q.Where(core.In(q.C("ArtistID"), 1, 22, 90)).OrderBy("Name").
				Options(loader.Joined("Albums", loader.SelectIn("Tracks").OrderBy("Name")).OrderBy("Title")).All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n, sqls := e.hooks.take(); n != 2 {
				t.Fatalf("%d statements, want 2: %q", n, sqls)
			}
			q = session.Query[Artist](e.session())
			want, err := q.Where(core.In(q.C("ArtistID"), 1, 22, 90)).OrderBy("Name").
				Options(loader.SelectIn("Albums", loader.SelectIn("Tracks").OrderBy("Name")).OrderBy("Title")).All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			sameTree(t, artistTree(t, want), artistTree(t, got))
		})

		t.Run("first and one keep whole collections", func(t *testing.T) {
			opt := loader.Joined("Albums", loader.Joined("Tracks"))
			q := session.Query[Artist](e.session())
			first, err := q.Where(core.In(q.C("ArtistID"), 22, 90, 150)).OrderBy("Name").Options(opt).First(ctx)
			if err != nil {
				t.Fatal(err)
			}
			one, err := session.Query[Artist](e.session()).Filter("ArtistID", 90).Options(opt).One(ctx)
			if err != nil {
				t.Fatal(err)
			}
			q = session.Query[Artist](e.session())
			want, err := q.Where(core.In(q.C("ArtistID"), 22, 90)).OrderBy("ArtistID").
				Options(loader.SelectIn("Albums", loader.SelectIn("Tracks"))).All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			// 22 is Led Zeppelin (14 albums), 90 Iron Maiden (21), 150 U2.
			sameTree(t, artistTree(t, want[1:]), artistTree(t, []*Artist{first}))
			sameTree(t, artistTree(t, want[1:]), artistTree(t, []*Artist{one}))
			if len(one.Albums) != 21 {
				t.Fatalf("Iron Maiden: %d albums, want 21", len(one.Albums))
			}
		})

		t.Run("many-to-many through the association table", func(t *testing.T) {
			if e.name == pg {
				playlistsJoined[PlaylistSnake](t, e)
			} else {
				playlistsJoined[PlaylistPascal](t, e)
			}
		})

		t.Run("self-reference", func(t *testing.T) {
			tree := func(es []*Employee) []string {
				var out []string
				var walk func(e *Employee, depth int)
				walk = func(x *Employee, depth int) {
					out = append(out, fmt.Sprintf("%s%d", strings.Repeat(" ", depth), x.EmployeeID))
					for _, r := range x.Reports {
						if r.Manager != x {
							t.Fatalf("employee %d: manager back-reference not %d", r.EmployeeID, x.EmployeeID)
						}
						if depth < 2 {
							walk(r, depth+1)
						}
					}
				}
				for _, x := range es {
					walk(x, 0)
				}
				return out
			}
			e.hooks.take()
			got, err := session.Query[Employee](e.session()).OrderBy("LastName").
				Options(loader.Joined("Reports", loader.Joined("Reports").OrderBy("-EmployeeID")).OrderBy("LastName")).All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n, sqls := e.hooks.take(); n != 1 {
				t.Fatalf("%d statements, want 1: %q", n, sqls)
			}
			want, err := session.Query[Employee](e.session()).OrderBy("LastName").
				Options(loader.SelectIn("Reports", loader.SelectIn("Reports").OrderBy("-EmployeeID")).OrderBy("LastName")).All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 8 {
				t.Fatalf("%d employees, want 8", len(got))
			}
			sameTree(t, tree(want), tree(got))
			for _, x := range got {
				if x.EmployeeID == 1 && len(x.Reports) != 2 {
					t.Fatalf("employee 1: %d reports, want 2", len(x.Reports))
				}
			}
		})

		t.Run("held objects are kept with their changes", func(t *testing.T) {
			s := e.session()
			held, err := session.Get[Album](ctx, s, int64(100))
			if err != nil {
				t.Fatal(err)
			}
			held.Title = "unflushed title"
			as, err := session.Query[Artist](s).Filter("ArtistID", 90).Options(loader.Joined("Albums")).All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, al := range as[0].Albums {
				if al.AlbumID == 100 {
					found = al == held
				}
			}
			if !found || held.Title != "unflushed title" {
				t.Fatalf("album 100 not the held object, or its change lost (title %q)", held.Title)
			}
			// A second joined load of the same owners keeps the loaded
			// collection (and its objects) as it is.
			before := as[0].Albums
			as2, err := session.Query[Artist](s).Filter("ArtistID", 90).Options(loader.Joined("Albums")).All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if as2[0] != as[0] || !reflect.DeepEqual(as2[0].Albums, before) {
				t.Fatal("a second load replaced the artist or its albums")
			}
		})

		t.Run("raise mode", func(t *testing.T) {
			s := e.session()
			as, err := session.Query[Artist](s).Filter("ArtistID", 90).Options(loader.Joined("Albums"), loader.Raise()).All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(as[0].Albums) != 21 {
				t.Fatalf("%d albums", len(as[0].Albums))
			}
			err = s.Load(ctx, as[0].Albums[0], "Tracks")
			if !errors.Is(err, loader.ErrUnplannedLoad) || !strings.Contains(err.Error(), "Tracks") {
				t.Fatalf("unplanned load of a joined album's tracks: %v", err)
			}
		})

		t.Run("limited joined collections", func(t *testing.T) {
			q := session.Query[Artist](e.session())
			e.hooks.take()
			got, err := q.Where(core.Le(q.C("ArtistID"), 60)).OrderBy("Name").Limit(20).
				Options(loader.Joined("Albums", loader.Joined("Tracks").OrderBy("-Milliseconds").Limit(3)).OrderBy("Title").Limit(2)).All(ctx)
			if !e.db.Dialect().Features().Lateral {
				if !errors.Is(err, core.ErrUnsupported) || !strings.Contains(err.Error(), "LATERAL") || !strings.Contains(err.Error(), "Artist") {
					t.Fatalf("want an unsupported LATERAL error naming the query, got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n, sqls := e.hooks.take(); n != 1 {
				t.Fatalf("%d statements, want 1: %q", n, sqls)
			}
			q = session.Query[Artist](e.session())
			want, err := q.Where(core.Le(q.C("ArtistID"), 60)).OrderBy("Name").Limit(20).
				Options(loader.SelectIn("Albums", loader.SelectIn("Tracks").OrderBy("-Milliseconds").Limit(3)).OrderBy("Title").Limit(2)).All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			wt := artistTree(t, want)
			if len(wt) < 60 {
				t.Fatalf("only %d lines", len(wt))
			}
			sameTree(t, wt, artistTree(t, got))
			// A self-reference: each employee's first report by last name.
			es, err := session.Query[Employee](e.session()).OrderBy("EmployeeID").
				Options(loader.Joined("Reports").OrderBy("LastName").Limit(1)).All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			ws, err := session.Query[Employee](e.session()).OrderBy("EmployeeID").
				Options(loader.SelectIn("Reports").OrderBy("LastName").Limit(1)).All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for i := range es {
				if len(es[i].Reports) != len(ws[i].Reports) || (len(es[i].Reports) == 1 && es[i].Reports[0].EmployeeID != ws[i].Reports[0].EmployeeID) {
					t.Fatalf("employee %d: reports differ", es[i].EmployeeID)
				}
			}
			if len(es[0].Reports) != 1 {
				t.Fatalf("employee 1: %d reports, want 1", len(es[0].Reports))
			}
		})

		t.Run("lateral join", func(t *testing.T) {
			lateralTopAlbums(t, e)
		})

		t.Run("unknown path names model and path", func(t *testing.T) {
			for _, c := range []struct {
				opt  loader.Option
				name string
			}{
				{loader.Joined("Albumz"), "Artist.Albumz"},
				{loader.Joined("Albums", loader.Joined("Trakcs")), "Album.Trakcs"},
				{loader.Joined("Albums.Trakcs"), "Album.Trakcs"},
			} {
				_, err := session.Query[Artist](e.session()).Options(c.opt).All(ctx)
				if !errors.Is(err, loader.ErrNoRelation) || !strings.Contains(err.Error(), c.name) {
					t.Fatalf("%s: %v", c.name, err)
				}
			}
		})
	})
}

func playlistsJoined[P any, PP m2mPlaylist[P]](t *testing.T, e *jcEnv) {
	ctx := context.Background()
	tree := func(ps []*P) []string {
		var out []string
		for _, p := range ps {
			pp := PP(p)
			out = append(out, fmt.Sprintf("playlist %d", pp.cols().PlaylistID))
			for _, tr := range *pp.tracks() {
				out = append(out, fmt.Sprintf(" track %d", tr.TrackID))
			}
		}
		return out
	}
	for _, lim := range []int64{0, 5} {
		t.Run(fmt.Sprintf("limit %d", lim), func(t *testing.T) {
			s := session.New(session.DB(e.db), session.Options{Registry: e.m2mReg})
			q := session.Query[P](s).OrderBy("-Name", "PlaylistID")
			if lim > 0 {
				q = q.Limit(lim).Offset(3)
			}
			e.hooks.take()
			got, err := q.Options(loader.Joined("Tracks", loader.Joined("Album")).OrderBy("Name")).All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n, sqls := e.hooks.take(); n != 1 {
				t.Fatalf("%d statements, want 1: %q", n, sqls)
			}
			s2 := session.New(session.DB(e.db), session.Options{Registry: e.m2mReg})
			q2 := session.Query[P](s2).OrderBy("-Name", "PlaylistID")
			if lim > 0 {
				q2 = q2.Limit(lim).Offset(3)
			}
			want, err := q2.Options(loader.SelectIn("Tracks", loader.SelectIn("Album")).OrderBy("Name")).All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			wt, gt := tree(want), tree(got)
			if len(wt) < 100 {
				t.Fatalf("only %d lines", len(wt))
			}
			sameTree(t, wt, gt)
			for _, p := range got {
				for _, tr := range *PP(p).tracks() {
					if tr.AlbumID != nil && (tr.Album == nil || tr.Album.AlbumID != *tr.AlbumID) {
						t.Fatalf("track %d: album not joined", tr.TrackID)
					}
				}
			}
		})
	}
}

// lateralTopAlbums runs a Core LATERAL join (each artist's first two
// albums by title) where the server has it, and compares it with the
// loader's top-N per owner; elsewhere the statement must not compile.
func lateralTopAlbums(t *testing.T, e *jcEnv) {
	ctx := context.Background()
	artist, _ := e.reg.Lookup(reflect.TypeFor[Artist]())
	album, _ := e.reg.Lookup(reflect.TypeFor[Album]())
	col := func(m *mapper.Model, field string) string {
		f, ok := m.Field(field)
		if !ok {
			t.Fatalf("no field %s", field)
		}
		return f.Column
	}
	ar, al := artist.Table(), album.Table()
	arID, alID, alArtist, title := col(artist, "ArtistID"), col(album, "AlbumID"), col(album, "ArtistID"), col(album, "Title")
	top := core.Lateral(core.Select(al.C(alID), al.C(title)).From(al).
		Where(core.Eq(al.C(alArtist), ar.C(arID))).
		OrderBy(al.C(title), al.C(alID)).Limit(2)).As("top")
	stmt := core.Select(ar.C(arID), top.C(alID)).From(ar).LeftJoin(top, core.True).
		Where(core.Le(ar.C(arID), 25)).OrderBy(ar.C(arID), top.C(title), top.C(alID))
	if !e.db.Dialect().Features().Lateral {
		if _, err := core.Compile(e.db.Dialect(), stmt); !errors.Is(err, core.ErrUnsupported) || !strings.Contains(err.Error(), "LATERAL") {
			t.Fatalf("LATERAL on %s: want ErrUnsupported, got %v", e.name, err)
		}
		return
	}
	rows, err := e.db.Query(ctx, stmt)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var a int64
		var b *int64
		if err := rows.Scan(&a, &b); err != nil {
			t.Fatal(err)
		}
		if b == nil {
			got = append(got, fmt.Sprintf("artist %d", a))
		} else {
			got = append(got, fmt.Sprintf("artist %d album %d", a, *b))
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	q := session.Query[Artist](e.session())
	as, err := q.Where(core.Le(q.C("ArtistID"), 25)).OrderBy("ArtistID").
		Options(loader.SelectIn("Albums").OrderBy("Title").Limit(2)).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, a := range as {
		if len(a.Albums) == 0 {
			want = append(want, fmt.Sprintf("artist %d", a.ArtistID))
		}
		for _, b := range a.Albums {
			want = append(want, fmt.Sprintf("artist %d album %d", a.ArtistID, b.AlbumID))
		}
	}
	if len(want) < 25 {
		t.Fatalf("only %d lines", len(want))
	}
	sameTree(t, want, got)
}
