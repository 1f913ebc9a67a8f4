package conformance

import (
	"context"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

// Playlist ↔ Track as a many-to-many through secondary:. The tag names the
// association table literally (the registry's naming does not apply to
// it), and so does joincol: (the model names differ from Playlist), so the
// two namings need two models that differ only in those tags;
// each is registered, with Track, in a registry of its own.

type PlaylistCols struct {
	PlaylistID int64 `athanor:",pk,noautoincrement"`
	Name       *string
}

type PlaylistPascal struct {
	_ struct{} `athanor:",table:Playlist"`
	PlaylistCols
	Tracks []*Track `athanor:",secondary:PlaylistTrack,joincol:PlaylistId"`
}

type PlaylistSnake struct {
	_ struct{} `athanor:",table:playlist"`
	PlaylistCols
	Tracks []*Track `athanor:",secondary:playlist_track,joincol:playlist_id"`
}

func (p *PlaylistPascal) cols() *PlaylistCols { return &p.PlaylistCols }
func (p *PlaylistPascal) tracks() *[]*Track   { return &p.Tracks }
func (p *PlaylistSnake) cols() *PlaylistCols  { return &p.PlaylistCols }
func (p *PlaylistSnake) tracks() *[]*Track    { return &p.Tracks }

type m2mPlaylist[P any] interface {
	*P
	cols() *PlaylistCols
	tracks() *[]*Track
}

// m2mRegistry registers the dialect's many-to-many playlist model.
func m2mRegistry(t *testing.T, base *mapper.Registry, pascal bool) *mapper.Registry {
	t.Helper()
	reg := mapper.NewRegistry(mapper.WithNaming(base.Naming()))
	var err error
	if pascal {
		_, err = mapper.RegisterIn[PlaylistPascal](reg)
	} else {
		_, err = mapper.RegisterIn[PlaylistSnake](reg)
	}
	if err != nil {
		t.Fatalf("register many-to-many playlist: %v", err)
	}
	return reg
}

// m2m runs fn with the dialect's playlist model.
func m2m(ctx context.Context, e *env, pascal func(context.Context, *session.Session) ([][]any, error), snake func(context.Context, *session.Session) ([][]any, error)) ([][]any, error) {
	s := session.New(session.DB(e.db), session.Options{Registry: e.m2mReg})
	if e.name == pg {
		return snake(ctx, s)
	}
	return pascal(ctx, s)
}

func m2mTracksOf[P any, PP m2mPlaylist[P]](ctx context.Context, s *session.Session) ([][]any, error) {
	q := session.Query[P](s)
	ps, err := q.Where(core.In(q.C("PlaylistID"), 3, 15, 16)).OrderBy("PlaylistID").Options(loader.SelectIn("Tracks").OrderBy("TrackID")).All(ctx)
	var out [][]any
	for _, p := range ps {
		pp := PP(p)
		for _, t := range *pp.tracks() {
			out = append(out, r(pp.cols().PlaylistID, t.TrackID, t.Name))
		}
	}
	return out, err
}

func m2mTopTracks[P any, PP m2mPlaylist[P]](ctx context.Context, s *session.Session) ([][]any, error) {
	ps, err := session.Query[P](s).OrderBy("PlaylistID").Options(loader.SelectIn("Tracks").OrderBy("-Milliseconds", "TrackID").Limit(2)).All(ctx)
	var out [][]any
	for _, p := range ps {
		pp := PP(p)
		for _, t := range *pp.tracks() {
			out = append(out, r(pp.cols().PlaylistID, t.TrackID))
		}
	}
	return out, err
}

func m2mEdit[P any, PP m2mPlaylist[P]](ctx context.Context, s *session.Session) ([][]any, error) {
	p, err := session.Query[P](s).Filter("PlaylistID", 14).Options(loader.SelectIn("Tracks").OrderBy("TrackID")).One(ctx)
	if err != nil {
		return nil, err
	}
	pp := PP(p)
	t, err := session.Get[Track](ctx, s, 1)
	if err != nil {
		return nil, err
	}
	ts := pp.tracks()
	*ts = append((*ts)[2:], t) // drop the first two, add track 1
	err = s.Commit(ctx)
	return nil, err
}

func m2mQuestions() []question {
	return []question{
		ormQ("m2m/selectin through the association table", `SELECT pt.PlaylistId, t.TrackId, t.Name FROM PlaylistTrack pt JOIN Track t ON t.TrackId = pt.TrackId WHERE pt.PlaylistId IN (3, 15, 16) ORDER BY pt.PlaylistId, t.TrackId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				return m2m(ctx, e, m2mTracksOf[PlaylistPascal], m2mTracksOf[PlaylistSnake])
			}),
		ormQ("m2m/limit per playlist", `SELECT x.PlaylistId, x.TrackId FROM (SELECT pt.PlaylistId, t.TrackId, ROW_NUMBER() OVER (PARTITION BY pt.PlaylistId ORDER BY t.Milliseconds DESC, t.TrackId) AS rn FROM PlaylistTrack pt JOIN Track t ON t.TrackId = pt.TrackId) x WHERE x.rn <= 2 ORDER BY x.PlaylistId, x.rn`,
			func(ctx context.Context, e *env) ([][]any, error) {
				return m2m(ctx, e, m2mTopTracks[PlaylistPascal], m2mTopTracks[PlaylistSnake])
			}),
		writeQ("m2m/add and remove members",
			`DELETE FROM PlaylistTrack WHERE PlaylistId = 14 AND TrackId IN (SELECT TrackId FROM (SELECT TrackId FROM PlaylistTrack WHERE PlaylistId = 14 ORDER BY TrackId LIMIT 2) x);
INSERT INTO PlaylistTrack (PlaylistId, TrackId) VALUES (14, 1)`,
			`SELECT TrackId FROM PlaylistTrack WHERE PlaylistId = 14 ORDER BY TrackId`,
			func(ctx context.Context, e *env) error {
				_, err := m2m(ctx, e, m2mEdit[PlaylistPascal], m2mEdit[PlaylistSnake])
				return err
			}),
	}
}
