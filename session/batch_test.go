package session_test

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

// tenCols is a model of 10 columns with keys the caller sets, so that
// every dialect inserts it in multi-row statements.
type tenCols struct {
	_    struct{} `athanor:",table:session_ten_cols"`
	ID   int64    `athanor:",pk,noautoincrement"`
	A, B int64
	C, D string
	E, F float64
	G    bool
	H    *int32
	I    string
}

// tenValuer is tenCols with a driver.Valuer column, which keeps
// PostgreSQL's rows in VALUES (not unnest).
type tenValuer struct {
	_    struct{} `athanor:",table:session_ten_valuers"`
	ID   int64    `athanor:",pk,noautoincrement"`
	A, B int64
	C, D string
	E, F float64
	G    bool
	H    *int32
	I    sql.NullString
}

// maxParams is each server's limit on one statement's parameters.
var maxParams = map[string]int{"postgres": 65535, "mariadb": 65535, "sqlite": 32766}

// TestInsertsBoundedByParameters: with a BatchSize of 10,000, a flush of
// 10,000 rows of 10 columns succeeds on every server, in as many INSERTs
// as the server's parameter limit implies (VALUES: limit/10 rows each; on
// PostgreSQL, rows sent as unnest arrays need one statement) in one
// transaction, and every row arrives.
func TestInsertsBoundedByParameters(t *testing.T) {
	const n, cols = 10000, 10
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := schema(t, srv.db, mapper.RegisterIn[tenCols], mapper.RegisterIn[tenValuer])
		perValues := maxParams[srv.name] / cols
		valuesStmts := (n + perValues - 1) / perValues
		plainStmts := valuesStmts
		if srv.name == "postgres" {
			plainStmts = 1
		}
		for _, c := range []struct {
			table string
			add   func(s *session.Session, i int) error
			want  int
		}{
			{"session_ten_cols", func(s *session.Session, i int) error {
				h := int32(i)
				return s.Add(&tenCols{ID: int64(i + 1), A: int64(i), B: -int64(i), C: fmt.Sprint("c", i), D: "d", E: float64(i) / 4, F: 1, G: i%2 == 0, H: &h, I: "i"})
			}, plainStmts},
			{"session_ten_valuers", func(s *session.Session, i int) error {
				return s.Add(&tenValuer{ID: int64(i + 1), A: int64(i), C: fmt.Sprint("c", i), E: float64(i) / 4, I: sql.NullString{String: "v", Valid: i%3 == 0}})
			}, valuesStmts},
		} {
			s := session.New(session.DB(srv.db), session.Options{Registry: reg, BatchSize: n})
			for i := range n {
				if err := c.add(s, i); err != nil {
					t.Fatal(err)
				}
			}
			srv.log.take()
			srv.tx.begins.Store(0)
			if err := s.Commit(ctx); err != nil {
				t.Fatalf("%s: commit: %v", c.table, err)
			}
			if got := len(srv.inserts()); got != c.want {
				t.Errorf("%s: %d INSERT statements, want %d", c.table, got, c.want)
			}
			// Several statements are one transaction; one needs none.
			if got, want := srv.tx.begins.Load(), int64(min(c.want-1, 1)); got != want {
				t.Errorf("%s: %d transactions, want %d", c.table, got, want)
			}
			var rows, sumA int64
			var sumE float64
			if err := srv.db.QueryRow(ctx, core.Raw("SELECT COUNT(*), SUM(a), SUM(e) FROM "+c.table).ReadOnly()).Scan(&rows, &sumA, &sumE); err != nil {
				t.Fatal(err)
			}
			wantA := int64(n * (n - 1) / 2)
			if rows != n || sumA != wantA || sumE != float64(wantA)/4 {
				t.Errorf("%s: %d rows, sum(a) %d, sum(e) %v; want %d, %d, %v", c.table, rows, sumA, sumE, n, wantA, float64(wantA)/4)
			}
		}
	})
}

// wideRow has 70 columns: a generated key, 68 plain ones and, past the
// 64th, a nil-able one with a server default, which the INSERT leaves
// out when nil.
type wideRow struct {
	_    struct{} `athanor:",table:session_wide_rows"`
	ID   int64    `athanor:",pk"`
	C01  int64
	C02  string
	C03  float64
	C04  bool
	C05  *int32
	C06  int64
	C07  string
	C08  float64
	C09  bool
	C10  *int32
	C11  int64
	C12  string
	C13  float64
	C14  bool
	C15  *int32
	C16  int64
	C17  string
	C18  float64
	C19  bool
	C20  *int32
	C21  int64
	C22  string
	C23  float64
	C24  bool
	C25  *int32
	C26  int64
	C27  string
	C28  float64
	C29  bool
	C30  *int32
	C31  int64
	C32  string
	C33  float64
	C34  bool
	C35  *int32
	C36  int64
	C37  string
	C38  float64
	C39  bool
	C40  *int32
	C41  int64
	C42  string
	C43  float64
	C44  bool
	C45  *int32
	C46  int64
	C47  string
	C48  float64
	C49  bool
	C50  *int32
	C51  int64
	C52  string
	C53  float64
	C54  bool
	C55  *int32
	C56  int64
	C57  string
	C58  float64
	C59  bool
	C60  *int32
	C61  int64
	C62  string
	C63  float64
	C64  bool
	C65  *int32
	C66  int64
	C67  string
	C68  float64
	Late *string `athanor:",size:10,default:late"`
}

// TestWideModelBatches: rows of a model of more than 64 fields go in
// multi-row INSERTs like a narrow model's: one statement per set of
// columns left to the server (here two: with and without the default of
// the 70th column), every value read back as written.
func TestWideModelBatches(t *testing.T) {
	const n = 30
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := schema(t, srv.db, mapper.RegisterIn[wideRow])
		m, err := reg.Of(reflect.TypeFor[wideRow]())
		if err != nil {
			t.Fatal(err)
		}
		if got := len(m.Fields()); got != 70 {
			t.Fatalf("wideRow has %d fields, want 70", got)
		}
		newRow := func(i int) *wideRow {
			r := &wideRow{}
			v := reflect.ValueOf(r).Elem()
			for j := 1; j <= 68; j++ {
				f := v.FieldByName(fmt.Sprintf("C%02d", j))
				switch f.Kind() {
				case reflect.Int64:
					f.SetInt(int64(i*100 + j))
				case reflect.String:
					f.SetString(fmt.Sprintf("r%d c%d", i, j))
				case reflect.Float64:
					f.SetFloat(float64(i) + float64(j)/8)
				case reflect.Bool:
					f.SetBool((i+j)%2 == 0)
				case reflect.Pointer:
					if i%3 != 0 {
						x := int32(-i * j)
						f.Set(reflect.ValueOf(&x))
					}
				}
			}
			if i%2 == 1 {
				late := fmt.Sprint("set ", i)
				r.Late = &late
			}
			return r
		}
		rows := make([]*wideRow, n)
		s := session.New(session.DB(srv.db), session.Options{Registry: reg})
		for i := range rows {
			rows[i] = newRow(i)
			if err := s.Add(rows[i]); err != nil {
				t.Fatal(err)
			}
		}
		srv.log.take()
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if got := srv.inserts(); len(got) != 2 {
			t.Errorf("%d INSERT statements, want 2 (one per set of columns)", len(got))
		}
		// A row alone, of either set of columns: a one-row INSERT, of
		// more values than it gathers on the stack.
		for i := n; i < n+2; i++ {
			r := newRow(i)
			s := session.New(session.DB(srv.db), session.Options{Registry: reg})
			if err := s.Add(r); err != nil {
				t.Fatal(err)
			}
			if err := s.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			rows = append(rows, r)
		}
		for i, r := range rows {
			if r.ID == 0 {
				t.Fatalf("row %d: no key", i)
			}
			if i%2 == 0 && (r.Late == nil || *r.Late != "late") {
				t.Errorf("row %d: Late %v, want the server default read back", i, r.Late)
			}
		}
		got, err := session.Query[wideRow](session.New(session.DB(srv.db), session.Options{Registry: reg})).OrderBy("ID").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(rows) {
			t.Fatalf("%d rows read back, want %d", len(got), len(rows))
		}
		byID := map[int64]*wideRow{}
		for _, r := range got {
			byID[r.ID] = r
		}
		for i, want := range rows {
			g, w := reflect.ValueOf(byID[want.ID]).Elem(), reflect.ValueOf(want).Elem()
			for j := 1; j < g.NumField(); j++ {
				if !reflect.DeepEqual(g.Field(j).Interface(), w.Field(j).Interface()) {
					t.Errorf("row %d, %s: read back %v, want %v", i, g.Type().Field(j).Name, g.Field(j), w.Field(j))
				}
			}
		}
	})
}

type boundTag struct {
	_    struct{} `athanor:",table:session_bound_tags"`
	ID   int64    `athanor:",pk,noautoincrement"`
	Name string
}

type boundPost struct {
	_     struct{} `athanor:",table:session_bound_posts"`
	ID    int64    `athanor:",pk"`
	Title string
	Tags  []*boundTag `athanor:",secondary:session_bound_post_tags"`
}

// boundItem is a table no other references (deleting its rows checks no
// foreign key).
type boundItem struct {
	_  struct{} `athanor:",table:session_bound_items"`
	ID int64    `athanor:",pk,noautoincrement"`
	N  int
}

// TestAssociationsAndDeletesBoundedByParameters: with a BatchSize above
// the server's parameter limit, association rows (two parameters each)
// and deletes by key lists (one each) are split to stay within it.
func TestAssociationsAndDeletesBoundedByParameters(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := schema(t, srv.db, mapper.RegisterIn[boundPost], mapper.RegisterIn[boundItem])
		limit := maxParams[srv.name]
		opts := session.Options{Registry: reg, BatchSize: 100000}

		// Association rows: one more than fits twice in half the limit.
		s := session.New(session.DB(srv.db), opts)
		n := limit/2 + 100
		post := &boundPost{Title: "p"}
		for i := range n {
			post.Tags = append(post.Tags, &boundTag{ID: int64(i + 1), Name: "t"})
		}
		if err := s.Add(post); err != nil {
			t.Fatal(err)
		}
		srv.log.take()
		if err := s.Commit(ctx); err != nil {
			t.Fatalf("insert: %v", err)
		}
		pairs := 0
		for _, q := range srv.inserts() {
			if strings.Contains(q, "session_bound_post_tags") {
				pairs++
			}
		}
		if pairs != 2 {
			t.Errorf("%d INSERTs of association rows, want 2", pairs)
		}
		if got := srv.rows(t, "session_bound_post_tags"); got != int64(n) {
			t.Errorf("%d association rows, want %d", got, n)
		}

		// Deletes: more keys than the limit.
		n = limit + 100
		s = session.New(session.DB(srv.db), opts)
		items := make([]*boundItem, n)
		for i := range items {
			items[i] = &boundItem{ID: int64(i + 1), N: i}
			if err := s.Add(items[i]); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatalf("insert items: %v", err)
		}
		for _, it := range items {
			if err := s.Delete(it); err != nil {
				t.Fatal(err)
			}
		}
		srv.log.take()
		if err := s.Commit(ctx); err != nil {
			t.Fatalf("delete: %v", err)
		}
		deletes := 0
		for _, q := range srv.log.take() {
			if strings.HasPrefix(q, "DELETE") {
				deletes++
			}
		}
		if deletes != 2 {
			t.Errorf("%d DELETEs, want 2", deletes)
		}
		if got := srv.rows(t, "session_bound_items"); got != 0 {
			t.Errorf("%d items left, want none", got)
		}
	})
}
