package mapper_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/mapper"
)

// Models for the registration-order tests (issue 14, bug 6): a one-to-many
// with its backref, a many-to-many, a model reaching a registered one, a
// one-to-many whose key is a column tag on a model that does not point
// back, a self-referential one-to-many and many-to-many, a one-to-one with
// the key on the target.
type (
	OrdAuthor struct {
		ID    int64
		Name  string
		Books []*OrdBook `athanor:",backref:Author"`
	}
	OrdBook struct {
		ID          int64
		Title       string
		AuthorID    int64
		Author      *OrdAuthor
		PublisherID *int64    `athanor:",fk:ord_publishers.id"`
		Tags        []*OrdTag `athanor:",secondary:ord_book_tags"`
	}
	OrdTag struct {
		ID    int64
		Name  string
		Books []*OrdBook `athanor:",secondary:ord_book_tags"`
	}
	OrdReview struct {
		ID     int64
		BookID int64
		Book   *OrdBook
	}
	OrdPublisher struct {
		ID    int64
		Name  string
		Books []*OrdBook
	}
	OrdEmployee struct {
		ID        int64
		ManagerID *int64
		Manager   *OrdEmployee
		Reports   []*OrdEmployee `athanor:",backref:Manager"`
		Mentors   []*OrdEmployee `athanor:",secondary:ord_mentorships,joincol:mentee_id,inversecol:mentor_id"`
		Mentees   []*OrdEmployee `athanor:",secondary:ord_mentorships,joincol:mentor_id,inversecol:mentee_id"`
		Profile   *OrdProfile
	}
	OrdProfile struct {
		EmployeeID int64 `athanor:",pk,noautoincrement,fk:ord_employees.id"`
		Bio        string
	}
)

// Association models (bug 10): ord_playlist_tracks is the secondary of
// OrdPlaylist.Tracks and the table of OrdPlaylistTrack (plain columns) or
// OrdPlaylistEntry (with relationships to both sides).
type (
	OrdPlaylist struct {
		ID     int64
		Name   string
		Tracks []*OrdTrack `athanor:",secondary:ord_playlist_tracks"`
	}
	OrdTrack struct {
		ID   int64
		Name string
	}
	OrdPlaylistTrack struct {
		OrdPlaylistID int64 `athanor:",pk,fk:ord_playlists.id"`
		OrdTrackID    int64 `athanor:",pk,fk:ord_tracks.id"`
		AddedAt       *time.Time
	}
	OrdPlaylistEntry struct {
		_             struct{}     `athanor:",table:ord_playlist_tracks"`
		OrdPlaylistID int64        `athanor:",pk"`
		OrdTrackID    int64        `athanor:",pk"`
		Position      int          `athanor:",default:0"`
		Playlist      *OrdPlaylist `athanor:",fk:ord_playlist_id"`
		Track         *OrdTrack    `athanor:",fk:ord_track_id"`
	}
)

// describe renders everything registration decides, by name, so that two
// registries can be compared.
func describe(t *testing.T, reg *mapper.Registry) string {
	t.Helper()
	var b strings.Builder
	md, err := reg.MetaData()
	if err != nil {
		t.Fatalf("MetaData: %v", err)
	}
	tables, err := md.Tables()
	if err != nil {
		t.Fatalf("MetaData tables: %v", err)
	}
	for _, tb := range tables {
		fmt.Fprintf(&b, "table %s pk=%v\n", tb.FullName(), tb.PrimaryKey())
		for _, c := range tb.Columns() {
			fmt.Fprintf(&b, "  %s %s null=%v ai=%v\n", c.Name, c.Type.Kind, c.Nullable, c.AutoIncrement)
		}
		for _, fk := range tb.ForeignKeys() {
			fmt.Fprintf(&b, "  fk %v → %s%v %v\n", fk.Columns, fk.RefTable, fk.RefColumns, fk.OnDelete)
		}
		for _, ix := range tb.Indexes() {
			fmt.Fprintf(&b, "  index %v\n", ix.Columns)
		}
	}
	for _, m := range reg.Models() {
		fmt.Fprintf(&b, "model %s → %s\n", m.Name, m.Table().FullName())
		for _, r := range m.Relations() {
			fmt.Fprintf(&b, "  %s %s → %s", r.Name, r.Kind, r.Target.Name)
			for _, f := range r.FK {
				fmt.Fprintf(&b, " fk %s.%s", f.Name, f.Column)
			}
			if r.Backref != nil {
				fmt.Fprintf(&b, " backref %s.%s", r.Backref.Owner.Name, r.Backref.Name)
			}
			if r.Secondary != nil {
				fmt.Fprintf(&b, " via %s(%s, %s)", r.Secondary.FullName(), r.SecondaryOwnerCols[0].Name, r.SecondaryTargetColumns[0].Name)
			}
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// permutations calls f with every order of ts.
func permutations(ts []reflect.Type, f func([]reflect.Type)) {
	var rec func(int)
	rec = func(k int) {
		if k == len(ts) {
			f(ts)
			return
		}
		for i := k; i < len(ts); i++ {
			ts[k], ts[i] = ts[i], ts[k]
			rec(k + 1)
			ts[k], ts[i] = ts[i], ts[k]
		}
	}
	rec(0)
}

// registerEach registers ts one call at a time.
func registerEach(reg *mapper.Registry, ts []reflect.Type) error {
	for _, t := range ts {
		if _, err := reg.Register(t); err != nil {
			return fmt.Errorf("register %s: %w", t.Name(), err)
		}
	}
	return nil
}

func orderName(ts []reflect.Type) string {
	var ns []string
	for _, t := range ts {
		ns = append(ns, strings.TrimPrefix(t.Name(), "Ord"))
	}
	return strings.Join(ns, ",")
}

// checkAllOrders registers every permutation of ts one model per call and
// compares each registry with want.
func checkAllOrders(t *testing.T, ts []reflect.Type, want string) {
	t.Helper()
	n, failed := 0, 0
	permutations(ts, func(order []reflect.Type) {
		n++
		reg := mapper.NewRegistry()
		err := registerEach(reg, order)
		if err == nil {
			if got := describe(t, reg); got != want {
				err = fmt.Errorf("registry differs:\n%s\nwant:\n%s", got, want)
			}
		}
		if err != nil {
			if failed++; failed <= 3 {
				t.Errorf("order %s: %v", orderName(order), err)
			}
		}
	})
	if failed > 0 {
		t.Errorf("%d of %d orders failed", failed, n)
	}
}

func TestRegistrationOrder(t *testing.T) {
	types := []reflect.Type{
		reflect.TypeFor[OrdAuthor](), reflect.TypeFor[OrdBook](), reflect.TypeFor[OrdTag](), reflect.TypeFor[OrdReview](),
		reflect.TypeFor[OrdPublisher](), reflect.TypeFor[OrdEmployee](), reflect.TypeFor[OrdProfile](),
	}
	ref := mapper.NewRegistry()
	if err := registerEach(ref, types); err != nil {
		t.Fatal(err)
	}
	rel := func(model any, name string) *mapper.Relation {
		m, ok := ref.Lookup(reflect.TypeOf(model))
		if !ok {
			t.Fatalf("%T not registered", model)
		}
		r, ok := m.Relation(name)
		if !ok {
			t.Fatalf("%s has no relation %s", m.Name, name)
		}
		return r
	}
	books, author := rel(OrdAuthor{}, "Books"), rel(OrdBook{}, "Author")
	tags, tagBooks := rel(OrdBook{}, "Tags"), rel(OrdTag{}, "Books")
	pubBooks, review := rel(OrdPublisher{}, "Books"), rel(OrdReview{}, "Book")
	mgr, reports := rel(OrdEmployee{}, "Manager"), rel(OrdEmployee{}, "Reports")
	mentors, mentees, profile := rel(OrdEmployee{}, "Mentors"), rel(OrdEmployee{}, "Mentees"), rel(OrdEmployee{}, "Profile")
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{"one-to-many with backref", books.Kind == mapper.OneToMany && books.FK[0].Column == "author_id" && books.Backref == author && author.Backref == books},
		{"many-to-many paired", tags.Kind == mapper.ManyToMany && tags.Backref == tagBooks && tags.SecondaryOwnerCols[0].Name == "ord_book_id" && tags.SecondaryTargetColumns[0].Name == "ord_tag_id"},
		{"one-to-many by a column tag", pubBooks.Kind == mapper.OneToMany && pubBooks.FK[0].Column == "publisher_id" && pubBooks.Backref == nil},
		{"many-to-one to a model with a pair", review.Kind == mapper.ManyToOne && review.FK[0].Column == "book_id"},
		{"self-referential pair", mgr.Kind == mapper.ManyToOne && reports.Kind == mapper.OneToMany && reports.Backref == mgr},
		{"self-referential many-to-many", mentors.Backref == mentees && mentors.Secondary.Name() == "ord_mentorships"},
		{"one-to-one, key on target", profile.Kind == mapper.OneToOne && profile.FK[0].Column == "employee_id"},
	} {
		if !c.ok {
			t.Errorf("%s: wrong", c.name)
		}
	}
	want := describe(t, ref)
	if testing.Short() {
		types = types[:5]
		ref = mapper.NewRegistry()
		if err := registerEach(ref, types); err != nil {
			t.Fatal(err)
		}
		want = describe(t, ref)
	}
	checkAllOrders(t, types, want)
}

// The order of the issue: Book, then Author (Author.Books backref Author),
// then a model reaching Book.
func TestRegistrationOrderIssue(t *testing.T) {
	reg := mapper.NewRegistry()
	for _, register := range []func(*mapper.Registry) (*mapper.Model, error){
		mapper.RegisterIn[OrdBook], mapper.RegisterIn[OrdAuthor], mapper.RegisterIn[OrdReview], mapper.RegisterIn[OrdProfile], mapper.RegisterIn[OrdEmployee],
	} {
		if _, err := register(reg); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := reg.MetaData(); err != nil {
		t.Fatal(err)
	}
}

func TestAssociationModelAnyOrder(t *testing.T) {
	for _, c := range []struct {
		name  string
		assoc reflect.Type
		cols  string
	}{
		{"plain", reflect.TypeFor[OrdPlaylistTrack](), "ord_playlist_id,ord_track_id,added_at"},
		{"with relationships", reflect.TypeFor[OrdPlaylistEntry](), "ord_playlist_id,ord_track_id,position"},
	} {
		t.Run(c.name, func(t *testing.T) {
			types := []reflect.Type{reflect.TypeFor[OrdPlaylist](), reflect.TypeFor[OrdTrack](), c.assoc}
			ref := mapper.NewRegistry()
			// The order of the issue: the many-to-many synthesizes the
			// table, then a model maps it.
			if err := registerEach(ref, types); err != nil {
				t.Fatal(err)
			}
			md, err := ref.MetaData()
			if err != nil {
				t.Fatal(err)
			}
			tb, ok := md.Table("ord_playlist_tracks")
			if !ok {
				t.Fatal("no ord_playlist_tracks")
			}
			var cols []string
			for _, col := range tb.Columns() {
				cols = append(cols, col.Name)
			}
			if got := strings.Join(cols, ","); got != c.cols {
				t.Errorf("association table columns %s, want the model's %s", got, c.cols)
			}
			tables, _ := md.Tables()
			if len(tables) != 3 {
				t.Errorf("%d tables, want 3", len(tables))
			}
			checkAllOrders(t, types, describe(t, ref))
		})
	}
}

// A model whose table cannot serve the many-to-many fails in every order,
// naming the model and the relationship.
type (
	OrdBadKeys struct {
		_          struct{} `athanor:",table:ord_playlist_tracks"`
		PlaylistID int64    `athanor:",pk"`
		TrackID    int64    `athanor:",pk"`
	}
	OrdBadExtra struct {
		_             struct{} `athanor:",table:ord_playlist_tracks"`
		OrdPlaylistID int64    `athanor:",pk"`
		OrdTrackID    int64    `athanor:",pk"`
		Rank          int      // NOT NULL, no default
	}
	OrdBadType struct {
		_             struct{} `athanor:",table:ord_playlist_tracks"`
		OrdPlaylistID string   `athanor:",pk"`
		OrdTrackID    int64    `athanor:",pk"`
	}
	OrdBadWithRel struct {
		_          struct{} `athanor:",table:ord_playlist_tracks"`
		PlaylistID int64    `athanor:",pk"`
		TrackID    int64    `athanor:",pk"`
		Playlist   *OrdPlaylist
	}
)

func TestAssociationModelConflict(t *testing.T) {
	playlist := reflect.TypeFor[OrdPlaylist]()
	for _, c := range []struct {
		name   string
		order  []reflect.Type
		reason string
	}{
		{"other keys, after", []reflect.Type{playlist, reflect.TypeFor[OrdBadKeys]()}, `no column "ord_playlist_id"`},
		{"other keys, before", []reflect.Type{reflect.TypeFor[OrdBadKeys](), playlist}, `no column "ord_playlist_id"`},
		{"extra not null, after", []reflect.Type{playlist, reflect.TypeFor[OrdBadExtra]()}, `column "rank" is NOT NULL without a default`},
		{"extra not null, before", []reflect.Type{reflect.TypeFor[OrdBadExtra](), playlist}, `column "rank" is NOT NULL without a default`},
		{"key type, after", []reflect.Type{playlist, reflect.TypeFor[OrdBadType]()}, `column "ord_playlist_id" is string, the key it holds is bigint`},
		{"same call", []reflect.Type{reflect.TypeFor[OrdBadWithRel]()}, `no column "ord_playlist_id"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := registerEach(mapper.NewRegistry(), c.order)
			if err == nil {
				t.Fatal("registered")
			}
			bad := c.order[0].Name() // the association model
			if c.order[0] == playlist {
				bad = c.order[1].Name()
			}
			for _, s := range []string{bad, "OrdPlaylist", "Tracks", "ord_playlist_tracks", c.reason} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
			if !errors.Is(err, mapper.ErrBadRelation) {
				t.Errorf("error %v is not ErrBadRelation", err)
			}
		})
	}
	// A failed registration leaves the synthesized table in place.
	reg := mapper.NewRegistry()
	if _, err := mapper.RegisterIn[OrdPlaylist](reg); err != nil {
		t.Fatal(err)
	}
	if _, err := mapper.RegisterIn[OrdBadKeys](reg); err == nil {
		t.Fatal("registered")
	}
	md, err := reg.MetaData()
	if err != nil {
		t.Fatal(err)
	}
	if tb, ok := md.Table("ord_playlist_tracks"); !ok || tb.Columns()[0].Name != "ord_playlist_id" {
		t.Errorf("synthesized table lost: %v", tb)
	}
}

// A fk: tag naming a missing column fails whichever model is registered
// first.
type (
	OrdBadRef struct {
		ID       int64
		TargetID int64 `athanor:",fk:ord_ref_targets.nope"`
	}
	OrdRefTarget struct {
		ID int64
	}
)

func TestBadForeignKeyTagAnyOrder(t *testing.T) {
	ref, target := reflect.TypeFor[OrdBadRef](), reflect.TypeFor[OrdRefTarget]()
	for _, order := range [][]reflect.Type{{ref, target}, {target, ref}} {
		err := registerEach(mapper.NewRegistry(), order)
		if !errors.Is(err, mapper.ErrUnknownColumn) || !strings.Contains(err.Error(), "OrdBadRef") ||
			!strings.Contains(err.Error(), "TargetID") || !strings.Contains(err.Error(), `no column "nope"`) {
			t.Errorf("order %s: %v", orderName(order), err)
		}
	}
}
