package session_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

// Keyset tests: tracks on albums, albums with or without an artist. The
// ordering columns have ties, NULLs, floats a last bit apart, times a
// microsecond apart, decimals, booleans and bytes.
type ksArtist struct {
	_    struct{} `athanor:",table:ks_artists"`
	ID   int64    `athanor:",pk,noautoincrement"`
	Name string   `athanor:",size:40"`
}

type ksAlbum struct {
	_        struct{} `athanor:",table:ks_albums"`
	ID       int64    `athanor:",pk,noautoincrement"`
	Title    string   `athanor:",size:40"`
	ArtistID *int64
	Artist   *ksArtist
}

type ksTrack struct {
	_       struct{} `athanor:",table:ks_tracks"`
	ID      int64    `athanor:",pk,noautoincrement"`
	Name    string   `athanor:",size:40"`
	AlbumID int64
	Album   *ksAlbum
	Price   athanor.Decimal `athanor:",precision:10,scale:2"`
	Rating  *int64
	Score   float64
	Added   time.Time
	Flag    bool
	Code    []byte
}

const ksTracks = 61

func ksSeed(t *testing.T, srv server) *mapper.Registry {
	t.Helper()
	ctx := context.Background()
	reg := schema(t, srv.db, mapper.RegisterIn[ksArtist], mapper.RegisterIn[ksAlbum], mapper.RegisterIn[ksTrack])
	s := session.New(session.DB(srv.db), session.Options{Registry: reg})
	artists := []*ksArtist{{ID: 1, Name: "Zappa"}, {ID: 2, Name: "abba"}, {ID: 3, Name: "Björk"}}
	var albums []*ksAlbum
	for i := range 7 {
		a := &ksAlbum{ID: int64(i + 1), Title: fmt.Sprintf("album %d", i%4)}
		if i%3 != 2 { // albums 3 and 6 have no artist
			a.Artist = artists[i%3]
		}
		albums = append(albums, a)
	}
	base := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	names := []string{"Intro", "intro", "Échos", "Zenith", "alpha", "Beta", "beta", "Ω", "mid", "Mid", "x", "y", "z"}
	prices := []string{"0.99", "1.99", "0.99", "10.00", "9.50", "0.99"}
	for i := 1; i <= ksTracks; i++ {
		tr := &ksTrack{
			ID: int64(i), Name: names[i%len(names)], Album: albums[i%len(albums)],
			Price: athanor.MustDecimal(prices[i%len(prices)]),
			Score: float64(i%5) / 10,
			Added: base.Add(time.Duration(i%6) * time.Microsecond).Add(time.Duration(i%4) * time.Second),
			Flag:  i%3 == 0,
			Code:  []byte{byte(i % 4), byte(i % 2)},
		}
		if i%10 == 3 {
			tr.Score = 0.1 + 0.2 // 0.30000000000000004, one bit above 0.3
		}
		if i%7 != 0 {
			r := int64(i % 4)
			tr.Rating = &r
		}
		if err := s.Add(tr); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return reg
}

// ksOracle returns the track ids of the SQL query (its ORDER BY written by
// hand, NULL placement with CASE, so it does not depend on the dialect's
// NULLS order) page by page with LIMIT and OFFSET.
func ksOracle(t *testing.T, db *engine.DB, where, order string, size int) [][]int64 {
	t.Helper()
	var pages [][]int64
	for off := 0; ; off += size {
		q := "SELECT t.id FROM ks_tracks t JOIN ks_albums al ON al.id = t.album_id LEFT JOIN ks_artists ar ON ar.id = al.artist_id"
		if where != "" {
			q += " WHERE " + where
		}
		q += fmt.Sprintf(" ORDER BY %s LIMIT %d OFFSET %d", order, size, off)
		var page []int64
		rows, err := db.Query(context.Background(), core.Raw(q).ReadOnly())
		if err != nil {
			t.Fatalf("oracle %s: %v", q, err)
		}
		for rows.Next() {
			var id int64
			if err = rows.Scan(&id); err != nil {
				break
			}
			page = append(page, id)
		}
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
		if err != nil {
			t.Fatalf("oracle %s: %v", q, err)
		}
		if len(page) == 0 {
			return pages
		}
		pages = append(pages, page)
	}
}

func ids(ts []*ksTrack) []int64 {
	out := make([]int64, len(ts))
	for i, t := range ts {
		out[i] = t.ID
	}
	return out
}

type ksCase struct {
	name  string
	query func(s *session.Session) *session.QueryOf[ksTrack]
	where string // the oracle's
	order string // the oracle's
}

var ksCases = []ksCase{
	{"price desc, name (ties, decimals, collation)", func(s *session.Session) *session.QueryOf[ksTrack] {
		return session.Query[ksTrack](s).OrderBy("-Price", "Name")
	}, "", "t.price DESC, t.name, t.id"},
	{"nullable rating asc (NULLs last), score desc (floats a bit apart)", func(s *session.Session) *session.QueryOf[ksTrack] {
		return session.Query[ksTrack](s).OrderBy("Rating", "-Score")
	}, "", "CASE WHEN t.rating IS NULL THEN 1 ELSE 0 END, t.rating, t.score DESC, t.id"},
	{"nullable rating desc (NULLs first), id desc", func(s *session.Session) *session.QueryOf[ksTrack] {
		return session.Query[ksTrack](s).OrderBy("-Rating", "-ID")
	}, "", "CASE WHEN t.rating IS NULL THEN 0 ELSE 1 END, t.rating DESC, t.id DESC"},
	{"explicit NULLS FIRST ascending, time desc", func(s *session.Session) *session.QueryOf[ksTrack] {
		q := session.Query[ksTrack](s)
		return q.OrderBy(core.Asc(q.C("Rating")).NullsFirst(), core.Desc(q.C("Added")))
	}, "", "CASE WHEN t.rating IS NULL THEN 0 ELSE 1 END, t.rating, t.added DESC, t.id"},
	{"explicit NULLS LAST descending, bytes", func(s *session.Session) *session.QueryOf[ksTrack] {
		q := session.Query[ksTrack](s)
		return q.OrderBy(core.Desc(q.C("Rating")).NullsLast(), "Code")
	}, "", "CASE WHEN t.rating IS NULL THEN 1 ELSE 0 END, t.rating DESC, t.code, t.id"},
	{"joined to-one paths, LEFT JOIN NULLs, bool", func(s *session.Session) *session.QueryOf[ksTrack] {
		return session.Query[ksTrack](s).Join("Album").LeftJoin("Album.Artist").OrderBy("Album.Artist.Name", "-Album.Title", "Flag")
	}, "", "CASE WHEN ar.name IS NULL THEN 1 ELSE 0 END, ar.name, al.title DESC, t.flag, t.id"},
	{"filtered, time then price", func(s *session.Session) *session.QueryOf[ksTrack] {
		q := session.Query[ksTrack](s).Filter("Flag", false)
		return q.Where(core.Ne(q.C("Name"), "x")).OrderBy("Added", "-Price")
	}, "t.flag = false AND t.name <> 'x'", "t.added, t.price DESC, t.id"},
}

// TestKeysetPagesMatchOffsetOracle walks every ordering forward from the
// first page and back from the last, with several page sizes, and
// compares each page with the hand-written OFFSET query's.
func TestKeysetPagesMatchOffsetOracle(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := ksSeed(t, srv)
		for _, c := range ksCases {
			for _, size := range []int{1, 7, ksTracks, ksTracks + 5} {
				t.Run(fmt.Sprintf("%s/size %d", c.name, size), func(t *testing.T) {
					where := strings.ReplaceAll(c.where, "false", map[bool]string{true: "false", false: "0"}[srv.name == "postgres"])
					want := ksOracle(t, srv.db, where, c.order, size)
					s := session.New(session.DB(srv.db), session.Options{Registry: reg})
					q := c.query(s)
					var got [][]int64
					var last *session.PageOf[ksTrack]
					req := session.PageRequest{Size: size}
					for {
						p, err := q.Page(ctx, req)
						if err != nil {
							t.Fatalf("page %d: %v", len(got), err)
						}
						if p.HasPrev != (len(got) > 0) || p.HasPrev != (p.Prev != "") || p.HasNext != (p.Next != "") {
							t.Fatalf("page %d: HasPrev %v Prev %q HasNext %v Next %q", len(got), p.HasPrev, p.Prev, p.HasNext, p.Next)
						}
						got = append(got, ids(p.Items))
						last = p
						if !p.HasNext {
							break
						}
						if len(got) > ksTracks+1 {
							t.Fatal("no end")
						}
						req = session.PageRequest{Size: size, After: p.Next}
					}
					if !slices.EqualFunc(got, want, slices.Equal) {
						t.Fatalf("forward pages\n got %v\nwant %v", got, want)
					}
					// Back from the last page: the same pages, in reverse.
					var back [][]int64
					for p := last; p.HasPrev; {
						var err error
						p, err = q.Page(ctx, session.PageRequest{Size: size, Before: p.Prev})
						if err != nil {
							t.Fatalf("page before: %v", err)
						}
						if !p.HasNext || p.Next == "" {
							t.Fatalf("a page reached going back has no Next")
						}
						back = append(back, ids(p.Items))
						if len(back) > ksTracks+1 {
							t.Fatal("no end")
						}
					}
					slices.Reverse(back)
					if !slices.EqualFunc(back, want[:len(want)-1], slices.Equal) {
						t.Fatalf("backward pages\n got %v\nwant %v", back, want[:len(want)-1])
					}
				})
			}
		}
	})
}

// TestKeysetCursorRefused: a cursor of another ordering, direction, NULLS
// order or model, or text that is not a cursor, is refused before any
// statement, wrapping ErrInvalidCursor; bad requests are refused too.
func TestKeysetCursorRefused(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := ksSeed(t, srv)
		s := session.New(session.DB(srv.db), session.Options{Registry: reg})
		first, err := session.Query[ksTrack](s).OrderBy("Name").Page(ctx, session.PageRequest{Size: 3})
		if err != nil || first.Next == "" {
			t.Fatalf("%v %+v", err, first)
		}
		rated, err := session.Query[ksTrack](s).OrderBy("Rating").Page(ctx, session.PageRequest{Size: 3})
		if err != nil || rated.Next == "" {
			t.Fatalf("%v %+v", err, rated)
		}
		artists, err := session.Query[ksArtist](s).OrderBy("Name").Page(ctx, session.PageRequest{Size: 1})
		if err != nil || artists.Next == "" {
			t.Fatalf("%v %+v", err, artists)
		}
		q := session.Query[ksTrack](s)
		for _, c := range []struct {
			name   string
			q      *session.QueryOf[ksTrack]
			cursor string
		}{
			{"other column", q.OrderBy("Price"), first.Next},
			{"other direction", q.OrderBy("-Name"), first.Next},
			{"more columns", q.OrderBy("Name", "Price"), first.Next},
			{"NULLS order", q.OrderBy(core.Asc(q.C("Rating")).NullsFirst()), rated.Next},
			{"other model", q.OrderBy("Name"), artists.Next},
			{"not base64", q.OrderBy("Name"), "%%%"},
			{"truncated", q.OrderBy("Name"), first.Next[:len(first.Next)-3]},
			{"empty bytes", q.OrderBy("Name"), "AA"},
		} {
			srv.log.take()
			_, err := c.q.Page(ctx, session.PageRequest{Size: 3, After: c.cursor})
			if !errors.Is(err, session.ErrInvalidCursor) || !strings.Contains(err.Error(), "ksTrack") {
				t.Errorf("%s: %v", c.name, err)
			}
			if sent := srv.log.take(); len(sent) > 0 {
				t.Errorf("%s: statements sent: %v", c.name, sent)
			}
		}
		for _, c := range []struct {
			name string
			q    *session.QueryOf[ksTrack]
			req  session.PageRequest
			want error
		}{
			{"size 0", q.OrderBy("Name"), session.PageRequest{}, nil},
			{"both cursors", q.OrderBy("Name"), session.PageRequest{Size: 1, After: first.Next, Before: first.Next}, nil},
			{"own limit", q.OrderBy("Name").Limit(3), session.PageRequest{Size: 1}, session.ErrKeysetOrder},
			{"expression", q.OrderBy(core.Lower(q.C("Name"))), session.PageRequest{Size: 1}, session.ErrKeysetOrder},
		} {
			_, err := c.q.Page(ctx, c.req)
			if err == nil || c.want != nil && !errors.Is(err, c.want) {
				t.Errorf("%s: %v", c.name, err)
			}
		}
	})
}

// TestKeysetWithLoaderOptions: pages load relationships as All does, and
// the same cursor reads the same page in a new session.
func TestKeysetWithLoaderOptions(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := ksSeed(t, srv)
		s := session.New(session.DB(srv.db), session.Options{Registry: reg})
		q := session.Query[ksTrack](s).Options(loader.Joined("Album", loader.SelectIn("Artist"))).OrderBy("-Score", "Name")
		p1, err := q.Page(ctx, session.PageRequest{Size: 10})
		if err != nil {
			t.Fatal(err)
		}
		p2, err := q.Page(ctx, session.PageRequest{Size: 10, After: p1.Next})
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range append(p1.Items, p2.Items...) {
			if tr.Album == nil || tr.Album.ID != tr.AlbumID || tr.Album.ArtistID != nil && tr.Album.Artist == nil {
				t.Fatalf("track %d: album not loaded: %+v", tr.ID, tr.Album)
			}
		}
		s2 := session.New(session.DB(srv.db), session.Options{Registry: reg})
		again, err := session.Query[ksTrack](s2).OrderBy("-Score", "Name").Page(ctx, session.PageRequest{Size: 10, After: p1.Next})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(again.Items), ids(p2.Items)) {
			t.Errorf("new session: %v, want %v", ids(again.Items), ids(p2.Items))
		}
	})
}

// TestKeysetEmptyPage: a cursor whose following objects were deleted
// since gives an empty page without cursors; rows inserted before a
// cursor do not shift the page after it.
func TestKeysetEmptyPage(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := ksSeed(t, srv)
		s := session.New(session.DB(srv.db), session.Options{Registry: reg})
		q := session.Query[ksTrack](s).OrderBy("ID")
		p, err := q.Page(ctx, session.PageRequest{Size: ksTracks - 2})
		if err != nil || !p.HasNext || p.HasPrev {
			t.Fatalf("%v %+v", err, p)
		}
		if _, err := srv.db.Exec(ctx, core.Raw("DELETE FROM ks_tracks WHERE id > 58")); err != nil {
			t.Fatal(err)
		}
		if _, err := srv.db.Exec(ctx, core.Raw("INSERT INTO ks_tracks (id, name, album_id, price, score, added, flag) SELECT -id, name, album_id, price, score, added, flag FROM ks_tracks WHERE id < 5")); err != nil {
			t.Fatal(err)
		}
		empty, err := q.Page(ctx, session.PageRequest{Size: 5, After: p.Next})
		if err != nil || len(empty.Items) != 0 || empty.HasNext || empty.HasPrev || empty.Next != "" || empty.Prev != "" {
			t.Fatalf("%v %+v", err, empty)
		}
		mid, err := q.Page(ctx, session.PageRequest{Size: 3, Before: p.Next})
		if err != nil || !slices.Equal(ids(mid.Items), []int64{56, 57, 58}) || !mid.HasPrev || !mid.HasNext {
			t.Fatalf("%v %v", err, ids(mid.Items))
		}
	})
}
