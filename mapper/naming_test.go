package mapper_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/mapper"
)

func TestSnakeCaseNames(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"ID", "id"}, {"AuthorID", "author_id"}, {"S3Key", "s3_key"}, {"HTTPServer", "http_server"},
		{"OAuth2Token", "o_auth2_token"}, {"UserIDs", "user_ids"}, {"Line2", "line2"}, {"PlaylistId", "playlist_id"},
	} {
		if got := mapper.SnakeCase.ColumnName(c.in); got != c.want {
			t.Errorf("SnakeCase.ColumnName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	for _, c := range []struct{ in, want string }{
		{"Book", "books"}, {"Category", "categories"}, {"Address", "addresses"}, {"S3Object", "s3_objects"},
		{"HTTPLog", "http_logs"},
	} {
		if got := mapper.SnakeCase.TableName(c.in); got != c.want {
			t.Errorf("SnakeCase.TableName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// Chinook-style models: keys named <Model>Id, an association table whose
// columns are the keys' names.
type Artist struct {
	ArtistId int64 `athanor:",pk"`
	Name     string
}

type Album struct {
	AlbumId  int64 `athanor:",pk"`
	Title    string
	ArtistId int64
	Artist   *Artist
}

type Playlist struct {
	PlaylistId int64 `athanor:",pk"`
	Name       string
	Tracks     []*Track `athanor:",secondary:playlist_track"`
}

type Track struct {
	TrackId int64 `athanor:",pk"`
	S3Key   string
	Memo    string `athanor:"note"`
}

type nmNamed struct {
	_     struct{} `athanor:",table:explicit_table"`
	ID    int64
	Value string
}

type nmTabler struct {
	ID int64
}

func (nmTabler) TableName() string { return "from_method" }

func cols(m *mapper.Model) []string {
	var out []string
	for _, c := range m.Table().Columns() {
		out = append(out, c.Name)
	}
	return out
}

func TestNamingStrategy(t *testing.T) {
	keep := func(s string) string { return s }
	upper := func(s string) string { return "T_" + strings.ToUpper(s) }
	cases := []struct {
		name       string
		naming     mapper.Naming
		album      string   // table of Album
		albumCols  []string // columns of Album
		track      []string // columns of Track
		assocCols  []string // columns of playlist_track
		namedTable string
	}{
		{"default", nil, "albums", []string{"album_id", "title", "artist_id"}, []string{"track_id", "s3_key", "note"},
			[]string{"playlist_id", "track_id"}, "explicit_table"},
		{"snake", mapper.SnakeCase, "albums", []string{"album_id", "title", "artist_id"}, []string{"track_id", "s3_key", "note"},
			[]string{"playlist_id", "track_id"}, "explicit_table"},
		{"keep", mapper.NamingFuncs{Table: keep, Column: keep}, "Album", []string{"AlbumId", "Title", "ArtistId"},
			[]string{"TrackId", "S3Key", "note"}, []string{"PlaylistId", "TrackId"}, "explicit_table"},
		{"table only", mapper.NamingFuncs{Table: upper}, "T_ALBUM", []string{"album_id", "title", "artist_id"},
			[]string{"track_id", "s3_key", "note"}, []string{"playlist_id", "track_id"}, "explicit_table"},
		{"column only", mapper.NamingFuncs{Column: strings.ToUpper}, "albums", []string{"ALBUMID", "TITLE", "ARTISTID"},
			[]string{"TRACKID", "S3KEY", "note"}, []string{"PLAYLISTID", "TRACKID"}, "explicit_table"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			reg := mapper.NewRegistry()
			if c.naming != nil {
				reg = mapper.NewRegistry(mapper.WithNaming(c.naming))
			}
			album, err := mapper.RegisterIn[Album](reg)
			if err != nil {
				t.Fatal(err)
			}
			if got := album.Table().Name(); got != c.album {
				t.Errorf("album table %q, want %q", got, c.album)
			}
			if got := cols(album); !slices.Equal(got, c.albumCols) {
				t.Errorf("album columns %q, want %q", got, c.albumCols)
			}
			// The foreign key is inferred from the key's name under the
			// strategy: ArtistId for Artist's ArtistId.
			rel, _ := album.Relation("Artist")
			if len(rel.FK) != 1 || rel.FK[0].Name != "ArtistId" {
				t.Errorf("album → artist key %v", rel.FK)
			}
			fks := album.Table().ForeignKeys()
			if len(fks) != 1 || fks[0].Columns[0] != c.albumCols[2] || fks[0].RefColumns[0] != c.albumCols[2] {
				t.Errorf("album foreign keys %+v", fks)
			}
			pl, err := mapper.RegisterIn[Playlist](reg)
			if err != nil {
				t.Fatal(err)
			}
			tr, _ := reg.Lookup(reflect.TypeFor[Track]())
			if got := cols(tr); !slices.Equal(got, c.track) {
				t.Errorf("track columns %q, want %q", got, c.track)
			}
			rel, _ = pl.Relation("Tracks")
			var assoc []string
			for _, col := range rel.Secondary.Columns() {
				assoc = append(assoc, col.Name)
			}
			if !slices.Equal(assoc, c.assocCols) {
				t.Errorf("association columns %q, want %q", assoc, c.assocCols)
			}
			named, err := mapper.RegisterIn[nmNamed](reg)
			if err != nil {
				t.Fatal(err)
			}
			if named.Table().Name() != c.namedTable {
				t.Errorf("table: tag lost: %q", named.Table().Name())
			}
			tabler, err := mapper.RegisterIn[nmTabler](reg)
			if err != nil {
				t.Fatal(err)
			}
			if tabler.Table().Name() != "from_method" {
				t.Errorf("TableName method lost: %q", tabler.Table().Name())
			}
			if _, err := reg.MetaData(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestRegistryFieldColumn(t *testing.T) {
	type model struct {
		ID       int64
		S3Key    string
		Memo     string `athanor:"note,size:10"`
		Hidden   string `athanor:"-"`
		ArtistId int64
		Artist   *Artist
		Albums   []*Album
	}
	st := reflect.TypeFor[model]()
	for _, c := range []struct {
		naming mapper.Naming
		want   map[string]string // field → column; "" for none
	}{
		{mapper.SnakeCase, map[string]string{"ID": "id", "S3Key": "s3_key", "Memo": "note", "Hidden": "", "ArtistId": "artist_id",
			"Artist": "", "Albums": ""}},
		{mapper.NamingFuncs{Column: strings.ToUpper}, map[string]string{"ID": "ID", "S3Key": "S3KEY", "Memo": "note", "Hidden": ""}},
	} {
		reg := mapper.NewRegistry(mapper.WithNaming(c.naming))
		for field, want := range c.want {
			f, _ := st.FieldByName(field)
			got, ok := reg.FieldColumn(f)
			if ok != (want != "") || got != want {
				t.Errorf("FieldColumn(%s) = %q, %v; want %q", field, got, ok, want)
			}
		}
	}
}

func TestWithNilNaming(t *testing.T) {
	if n := mapper.NewRegistry(mapper.WithNaming(nil)).Naming(); n != mapper.SnakeCase {
		t.Errorf("WithNaming(nil) gives %v", n)
	}
}
