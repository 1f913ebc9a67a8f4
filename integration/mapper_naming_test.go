package integration_test

// Issue 14 on PostgreSQL, MariaDB and SQLite: one naming rule for the
// mapper and the engine's scanner (session.Scan reads a model's own
// SELECT), and models registered one call at a time, in any order, give a
// schema CreateAll builds and the session writes.

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

// nmDialects runs body on a fresh database of each server.
func nmDialects(t *testing.T, body func(t *testing.T, db *engine.DB)) {
	for _, k := range []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"postgres", func(t *testing.T) string { return testdb.PG(t).Primary.URL() }},
		{"mariadb", func(t *testing.T) string { return testdb.MySQL(t).Primary.URL() }},
		{"sqlite", func(t *testing.T) string { return "sqlite://" + testdb.SQLite(t) }},
	} {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			db, _ := openORM(t, k.dsn(t))
			body(t, db)
		})
	}
}

// nmObject has field names whose snake_case the mapper and the scanner
// once disagreed on (S3Key: s3key vs s3_key), a tagged column name and a
// relationship field.
type nmObject struct {
	ID          int64
	S3Key       string `athanor:",size:100"`
	HTTPServer  string
	OAuth2Token string
	UserIDs     string
	Memo        string `athanor:"note"`
	BucketID    *int64
	Bucket      *nmBucket
}

type nmBucket struct {
	ID   int64
	Name string
}

func TestSessionScanReadsModelSelect(t *testing.T) {
	keep := func(s string) string { return s }
	for _, c := range []struct {
		name   string
		naming mapper.Naming
		column string // the column of S3Key
	}{
		{"snake_case", mapper.SnakeCase, "s3_key"},
		{"go names", mapper.NamingFuncs{Table: keep, Column: keep}, "S3Key"},
	} {
		t.Run(c.name, func(t *testing.T) {
			nmDialects(t, func(t *testing.T, db *engine.DB) {
				ctx := context.Background()
				reg := mapper.NewRegistry(mapper.WithNaming(c.naming))
				m, err := mapper.RegisterIn[nmObject](reg)
				if err != nil {
					t.Fatal(err)
				}
				if f, _ := m.Field("S3Key"); f.Column != c.column {
					t.Fatalf("S3Key maps to %q, want %q", f.Column, c.column)
				}
				createORMSchema(t, db, reg)
				s := session.New(session.DB(db), session.Options{Registry: reg})
				want := nmObject{S3Key: "bucket/key.txt", HTTPServer: "nginx", OAuth2Token: "tok", UserIDs: "1,2", Memo: "hello",
					Bucket: &nmBucket{Name: "b1"}}
				if err := s.Add(&want); err != nil {
					t.Fatal(err)
				}
				if err := s.Commit(ctx); err != nil {
					t.Fatal(err)
				}
				// The model's own SELECT, scanned by the engine's scanner.
				got, err := session.Scan[nmObject](ctx, s, m.SelectAll())
				if err != nil {
					t.Fatalf("Scan of the model's SELECT: %v", err)
				}
				if want.BucketID == nil || *want.BucketID != want.Bucket.ID {
					t.Fatalf("bucket key not set: %v", want.BucketID)
				}
				same := func(o nmObject) bool {
					return o.ID == want.ID && o.S3Key == want.S3Key && o.HTTPServer == want.HTTPServer && o.OAuth2Token == want.OAuth2Token &&
						o.UserIDs == want.UserIDs && o.Memo == want.Memo && o.BucketID != nil && *o.BucketID == *want.BucketID && o.Bucket == nil
				}
				if len(got) != 1 || !same(got[0]) {
					t.Fatalf("scanned %+v, want %+v", got, want)
				}
				ptrs, err := session.Scan[*nmObject](ctx, s, m.SelectAll())
				if err != nil || len(ptrs) != 1 || !same(*ptrs[0]) {
					t.Fatalf("Scan[*T]: %+v, %v", ptrs, err)
				}
			})
		})
	}
}

// Registration-order models: a one-to-many with its backref, a
// many-to-many whose association table is also a model, a model reaching
// a registered one, a self-referential pair, a one-to-one keyed on the
// target.
type (
	roAuthor struct {
		ID    int64
		Name  string    `athanor:",size:100"`
		Books []*roBook `athanor:",backref:Author"`
	}
	roBook struct {
		ID       int64
		Title    string
		AuthorID int64
		Author   *roAuthor
		Tags     []*roTag `athanor:",secondary:ro_book_tags"`
	}
	roTag struct {
		ID    int64
		Name  string    `athanor:",size:50"`
		Books []*roBook `athanor:",secondary:ro_book_tags"`
	}
	roBookTag struct {
		_        struct{} `athanor:",table:ro_book_tags"`
		RoBookID int64    `athanor:",pk,fk:ro_books.id"`
		RoTagID  int64    `athanor:",pk,fk:ro_tags.id"`
		AddedAt  *time.Time
	}
	roReview struct {
		ID     int64
		Stars  int
		BookID int64
		Book   *roBook
	}
	roEmployee struct {
		ID        int64
		Name      string `athanor:",size:50"`
		ManagerID *int64
		Manager   *roEmployee
		Reports   []*roEmployee `athanor:",backref:Manager"`
		Profile   *roProfile
	}
	roProfile struct {
		EmployeeID int64 `athanor:",pk,noautoincrement,fk:ro_employees.id"`
		Bio        string
	}
)

func TestRegistrationOrderCreateAll(t *testing.T) {
	orders := map[string][]reflect.Type{
		// Book (with Author) first, then a model reaching Book, the key
		// holder before its one-to-one, the association model last.
		"issue": {reflect.TypeFor[roBook](), reflect.TypeFor[roAuthor](), reflect.TypeFor[roReview](), reflect.TypeFor[roProfile](),
			reflect.TypeFor[roEmployee](), reflect.TypeFor[roBookTag]()},
		"reverse": {reflect.TypeFor[roBookTag](), reflect.TypeFor[roEmployee](), reflect.TypeFor[roProfile](), reflect.TypeFor[roReview](),
			reflect.TypeFor[roAuthor](), reflect.TypeFor[roBook]()},
	}
	for name, order := range orders {
		t.Run(name, func(t *testing.T) {
			nmDialects(t, func(t *testing.T, db *engine.DB) {
				ctx := context.Background()
				reg := mapper.NewRegistry()
				for _, ty := range order {
					if _, err := reg.Register(ty); err != nil {
						t.Fatalf("register %s: %v", ty.Name(), err)
					}
				}
				createORMSchema(t, db, reg)
				s := session.New(session.DB(db), session.Options{Registry: reg})
				a := &roAuthor{Name: "Le Guin"}
				sf, classic := &roTag{Name: "sf"}, &roTag{Name: "classic"}
				b1 := &roBook{Title: "The Dispossessed", Author: a, Tags: []*roTag{sf, classic}}
				b2 := &roBook{Title: "The Lathe of Heaven", Author: a, Tags: []*roTag{sf}}
				a.Books = []*roBook{b1, b2}
				boss := &roEmployee{Name: "boss", Profile: &roProfile{Bio: "runs it"}}
				mid := &roEmployee{Name: "mid", Manager: boss}
				boss.Reports = []*roEmployee{mid}
				if err := s.Add(a, &roReview{Stars: 5, Book: b1}, boss); err != nil {
					t.Fatal(err)
				}
				if err := s.Commit(ctx); err != nil {
					t.Fatal(err)
				}
				// The many-to-many's rows, read through the association model.
				links, err := session.Query[roBookTag](s).OrderBy("RoBookID", "RoTagID").All(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if len(links) != 3 || links[0].RoBookID != b1.ID || links[2].RoBookID != b2.ID || links[2].RoTagID != sf.ID {
					t.Fatalf("association rows %+v", links)
				}
				s2 := session.New(session.DB(db), session.Options{Registry: reg})
				got, err := session.Get[roBook](ctx, s2, b1.ID)
				if err != nil {
					t.Fatal(err)
				}
				for _, rel := range []string{"Tags", "Author"} {
					if err := s2.Load(ctx, got, rel); err != nil {
						t.Fatal(err)
					}
				}
				if len(got.Tags) != 2 || got.Author == nil || got.Author.Name != "Le Guin" {
					t.Fatalf("loaded %+v", got)
				}
				p, err := session.Get[roProfile](ctx, s2, boss.ID)
				if err != nil || p.Bio != "runs it" {
					t.Fatalf("profile %+v %v", p, err)
				}
			})
		})
	}
}
