package integration_test

// Exact decimals, enums and PostgreSQL arrays (issue 14, "Also build")
// through the ORM and through core on PostgreSQL, MariaDB and SQLite.

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

// ratMoney is a decimal of the user's own (a big.Rat behind sql.Scanner
// and driver.Valuer), mapped through its type: tag.
type ratMoney struct{ r *big.Rat }

func (m ratMoney) Value() (driver.Value, error) {
	if m.r == nil {
		return "0", nil
	}
	return m.r.FloatString(2), nil
}

func (m *ratMoney) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("ratMoney: cannot scan %T", src)
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return fmt.Errorf("ratMoney: bad number %q", s)
	}
	m.r = r
	return nil
}

type tyTrack struct {
	_         struct{}         `athanor:",table:ty_tracks"`
	ID        int64            `athanor:",pk"`
	Name      string           `athanor:",size:50"`
	UnitPrice athanor.Decimal  `athanor:",type:numeric(10,2)"`
	Cost      *athanor.Decimal `athanor:",precision:12,scale:3"`
	List      ratMoney         `athanor:",type:decimal(10,2)"`
	Big       athanor.Decimal  `athanor:",type:numeric(30,10)"` // beyond float64's 15-17 digits
}

type tyStatus string

func (tyStatus) EnumValues() []string { return []string{"draft", "published", "archived"} }

type tyPost struct {
	_      struct{} `athanor:",table:ty_posts"`
	ID     int64    `athanor:",pk"`
	Title  string   `athanor:",size:50"`
	Status tyStatus // enum through EnumValues; PostgreSQL type "ty_status"
	Kind   string   `athanor:",type:enum(article,note),enumname:ty_kind"`
}

type tyEnv struct {
	name string
	db   *engine.DB
	reg  *mapper.Registry
}

func (e tyEnv) session() *session.Session {
	return session.New(session.DB(e.db), session.Options{Registry: e.reg})
}

func (e tyEnv) table(t *testing.T, model any) *core.Table {
	t.Helper()
	m, err := e.reg.Of(reflect.TypeOf(model))
	if err != nil {
		t.Fatal(err)
	}
	return m.Table()
}

func (e tyEnv) ddl(t *testing.T, create bool) {
	t.Helper()
	md, err := e.reg.MetaData()
	if err != nil {
		t.Fatal(err)
	}
	exec := func(ctx context.Context, c core.Compiled) error {
		_, err := e.db.Exec(ctx, core.Raw(c.SQL, c.Args...))
		return err
	}
	if create {
		err = md.CreateAll(context.Background(), e.db.Dialect(), exec, false)
	} else {
		err = md.DropAll(context.Background(), e.db.Dialect(), exec)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// eachTypes runs body on PostgreSQL, MariaDB and SQLite with models
// registered and their schema created.
func eachTypes(t *testing.T, models []any, body func(t *testing.T, e tyEnv)) {
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
			e := tyEnv{name: k.name, db: db, reg: mapper.NewRegistry()}
			for _, m := range models {
				if _, err := e.reg.Register(reflect.TypeOf(m)); err != nil {
					t.Fatal(err)
				}
			}
			e.ddl(t, true)
			body(t, e)
		})
	}
}

func dec(s string) athanor.Decimal { return athanor.MustDecimal(s) }

func TestTypesDecimalExactOnEveryDialect(t *testing.T) {
	eachTypes(t, []any{tyTrack{}}, func(t *testing.T, e tyEnv) {
		ctx := context.Background()
		tracks := e.table(t, tyTrack{})
		// Chinook-like prices, through the session (one batch: the
		// PostgreSQL unnest path must leave Valuers in VALUES).
		s := e.session()
		cost := dec("123456789.125")
		in := []*tyTrack{
			{ID: 1, Name: "a", UnitPrice: dec("0.99"), Cost: &cost, List: ratMoney{big.NewRat(99, 100)},
				Big: dec("12345678901234567890.0123456789")},
			{ID: 2, Name: "b", UnitPrice: dec("1.99"), List: ratMoney{big.NewRat(199, 100)}},
			{ID: 3, Name: "c", UnitPrice: dec("0.10")},
		}
		for _, tr := range in {
			if err := s.Add(tr); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		// And through core.
		_, err := e.db.Exec(ctx, core.Insert(tracks).Columns(tracks.C("id"), tracks.C("name"), tracks.C("unit_price"), tracks.C("list"), tracks.C("big")).
			Values(4, "d", dec("0.20"), ratMoney{big.NewRat(1, 5)}, dec("-0.0000000001")))
		if err != nil {
			t.Fatal(err)
		}
		got, err := session.Query[tyTrack](e.session()).OrderBy("ID").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantPrice := []string{"0.99", "1.99", "0.10", "0.20"}
		wantList := []string{"0.99", "1.99", "0.00", "0.20"}
		if len(got) != 4 {
			t.Fatalf("%d rows", len(got))
		}
		for i, tr := range got {
			if tr.UnitPrice.String() != wantPrice[i] {
				t.Errorf("row %d: unit_price %q, want %q", i+1, tr.UnitPrice, wantPrice[i])
			}
			if l, _ := tr.List.Value(); l != wantList[i] {
				t.Errorf("row %d: list %q, want %q", i+1, l, wantList[i])
			}
		}
		if got[0].Big.String() != "12345678901234567890.0123456789" || got[1].Big.Cmp(dec("0")) != 0 || got[3].Big.String() != "-0.0000000001" {
			t.Errorf("big: %q, %q, %q", got[0].Big, got[1].Big, got[3].Big)
		}
		if got[0].Cost == nil || got[0].Cost.String() != "123456789.125" || got[1].Cost != nil {
			t.Errorf("cost: %v, %v", got[0].Cost, got[1].Cost)
		}

		// The server's SUM, scanned exactly: 0.10 + 0.20 is 0.30, not
		// 0.30000000000000004. SQLite sums in binary floating point
		// (documented): there ROUND(SUM(x), 2) is what is exact.
		sum := core.Sum(tracks.C("unit_price"))
		if e.name == "sqlite" {
			sum = core.Func("ROUND", sum, 2)
		}
		var total, small athanor.Decimal
		if err := e.db.QueryRow(ctx, core.Select(sum).From(tracks)).Scan(&total); err != nil {
			t.Fatal(err)
		}
		q := core.Select(sum).From(tracks).Where(core.In(tracks.C("id"), 3, 4))
		if err := e.db.QueryRow(ctx, q).Scan(&small); err != nil {
			t.Fatal(err)
		}
		if total.Cmp(dec("3.28")) != 0 || small.Cmp(dec("0.3")) != 0 {
			t.Errorf("sums %s and %s, want 3.28 and 0.30", total, small)
		}
		if e.name != "sqlite" && (total.String() != "3.28" || small.String() != "0.30") {
			t.Errorf("sums %q and %q, want the server's text 3.28 and 0.30", total, small)
		}

		// Equality with a Decimal in Where, through the session and core.
		one, err := session.Query[tyTrack](e.session()).Where(core.Eq(tracks.C("unit_price"), dec("0.99"))).All(ctx)
		if err != nil || len(one) != 1 || one[0].ID != 1 {
			t.Fatalf("= 0.99: %v %v", one, err)
		}
		// Ordering comparison: numeric on PostgreSQL and MariaDB; on
		// SQLite the TEXT column is cast to NUMERIC (documented).
		price := any(tracks.C("unit_price"))
		if e.name == "sqlite" {
			price = core.Cast(tracks.C("unit_price"), core.Numeric(10, 2))
		}
		e.db.Exec(ctx, core.Insert(tracks).Columns(tracks.C("id"), tracks.C("name"), tracks.C("unit_price"), tracks.C("list"), tracks.C("big")).
			Values(5, "e", dec("10.00"), ratMoney{}, dec("0")))
		var ids []int64
		err = e.db.QueryFunc(ctx, core.Select(tracks.C("id")).From(tracks).Where(core.Gt(price, dec("1.5"))).OrderBy(core.Asc(tracks.C("id"))),
			func(r *engine.Rows) error {
				for r.Next() {
					var id int64
					if err := r.Scan(&id); err != nil {
						return err
					}
					ids = append(ids, id)
				}
				return nil
			})
		if err != nil || !slices.Equal(ids, []int64{2, 5}) {
			t.Fatalf("> 1.5: %v %v", ids, err)
		}

		// An update of the decimal only is flushed and read back exactly.
		s3 := e.session()
		tr, err := session.Query[tyTrack](s3).Where(core.Eq(tracks.C("id"), 2)).One(ctx)
		if err != nil {
			t.Fatal(err)
		}
		tr.UnitPrice = dec("2.49")
		if err := s3.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		var back athanor.Decimal
		if err := e.db.QueryRow(ctx, core.Select(tracks.C("unit_price")).From(tracks).Where(core.Eq(tracks.C("id"), 2))).Scan(&back); err != nil {
			t.Fatal(err)
		}
		if back.String() != "2.49" {
			t.Errorf("after update: %q", back)
		}
	})
}

func TestTypesEnumOnEveryDialect(t *testing.T) {
	eachTypes(t, []any{tyPost{}}, func(t *testing.T, e tyEnv) {
		ctx := context.Background()
		posts := e.table(t, tyPost{})
		s := e.session()
		for i, st := range []tyStatus{"draft", "published", "draft"} {
			if err := s.Add(&tyPost{ID: int64(i + 1), Title: fmt.Sprint("p", i+1), Status: st, Kind: "note"}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		// Filter with the named string type, load, update.
		s2 := e.session()
		drafts, err := session.Query[tyPost](s2).Filter("Status", tyStatus("draft")).OrderBy("ID").All(ctx)
		if err != nil || len(drafts) != 2 || drafts[0].ID != 1 || drafts[1].Status != "draft" || drafts[1].Kind != "note" {
			t.Fatalf("drafts: %v %v", drafts, err)
		}
		drafts[0].Status = "archived"
		drafts[0].Kind = "article"
		if err := s2.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		n, err := session.Query[tyPost](e.session()).Where(core.Eq(posts.C("status"), tyStatus("archived")),
			core.Eq(posts.C("kind"), "article")).Count(ctx)
		if err != nil || n != 1 {
			t.Fatalf("archived articles: %d %v", n, err)
		}
		// A value outside the enum is refused by the server and classified.
		s3 := e.session()
		if err := s3.Add(&tyPost{ID: 9, Title: "bad", Status: "deleted", Kind: "note"}); err != nil {
			t.Fatal(err)
		}
		err = s3.Commit(ctx)
		if !errors.Is(err, athanor.ErrCheckViolation) {
			t.Fatalf("invalid enum value: %v (%T), want ErrCheckViolation", err, err)
		}
		if !strings.Contains(err.Error(), "status") || strings.Contains(err.Error(), "deleted") {
			t.Errorf("error should name the column or type, not the value: %v", err)
		}
		// CreateAll with ifNotExists keeps the existing enum types and
		// tables; DropAll removes the tables and then (PostgreSQL) the enum
		// types, so CreateAll works again on the empty database.
		md, err := e.reg.MetaData()
		if err != nil {
			t.Fatal(err)
		}
		exec := func(ctx context.Context, c core.Compiled) error {
			_, err := e.db.Exec(ctx, core.Raw(c.SQL, c.Args...))
			return err
		}
		if err := md.CreateAll(ctx, e.db.Dialect(), exec, true); err != nil {
			t.Fatalf("CreateAll if not exists: %v", err)
		}
		e.ddl(t, false)
		e.ddl(t, true)
		if n, err := session.Query[tyPost](e.session()).Count(ctx); err != nil || n != 0 {
			t.Fatalf("after drop and create: %d %v", n, err)
		}
	})
}

type tyArrays struct {
	_      struct{} `athanor:",table:ty_arrays"`
	ID     int64    `athanor:",pk"`
	Tags   []string
	Scores []int64
	Small  []int32
	Ratios []float64
	Flags  []bool
	Seen   []time.Time
	Shorts []int16
	Floats []float32
	Ints   []int
	Codes  []string       `athanor:",type:varchar(8)[]"`
	Price  pgtype.Numeric `athanor:",type:numeric(10,2)"`
}

func TestTypesArraysOnPostgres(t *testing.T) {
	db, log := openORM(t, testdb.PG(t).Primary.URL())
	e := tyEnv{name: "postgres", db: db, reg: mapper.NewRegistry()}
	if _, err := mapper.RegisterIn[tyArrays](e.reg); err != nil {
		t.Fatal(err)
	}
	e.ddl(t, true)
	ctx := context.Background()
	arrays := e.table(t, tyArrays{})
	at := time.Date(2024, 3, 1, 12, 30, 0, 0, time.UTC)
	price := func(s string) pgtype.Numeric {
		var n pgtype.Numeric
		if err := n.Scan(s); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// Three rows in one flush: the batched INSERT must not send array
	// columns through unnest (which would flatten them).
	s := e.session()
	in := []*tyArrays{
		{ID: 1, Tags: []string{"rock", "live"}, Scores: []int64{1, 2}, Small: []int32{3}, Ratios: []float64{0.5},
			Flags: []bool{true, false}, Seen: []time.Time{at}, Shorts: []int16{-1}, Floats: []float32{1.5}, Ints: []int{7, 8},
			Codes: []string{"ab"}, Price: price("0.99")},
		{ID: 2, Tags: []string{"jazz"}, Scores: []int64{}, Price: price("1.99")},
		{ID: 3, Tags: []string{"rock", "jazz", `a "quoted", {odd} one`}, Price: price("0.10")},
	}
	for _, a := range in {
		if err := s.Add(a); err != nil {
			t.Fatal(err)
		}
	}
	log.reset()
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if ins := log.with("INSERT"); len(ins) != 1 || strings.Contains(ins[0], "unnest") {
		t.Errorf("batched insert: %q", ins)
	}
	// A single row.
	s1 := e.session()
	if err := s1.Add(&tyArrays{ID: 4, Tags: []string{"solo"}, Price: price("0.20")}); err != nil {
		t.Fatal(err)
	}
	if err := s1.Commit(ctx); err != nil {
		t.Fatal(err)
	}

	s2 := e.session()
	got, err := session.Query[tyArrays](s2).OrderBy("ID").All(ctx)
	if err != nil || len(got) != 4 {
		t.Fatalf("load: %v %v", got, err)
	}
	g := got[0]
	if !slices.Equal(g.Tags, []string{"rock", "live"}) || !slices.Equal(g.Scores, []int64{1, 2}) || !slices.Equal(g.Small, []int32{3}) ||
		!slices.Equal(g.Ratios, []float64{0.5}) || !slices.Equal(g.Flags, []bool{true, false}) || len(g.Seen) != 1 || !g.Seen[0].Equal(at) ||
		!slices.Equal(g.Shorts, []int16{-1}) || !slices.Equal(g.Floats, []float32{1.5}) || !slices.Equal(g.Ints, []int{7, 8}) ||
		!slices.Equal(g.Codes, []string{"ab"}) {
		t.Errorf("row 1: %+v", g)
	}
	if got[1].Scores == nil || len(got[1].Scores) != 0 || got[1].Small != nil {
		t.Errorf("row 2: empty array %#v, NULL array %#v", got[1].Scores, got[1].Small)
	}
	if got[2].Tags[2] != `a "quoted", {odd} one` {
		t.Errorf("row 3: %q", got[2].Tags)
	}
	if v, _ := got[0].Price.Value(); v != "0.99" {
		t.Errorf("pgtype.Numeric: %v", v)
	}
	// Changing one element in place is a change the flush sees.
	got[0].Tags[1] = "studio"
	log.reset()
	if err := s2.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if up := log.with("UPDATE"); len(up) != 1 {
		t.Fatalf("element change: updates %q", up)
	}

	// Filters: @> and = ANY through core, in a session query.
	ids := func(q *session.QueryOf[tyArrays]) []int64 {
		t.Helper()
		rows, err := q.OrderBy("ID").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, r := range rows {
			out = append(out, r.ID)
		}
		return out
	}
	if got := ids(session.Query[tyArrays](e.session()).Where(core.ArrayContains(arrays.C("tags"), []string{"rock", "studio"}))); !slices.Equal(got, []int64{1}) {
		t.Errorf("@> {rock,studio}: %v", got)
	}
	if got := ids(session.Query[tyArrays](e.session()).Where(core.EqAny("jazz", arrays.C("tags")))); !slices.Equal(got, []int64{2, 3}) {
		t.Errorf("= ANY(tags): %v", got)
	}
	if got := ids(session.Query[tyArrays](e.session()).Where(core.ArrayOverlaps(arrays.C("tags"), []string{"solo", "live"}))); !slices.Equal(got, []int64{4}) {
		t.Errorf("&& {solo,live}: %v", got)
	}
}

func TestTypesArraysRejectedOutsidePostgres(t *testing.T) {
	for _, k := range []struct{ name, dsn string }{
		{"mariadb", testdb.MySQL(t).Primary.URL()},
		{"sqlite", "sqlite://" + testdb.SQLite(t)},
	} {
		t.Run(k.name, func(t *testing.T) {
			db, _ := openORM(t, k.dsn)
			reg := mapper.NewRegistry()
			if _, err := mapper.RegisterIn[tyArrays](reg); err != nil {
				t.Fatal(err)
			}
			md, err := reg.MetaData()
			if err != nil {
				t.Fatal(err)
			}
			_, err = md.CreateStatements(db.Dialect(), false)
			if err == nil {
				var stmts []core.Statement
				stmts, _ = md.CreateStatements(db.Dialect(), false)
				_, err = core.Compile(db.Dialect(), stmts[0])
			}
			if err == nil || !strings.Contains(err.Error(), `"ty_arrays"`) || !strings.Contains(err.Error(), `"tags"`) ||
				!strings.Contains(err.Error(), "array") {
				t.Fatalf("DDL of an array column: %v", err)
			}
			// An array operator is refused at compile time too.
			tbl, _ := md.Table("ty_arrays")
			q := core.Select(core.Star()).From(tbl).Where(core.ArrayContains(core.Ident("tags"), []string{"a"}))
			if _, err := core.Compile(db.Dialect(), q); !errors.Is(err, core.ErrUnsupported) {
				t.Fatalf("@> on %s: %v", k.name, err)
			}
		})
	}
}
