package integration_test

// QueryOf joins (issue 14, bugs 3-5) on PostgreSQL, MariaDB and SQLite:
// joined tables under aliases (a self-join works), no DISTINCT, to-many
// joins as semijoins, Exists. Every answer is compared with hand-written
// SQL run on the plain driver.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

type jnArtist struct {
	_      struct{}   `athanor:",table:jn_artists"`
	ID     int64      `athanor:",pk"`
	Name   string     `athanor:",size:100"`
	Albums []*jnAlbum `athanor:",backref:Artist"`
}

type jnAlbum struct {
	_        struct{} `athanor:",table:jn_albums"`
	ID       int64    `athanor:",pk"`
	Title    string   `athanor:",size:100"`
	ArtistID int64    `athanor:",index"`
	Artist   *jnArtist
	Tracks   []*jnTrack `athanor:",backref:Album"`
}

type jnTrack struct {
	_         struct{} `athanor:",table:jn_tracks"`
	ID        int64    `athanor:",pk"`
	Name      string   `athanor:",size:100"`
	Ms        int64
	AlbumID   int64 `athanor:",index"`
	Album     *jnAlbum
	Playlists []*jnPlaylist `athanor:",secondary:jn_playlist_tracks,joincol:track_id,inversecol:playlist_id"`
}

type jnPlaylist struct {
	_      struct{}   `athanor:",table:jn_playlists"`
	ID     int64      `athanor:",pk"`
	Name   string     `athanor:",size:100"`
	Tracks []*jnTrack `athanor:",secondary:jn_playlist_tracks,joincol:playlist_id,inversecol:track_id"`
}

type jnEmployee struct {
	_         struct{} `athanor:",table:jn_employees"`
	ID        int64    `athanor:",pk"`
	LastName  string   `athanor:",size:50"`
	ReportsTo *int64
	Manager   *jnEmployee   `athanor:",fk:reports_to"`
	Reports   []*jnEmployee `athanor:",fk:reports_to"`
}

// jnShelf has a composite key: its to-many joins take the derived-table
// semijoin.
type jnShelf struct {
	_     struct{}  `athanor:",table:jn_shelves"`
	Store string    `athanor:",pk,size:20"`
	Code  int64     `athanor:",pk"`
	Label string    `athanor:",size:50"`
	Items []*jnItem `athanor:",fk:store+code"`
}

type jnItem struct {
	_     struct{} `athanor:",table:jn_items"`
	ID    int64    `athanor:",pk"`
	Store string   `athanor:",size:20"`
	Code  int64
	Name  string `athanor:",size:50"`
}

// joinEnv is one database seen through the ORM and through the plain
// driver (the oracle).
type joinEnv struct {
	ormEnv
	plain coreDB
}

// oracle runs hand-written SQL (no parameters) on the plain driver and
// returns its first column.
func (e joinEnv) oracle(t *testing.T, sql string) []string {
	t.Helper()
	_, rows, err := e.plain.query(context.Background(), core.Compiled{SQL: sql})
	if err != nil {
		t.Fatalf("oracle %s: %v", sql, err)
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r[0]
	}
	return out
}

func eachJoinDB(t *testing.T, body func(t *testing.T, e joinEnv)) {
	kinds := []struct {
		name string
		open func(t *testing.T) (string, coreDB)
	}{
		{"postgres", func(t *testing.T) (string, coreDB) {
			c := testdb.PG(t)
			conn, err := testdb.ConnectPG(context.Background(), c.Primary)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { conn.Close(context.Background()) })
			return c.Primary.URL(), pgDB{conn: conn}
		}},
		{"mariadb", func(t *testing.T) (string, coreDB) {
			c := testdb.MySQL(t)
			db, err := testdb.OpenMySQL(c.Primary)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return c.Primary.URL(), sqlDB{db: db}
		}},
		{"sqlite", func(t *testing.T) (string, coreDB) {
			path := testdb.SQLite(t)
			db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return "sqlite://" + path, sqlDB{db: db}
		}},
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			dsn, plain := k.open(t)
			db, log := openORM(t, dsn)
			reg := mapper.NewRegistry()
			for _, f := range []func(*mapper.Registry) (*mapper.Model, error){
				mapper.RegisterIn[jnArtist], mapper.RegisterIn[jnEmployee], mapper.RegisterIn[jnShelf],
			} {
				if _, err := f(reg); err != nil {
					t.Fatal(err)
				}
			}
			createORMSchema(t, db, reg)
			e := joinEnv{ormEnv: ormEnv{name: k.name, db: db, reg: reg, log: log}, plain: plain}
			seedJoin(t, e)
			log.reset()
			body(t, e)
		})
	}
}

// seedJoin writes a small Chinook: artists, albums, tracks (track names
// repeat across albums), playlists, and an employee hierarchy.
func seedJoin(t *testing.T, e joinEnv) {
	t.Helper()
	s := e.session(session.Options{})
	tr := func(names ...string) []*jnTrack {
		var out []*jnTrack
		for i, n := range names {
			out = append(out, &jnTrack{Name: n, Ms: int64(1000 * (i + 1))})
		}
		return out
	}
	acdc := &jnArtist{Name: "AC/DC", Albums: []*jnAlbum{
		{Title: "Let There Be Rock", Tracks: tr("Go Down", "Dog Eat Dog", "Intro")},
		{Title: "Back in Black", Tracks: tr("Hells Bells", "Shoot to Thrill", "Intro", "Intro (reprise)")},
	}}
	aero := &jnArtist{Name: "Aerosmith", Albums: []*jnAlbum{
		{Title: "Big Ones", Tracks: tr("Walk On Water", "Love In An Elevator")},
		{Title: "Aerosmith", Tracks: tr("Make It", "Intro")},
	}}
	zappa := &jnArtist{Name: "Zappa"} // no albums
	abba := &jnArtist{Name: "ABBA", Albums: []*jnAlbum{{Title: "Arrival", Tracks: tr("Intro", "Dancing Queen")}}}
	rock := &jnPlaylist{Name: "Rock", Tracks: []*jnTrack{acdc.Albums[0].Tracks[0], acdc.Albums[0].Tracks[2], acdc.Albums[1].Tracks[0], aero.Albums[0].Tracks[1]}}
	intros := &jnPlaylist{Name: "Intros", Tracks: []*jnTrack{acdc.Albums[0].Tracks[2], acdc.Albums[1].Tracks[2], abba.Albums[0].Tracks[0]}}
	if err := s.Add(acdc, aero, zappa, abba, rock, intros); err != nil {
		t.Fatal(err)
	}
	adams := &jnEmployee{LastName: "Adams"}
	edwards := &jnEmployee{LastName: "Edwards", Manager: adams}
	mitchell := &jnEmployee{LastName: "Mitchell", Manager: adams}
	if err := s.Add(adams, edwards, mitchell,
		&jnEmployee{LastName: "Peacock", Manager: edwards},
		&jnEmployee{LastName: "Park", Manager: edwards},
		&jnEmployee{LastName: "Johnson", Manager: edwards},
		&jnEmployee{LastName: "King", Manager: mitchell},
		&jnEmployee{LastName: "Callahan", Manager: mitchell},
	); err != nil {
		t.Fatal(err)
	}
	items := func(names ...string) []*jnItem {
		var out []*jnItem
		for _, n := range names {
			out = append(out, &jnItem{Name: n})
		}
		return out
	}
	if err := s.Add(
		&jnShelf{Store: "north", Code: 1, Label: "n1", Items: items("apple", "apple", "pear")},
		&jnShelf{Store: "north", Code: 2, Label: "n2", Items: items("pear")},
		&jnShelf{Store: "south", Code: 1, Label: "s1", Items: items("apple", "plum", "apple")},
		&jnShelf{Store: "south", Code: 2, Label: "s2"},
	); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func albumTitles(as []*jnAlbum) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Title
	}
	return out
}

func employeeNames(es []*jnEmployee) []string {
	out := make([]string, len(es))
	for i, x := range es {
		out[i] = x.LastName
	}
	return out
}

func trackIDs(ts []*jnTrack) []string {
	out := make([]string, len(ts))
	for i, x := range ts {
		out[i] = fmt.Sprint(x.ID)
	}
	return out
}

func sameRows(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(want) == 0 {
		t.Fatalf("%s: the oracle found no rows: the case proves nothing", what)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("%s:\n got %q\nwant %q", what, got, want)
	}
}

// noDistinct fails if a statement sent since the last reset is a SELECT
// DISTINCT (a composite key's semijoin has one in its derived table).
func noDistinct(t *testing.T, e joinEnv) {
	t.Helper()
	for _, s := range e.log.with("") {
		if strings.HasPrefix(s, "SELECT DISTINCT") || strings.Contains(s, " IN (SELECT DISTINCT") {
			t.Fatalf("DISTINCT sent: %s", s)
		}
	}
}

// Bug 4: ordering by a column of a many-to-one join failed on PostgreSQL
// (42P10: the join added SELECT DISTINCT).
func TestORMJoinManyToOneOrdersByJoinedColumn(t *testing.T) {
	eachJoinDB(t, func(t *testing.T, e joinEnv) {
		ctx := context.Background()
		s := e.session(session.Options{})
		q := session.Query[jnAlbum](s).Join("Artist").OrderBy("Artist.Name", "-Title")
		got, err := q.All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sameRows(t, "all", albumTitles(got), e.oracle(t,
			`SELECT al.title FROM jn_albums al JOIN jn_artists ar ON ar.id = al.artist_id ORDER BY ar.name, al.title DESC`))
		got, err = q.Limit(2).Offset(1).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sameRows(t, "page", albumTitles(got), e.oracle(t,
			`SELECT al.title FROM jn_albums al JOIN jn_artists ar ON ar.id = al.artist_id ORDER BY ar.name, al.title DESC LIMIT 2 OFFSET 1`))
		// A handle column in Where and in core.Desc.
		q2 := session.Query[jnAlbum](s).Join("Artist")
		got, err = q2.Where(core.Like(q2.C("Artist.Name"), "A%")).OrderBy(core.Desc(q2.C("Artist.Name")), "Title").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sameRows(t, "handle", albumTitles(got), e.oracle(t,
			`SELECT al.title FROM jn_albums al JOIN jn_artists ar ON ar.id = al.artist_id WHERE ar.name LIKE 'A%' ORDER BY ar.name DESC, al.title`))
		n, err := q.Limit(3).Count(ctx)
		if err != nil || n != 3 {
			t.Fatalf("count with limit: %d %v", n, err)
		}
		n, err = q2.Filter("Artist.Name", "AC/DC").Count(ctx)
		if err != nil || n != 2 {
			t.Fatalf("count: %d %v", n, err)
		}
		// Nested path: tracks ordered by their album's artist.
		tq := session.Query[jnTrack](s).Join("Album.Artist").OrderBy("Album.Artist.Name", "Album.Title", "Name")
		ts, err := tq.All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sameRows(t, "nested", trackIDs(ts), e.oracle(t,
			`SELECT t.id FROM jn_tracks t JOIN jn_albums al ON al.id = t.album_id JOIN jn_artists ar ON ar.id = al.artist_id ORDER BY ar.name, al.title, t.name`))
		noDistinct(t, e)
	})
}

// Bug 4: a to-many join dedupes without DISTINCT: each object once, Limit
// and Count over objects, and the order may still name to-one columns.
func TestORMJoinToManyFiltersWithoutDuplicates(t *testing.T) {
	eachJoinDB(t, func(t *testing.T, e joinEnv) {
		ctx := context.Background()
		s := e.session(session.Options{})
		q := session.Query[jnAlbum](s).Join("Tracks")
		q = q.Where(core.Like(q.C("Tracks.Name"), "Intro%")).OrderBy("Title")
		got, err := q.All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := e.oracle(t, `SELECT title FROM jn_albums WHERE id IN (SELECT album_id FROM jn_tracks WHERE name LIKE 'Intro%') ORDER BY title`)
		sameRows(t, "all", albumTitles(got), want)
		// Back in Black has two matching tracks: a join alone would give
		// it twice, and a LIMIT over rows would cut the page short.
		got, err = q.Limit(2).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sameRows(t, "limit", albumTitles(got), want[:2])
		for _, c := range []struct {
			name string
			q    *session.QueryOf[jnAlbum]
			want int64
		}{
			{"count", q, int64(len(want))},
			{"count with limit", q.Limit(2), 2},
			{"count with offset", q.Offset(1), int64(len(want) - 1)},
		} {
			n, err := c.q.Count(ctx)
			if err != nil || n != c.want {
				t.Fatalf("%s: %d %v, want %d", c.name, n, err, c.want)
			}
		}
		// To-many filter, to-one order.
		q3 := session.Query[jnAlbum](s).Join("Artist").Join("Tracks").Filter("Tracks.Name", "Intro").OrderBy("-Artist.Name", "Title")
		got, err = q3.All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sameRows(t, "to-one order", albumTitles(got), e.oracle(t,
			`SELECT al.title FROM jn_albums al JOIN jn_artists ar ON ar.id = al.artist_id
			 WHERE al.id IN (SELECT album_id FROM jn_tracks WHERE name = 'Intro') ORDER BY ar.name DESC, al.title`))
		// Many-to-many, then a to-one order through another path.
		tq := session.Query[jnTrack](s).Join("Playlists").Join("Album").Filter("Playlists.Name", "Intros").OrderBy("Album.Title", "-ID")
		ts, err := tq.All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sameRows(t, "many-to-many", trackIDs(ts), e.oracle(t,
			`SELECT t.id FROM jn_tracks t JOIN jn_albums al ON al.id = t.album_id
			 WHERE t.id IN (SELECT pt.track_id FROM jn_playlist_tracks pt JOIN jn_playlists p ON p.id = pt.playlist_id WHERE p.name = 'Intros')
			 ORDER BY al.title, t.id DESC`))
		// Artists with a track named Intro: two to-many levels.
		aq := session.Query[jnArtist](s).Join("Albums.Tracks").Filter("Albums.Tracks.Name", "Intro").OrderBy("Name")
		as, err := aq.All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		names := make([]string, len(as))
		for i, a := range as {
			names[i] = a.Name
		}
		sameRows(t, "two levels", names, e.oracle(t,
			`SELECT name FROM jn_artists WHERE id IN (SELECT al.artist_id FROM jn_albums al JOIN jn_tracks t ON t.album_id = al.id WHERE t.name = 'Intro') ORDER BY name`))
		// Composite key: the semijoin is a derived table of distinct keys.
		sq := session.Query[jnShelf](s).Join("Items").Filter("Items.Name", "apple").OrderBy("-Store", "Code")
		shelves, err := sq.All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		labels := make([]string, len(shelves))
		for i, x := range shelves {
			labels[i] = x.Label
		}
		sameRows(t, "composite key", labels, e.oracle(t,
			`SELECT label FROM jn_shelves sh WHERE EXISTS (SELECT 1 FROM jn_items i WHERE i.store = sh.store AND i.code = sh.code AND i.name = 'apple') ORDER BY store DESC, code`))
		if n, err := sq.Limit(1).Count(ctx); err != nil || n != 1 {
			t.Fatalf("composite count: %d %v", n, err)
		}
		noDistinct(t, e)
	})
}

// Ordering by a column of a to-many join is refused before any SQL.
func TestORMJoinOrderThroughToManyRefused(t *testing.T) {
	eachJoinDB(t, func(t *testing.T, e joinEnv) {
		ctx := context.Background()
		s := e.session(session.Options{})
		q := session.Query[jnAlbum](s).Join("Tracks")
		cases := []struct {
			name string
			q    *session.QueryOf[jnAlbum]
		}{
			{"path", q.OrderBy("Tracks.Name")},
			{"column", q.OrderBy(q.C("Tracks.Name"))},
			{"desc column", q.OrderBy(core.Desc(q.C("Tracks.Name")))},
			{"join after order", session.Query[jnAlbum](s).Join("Artist").OrderBy(q.C("Tracks.Name")).Join("Tracks")},
		}
		for _, c := range cases {
			_, err := c.q.All(ctx)
			if !errors.Is(err, session.ErrOrderThroughToMany) || !strings.Contains(err.Error(), "Tracks") {
				t.Fatalf("%s: %v", c.name, err)
			}
		}
		if n := len(e.log.with("")); n != 0 {
			t.Fatalf("%d statements sent", n)
		}
	})
}

// Bug 5: a self-referential join rendered the table twice without an
// alias.
func TestORMJoinSelfReferential(t *testing.T) {
	eachJoinDB(t, func(t *testing.T, e joinEnv) {
		ctx := context.Background()
		s := e.session(session.Options{})
		// The join alone: employees who have a manager.
		got, err := session.Query[jnEmployee](s).Join("Manager").OrderBy("LastName").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sameRows(t, "join alone", employeeNames(got), e.oracle(t,
			`SELECT e.last_name FROM jn_employees e JOIN jn_employees m ON m.id = e.reports_to ORDER BY e.last_name`))
		q := session.Query[jnEmployee](s).Join("Manager")
		got, err = q.Where(core.Eq(q.C("Manager.LastName"), "Edwards")).OrderBy("LastName").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sameRows(t, "by manager", employeeNames(got), e.oracle(t,
			`SELECT e.last_name FROM jn_employees e JOIN jn_employees m ON m.id = e.reports_to WHERE m.last_name = 'Edwards' ORDER BY e.last_name`))
		got, err = q.OrderBy("-Manager.LastName", "LastName").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sameRows(t, "ordered by manager", employeeNames(got), e.oracle(t,
			`SELECT e.last_name FROM jn_employees e JOIN jn_employees m ON m.id = e.reports_to ORDER BY m.last_name DESC, e.last_name`))
		// Two levels up: the manager's manager.
		got, err = session.Query[jnEmployee](s).Join("Manager.Manager").Filter("Manager.Manager.LastName", "Adams").OrderBy("Manager.LastName", "LastName").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sameRows(t, "grand-manager", employeeNames(got), e.oracle(t,
			`SELECT e.last_name FROM jn_employees e JOIN jn_employees m ON m.id = e.reports_to JOIN jn_employees g ON g.id = m.reports_to
			 WHERE g.last_name = 'Adams' ORDER BY m.last_name, e.last_name`))
		// Down: managers of someone whose name starts with P, each once.
		rq := session.Query[jnEmployee](s).Join("Reports")
		rq = rq.Where(core.Like(rq.C("Reports.LastName"), "P%")).OrderBy("LastName")
		got, err = rq.All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sameRows(t, "reports", employeeNames(got), e.oracle(t,
			`SELECT last_name FROM jn_employees WHERE id IN (SELECT reports_to FROM jn_employees WHERE last_name LIKE 'P%') ORDER BY last_name`))
		if n, err := rq.Count(ctx); err != nil || n != 1 {
			t.Fatalf("count: %d %v", n, err)
		}
		// LeftJoin keeps the employee without a manager.
		got, err = session.Query[jnEmployee](s).LeftJoin("Manager").OrderBy("Manager.LastName", "LastName").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sameRows(t, "left join", employeeNames(got), e.oracle(t,
			`SELECT e.last_name FROM jn_employees e LEFT JOIN jn_employees m ON m.id = e.reports_to ORDER BY m.last_name, e.last_name`))
		// Through a to-many: employees without reports (an anti-join).
		lq := session.Query[jnEmployee](s).LeftJoin("Reports")
		lq = lq.Where(core.IsNull(lq.C("Reports.ID"))).OrderBy("LastName")
		got, err = lq.Limit(3).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		leaves := e.oracle(t, `SELECT last_name FROM jn_employees e WHERE NOT EXISTS (SELECT 1 FROM jn_employees r WHERE r.reports_to = e.id) ORDER BY last_name`)
		sameRows(t, "no reports", employeeNames(got), leaves[:3])
		if n, err := lq.Count(ctx); err != nil || n != int64(len(leaves)) {
			t.Fatalf("count of leaves: %d %v, want %d", n, err, len(leaves))
		}
		noDistinct(t, e)
	})
}

// Bug 3: Exists bound its constant 1 as a parameter, which PostgreSQL
// typed text.
func TestORMQueryExists(t *testing.T) {
	eachJoinDB(t, func(t *testing.T, e joinEnv) {
		ctx := context.Background()
		s := e.session(session.Options{})
		albums := session.Query[jnAlbum](s)
		tracks := albums.Join("Tracks")
		mgr := session.Query[jnEmployee](s).Join("Manager")
		cases := []struct {
			name string
			run  func() (bool, error)
			want bool
		}{
			{"any", func() (bool, error) { return albums.Exists(ctx) }, true},
			{"where, match", func() (bool, error) { return albums.Filter("Title", "Big Ones").Exists(ctx) }, true},
			{"where, none", func() (bool, error) { return albums.Filter("Title", "Nope").Exists(ctx) }, false},
			{"many-to-one join, match", func() (bool, error) {
				return albums.Join("Artist").Filter("Artist.Name", "ABBA").Exists(ctx)
			}, true},
			{"many-to-one join, none", func() (bool, error) {
				return albums.Join("Artist").Filter("Artist.Name", "Zappa").Exists(ctx)
			}, false},
			{"to-many join, match", func() (bool, error) { return tracks.Filter("Tracks.Name", "Make It").Exists(ctx) }, true},
			{"to-many join, none", func() (bool, error) { return tracks.Filter("Tracks.Name", "Nope").Exists(ctx) }, false},
			{"self join, match", func() (bool, error) { return mgr.Filter("Manager.LastName", "Mitchell").Exists(ctx) }, true},
			{"self join, none", func() (bool, error) { return mgr.Filter("Manager.LastName", "King").Exists(ctx) }, false},
			{"limit", func() (bool, error) { return albums.Limit(1).Exists(ctx) }, true},
			{"limit 0", func() (bool, error) { return albums.Limit(0).Exists(ctx) }, false},
			{"offset past the end", func() (bool, error) { return tracks.Filter("Tracks.Name", "Intro").Offset(4).Exists(ctx) }, false},
			{"offset within", func() (bool, error) { return tracks.Filter("Tracks.Name", "Intro").Offset(3).Exists(ctx) }, true},
		}
		for _, c := range cases {
			got, err := c.run()
			if err != nil || got != c.want {
				t.Fatalf("%s: %v %v, want %v", c.name, got, err, c.want)
			}
		}
		// The oracle agrees on the offset cases: four albums have an Intro.
		sameRows(t, "intro albums", e.oracle(t, `SELECT COUNT(DISTINCT album_id) FROM jn_tracks WHERE name = 'Intro'`), []string{"4"})
	})
}
