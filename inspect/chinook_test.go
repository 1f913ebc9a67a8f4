package inspect_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/inspect"
	"github.com/athanor-orm/athanor/internal/testdb"
)

const chinookDir = "/work/shared/datasets/chinook"

// The Chinook schema as its three scripts define it, written out by hand:
// the PascalCase names of the MySQL and SQLite scripts (the PostgreSQL one
// uses the same names in snake_case), each column's declared type
// ("int": INT or INTEGER; "str N": NVARCHAR(N) or VARCHAR(N); "date":
// DATETIME or TIMESTAMP; "money": NUMERIC(10,2)) and NOT NULL, the primary
// keys, and the foreign keys, every one ON DELETE NO ACTION ON UPDATE NO
// ACTION and each with an index on its column.
type chCol struct {
	name, typ string
	notNull   bool
}

type chFK struct{ table, col, ref, refCol string }

var chinookTables = []struct {
	name string
	cols []chCol
	pk   []string
}{
	{"Album", []chCol{{"AlbumId", "int", true}, {"Title", "str 160", true}, {"ArtistId", "int", true}}, []string{"AlbumId"}},
	{"Artist", []chCol{{"ArtistId", "int", true}, {"Name", "str 120", false}}, []string{"ArtistId"}},
	{"Customer", []chCol{{"CustomerId", "int", true}, {"FirstName", "str 40", true}, {"LastName", "str 20", true},
		{"Company", "str 80", false}, {"Address", "str 70", false}, {"City", "str 40", false}, {"State", "str 40", false},
		{"Country", "str 40", false}, {"PostalCode", "str 10", false}, {"Phone", "str 24", false}, {"Fax", "str 24", false},
		{"Email", "str 60", true}, {"SupportRepId", "int", false}}, []string{"CustomerId"}},
	{"Employee", []chCol{{"EmployeeId", "int", true}, {"LastName", "str 20", true}, {"FirstName", "str 20", true},
		{"Title", "str 30", false}, {"ReportsTo", "int", false}, {"BirthDate", "date", false}, {"HireDate", "date", false},
		{"Address", "str 70", false}, {"City", "str 40", false}, {"State", "str 40", false}, {"Country", "str 40", false},
		{"PostalCode", "str 10", false}, {"Phone", "str 24", false}, {"Fax", "str 24", false}, {"Email", "str 60", false}},
		[]string{"EmployeeId"}},
	{"Genre", []chCol{{"GenreId", "int", true}, {"Name", "str 120", false}}, []string{"GenreId"}},
	{"Invoice", []chCol{{"InvoiceId", "int", true}, {"CustomerId", "int", true}, {"InvoiceDate", "date", true},
		{"BillingAddress", "str 70", false}, {"BillingCity", "str 40", false}, {"BillingState", "str 40", false},
		{"BillingCountry", "str 40", false}, {"BillingPostalCode", "str 10", false}, {"Total", "money", true}},
		[]string{"InvoiceId"}},
	{"InvoiceLine", []chCol{{"InvoiceLineId", "int", true}, {"InvoiceId", "int", true}, {"TrackId", "int", true},
		{"UnitPrice", "money", true}, {"Quantity", "int", true}}, []string{"InvoiceLineId"}},
	{"MediaType", []chCol{{"MediaTypeId", "int", true}, {"Name", "str 120", false}}, []string{"MediaTypeId"}},
	{"Playlist", []chCol{{"PlaylistId", "int", true}, {"Name", "str 120", false}}, []string{"PlaylistId"}},
	{"PlaylistTrack", []chCol{{"PlaylistId", "int", true}, {"TrackId", "int", true}}, []string{"PlaylistId", "TrackId"}},
	{"Track", []chCol{{"TrackId", "int", true}, {"Name", "str 200", true}, {"AlbumId", "int", false},
		{"MediaTypeId", "int", true}, {"GenreId", "int", false}, {"Composer", "str 220", false},
		{"Milliseconds", "int", true}, {"Bytes", "int", false}, {"UnitPrice", "money", true}}, []string{"TrackId"}},
}

var chinookFKs = []chFK{
	{"Album", "ArtistId", "Artist", "ArtistId"},
	{"Customer", "SupportRepId", "Employee", "EmployeeId"},
	{"Employee", "ReportsTo", "Employee", "EmployeeId"},
	{"Invoice", "CustomerId", "Customer", "CustomerId"},
	{"InvoiceLine", "InvoiceId", "Invoice", "InvoiceId"},
	{"InvoiceLine", "TrackId", "Track", "TrackId"},
	{"PlaylistTrack", "PlaylistId", "Playlist", "PlaylistId"},
	{"PlaylistTrack", "TrackId", "Track", "TrackId"},
	{"Track", "AlbumId", "Album", "AlbumId"},
	{"Track", "GenreId", "Genre", "GenreId"},
	{"Track", "MediaTypeId", "MediaType", "MediaTypeId"},
}

var upperRun = regexp.MustCompile(`([a-z])([A-Z])`)

// snake is the PostgreSQL script's spelling of a name: AlbumId, album_id.
func snake(s string) string { return strings.ToLower(upperRun.ReplaceAllString(s, "${1}_${2}")) }

// chinookExpected builds the expected definitions for one script: its
// names (snake_case on PostgreSQL), the types the server reports for the
// declared ones, and the constraint and index names the script gives
// (PostgreSQL <table>_<col>_fkey and <table>_<col>_idx; MySQL FK_<Table><Col>
// and IFK_<Table><Col>; SQLite names the indexes IFK_… but not the
// foreign keys).
func chinookExpected(dialect string) []core.TableDef {
	name := func(s string) string {
		if dialect == "postgres" {
			return snake(s)
		}
		return s
	}
	typ := func(t string) core.Type {
		switch {
		case t == "int" && dialect == "sqlite":
			return core.BigInt() // INTEGER
		case t == "int":
			return core.Int()
		case t == "date" && dialect == "mariadb":
			return core.Type{Kind: core.TypeNative, Native: "datetime"}
		case t == "date":
			return core.Timestamp()
		case t == "money":
			return core.Numeric(10, 2)
		}
		var n int
		for _, c := range strings.TrimPrefix(t, "str ") {
			n = n*10 + int(c-'0')
		}
		return core.String(n)
	}
	var out []core.TableDef
	for _, tb := range chinookTables {
		def := core.TableDef{Name: name(tb.name)}
		for _, c := range tb.cols {
			def.Columns = append(def.Columns, core.Column{Name: name(c.name), Type: typ(c.typ), Nullable: !c.notNull,
				PrimaryKey: strings.Contains(" "+strings.Join(tb.pk, " ")+" ", " "+c.name+" ")})
		}
		for _, fk := range chinookFKs {
			if fk.table != tb.name {
				continue
			}
			f := core.ForeignKey{Columns: []string{name(fk.col)}, RefTable: name(fk.ref), RefColumns: []string{name(fk.refCol)}}
			ix := core.Index{Columns: []string{name(fk.col)}}
			switch dialect {
			case "postgres":
				f.Name = name(fk.table) + "_" + name(fk.col) + "_fkey"
				ix.Name = name(fk.table) + "_" + name(fk.col) + "_idx"
			case "mariadb":
				f.Name = "FK_" + fk.table + fk.col
				ix.Name = "IFK_" + fk.table + fk.col
			case "sqlite":
				ix.Name = "IFK_" + fk.table + fk.col
			}
			def.ForeignKeys = append(def.ForeignKeys, f)
			def.Indexes = append(def.Indexes, ix)
		}
		out = append(out, def)
	}
	return out
}

var blockComment = regexp.MustCompile(`(?s)/\*.*?\*/`)

var statementEnd = regexp.MustCompile(`;[ \t\r]*(\n|$)`)

// chinookScript returns the statements of a script from its first CREATE
// TABLE to its end: the schema and the data, without the script's own
// DROP/CREATE DATABASE and connection switch. Statements end with a
// semicolon at the end of a line (the data holds none there).
func chinookScript(t *testing.T, file string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(chinookDir, file))
	if err != nil {
		if testdb.InCI() {
			t.Fatal(err)
		}
		t.Skipf("skipping: %v", err)
	}
	s := blockComment.ReplaceAllString(string(b), "")
	start := strings.Index(s, "CREATE TABLE")
	if start < 0 {
		t.Fatalf("%s: no CREATE TABLE", file)
	}
	var out []string
	for _, st := range statementEnd.Split(s[start:], -1) {
		if st = strings.TrimSpace(st); st != "" {
			out = append(out, st)
		}
	}
	return out
}

// TestChinook: reflecting the Chinook database, loaded from each
// dialect's script (schema and data) into a place of its own, gives the tables, columns, keys,
// foreign keys and indexes the script defines.
func TestChinook(t *testing.T) {
	ctx := context.Background()
	t.Run("postgres", func(t *testing.T) {
		db := open(t, testdb.Require(t, testdb.KindPostgres).Primary.URL())
		const schema = "inspect_chinook"
		drop := func() {
			if _, err := db.Exec(context.Background(), core.Raw("DROP SCHEMA IF EXISTS "+schema+" CASCADE")); err != nil {
				t.Errorf("drop schema: %v", err)
			}
		}
		drop()
		t.Cleanup(drop)
		tx, err := db.Begin(ctx, engine.TxOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		stmts := append([]string{"CREATE SCHEMA " + schema, "SET LOCAL search_path TO " + schema},
			chinookScript(t, "Chinook_PostgreSql.sql")...)
		for _, st := range stmts {
			if _, err := tx.Exec(ctx, scriptStmt(st)); err != nil {
				t.Fatalf("%.200s: %v", st, err)
			}
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		checkChinook(t, db, inspect.Options{Schema: schema}, schema)
	})
	t.Run("mariadb", func(t *testing.T) {
		ep := testdb.Require(t, testdb.KindMySQL).Primary
		admin := open(t, ep.URL())
		const name = "inspect_chinook"
		drop := func() {
			if _, err := admin.Exec(context.Background(), core.Raw("DROP DATABASE IF EXISTS "+name)); err != nil {
				t.Errorf("drop database: %v", err)
			}
		}
		drop()
		if _, err := admin.Exec(ctx, core.Raw("CREATE DATABASE "+name+" CHARACTER SET utf8mb4")); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(drop)
		db := open(t, ep.WithDatabase(name).URL())
		for _, st := range chinookScript(t, "Chinook_MySql.sql") {
			if _, err := db.Exec(ctx, scriptStmt(st)); err != nil {
				t.Fatalf("%.200s: %v", st, err)
			}
		}
		checkChinook(t, db, inspect.Options{}, "")
	})
	t.Run("sqlite", func(t *testing.T) {
		db := open(t, "sqlite://"+testdb.SQLite(t))
		for _, st := range chinookScript(t, "Chinook_Sqlite.sql") {
			if _, err := db.Exec(ctx, scriptStmt(st)); err != nil {
				t.Fatalf("%.200s: %v", st, err)
			}
		}
		checkChinook(t, db, inspect.Options{}, "")
	})
}

func checkChinook(t *testing.T, db *engine.DB, opts inspect.Options, schema string) {
	t.Helper()
	track := "Track"
	if db.Dialect().Name() == "postgres" {
		track = schema + ".track"
	}
	// The data loaded too (the README's count).
	if n, err := engine.One[int64](context.Background(), db, core.Raw("SELECT COUNT(*) FROM "+track)); err != nil || n != 3503 {
		t.Errorf("%s rows: %d, %v; want 3503", track, n, err)
	}
	s, err := inspect.Reflect(context.Background(), db, opts)
	if err != nil {
		t.Fatalf("Reflect: %v", err)
	}
	if len(s.Warnings) > 0 {
		t.Errorf("warnings: %q", s.Warnings)
	}
	want := chinookExpected(db.Dialect().Name())
	if len(s.Tables) != len(want) {
		var names []string
		for _, tb := range s.Tables {
			names = append(names, tb.Name)
		}
		t.Errorf("reflected %d tables %v, want %d", len(s.Tables), names, len(want))
	}
	nFK, nIx := 0, 0
	for _, w := range want {
		got, ok := s.Table(w.Name)
		if !ok {
			t.Errorf("table %q not reflected", w.Name)
			continue
		}
		if got.Schema != schema {
			t.Errorf("table %q: schema %q, want %q", w.Name, got.Schema, schema)
		}
		nFK += len(got.ForeignKeys)
		nIx += len(got.Indexes)
		diffs, err := inspect.Compare(db.Dialect(), w, got)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range diffs {
			t.Error(d)
		}
	}
	if nFK != 11 || nIx != 11 {
		t.Errorf("%d foreign keys and %d indexes, want 11 and 11", nFK, nIx)
	}
	// The reflection is a schema CreateAll accepts: here every table
	// exists, so it changes nothing and must not fail.
	md, err := s.MetaData()
	if err != nil {
		t.Fatalf("MetaData: %v", err)
	}
	if err := db.CreateAll(context.Background(), md); err != nil {
		t.Fatalf("CreateAll of the reflection: %v", err)
	}
}

// scriptStmt is a script's statement as Raw SQL, whose '?' is a
// placeholder: the data's question marks are doubled.
func scriptStmt(st string) core.Statement { return core.Raw(strings.ReplaceAll(st, "?", "??")) }
