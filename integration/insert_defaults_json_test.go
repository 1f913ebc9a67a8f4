package integration_test

// Issue 14 leftovers on PostgreSQL, MariaDB and SQLite: an INSERT that
// leaves every column to the server (DEFAULT VALUES, or MySQL's
// VALUES ()), through core and the session; maps, structs and slices
// bound as JSON text outside the ORM.

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/session"
)

// lfCounter has only a generated key.
type lfCounter struct {
	_  struct{} `athanor:",table:lf_counters"`
	ID int64    `athanor:",pk"`
}

// lfTicket has a generated key and a column with a server default: a new
// ticket with a nil Status sends no column at all.
type lfTicket struct {
	_      struct{} `athanor:",table:lf_tickets"`
	ID     int64    `athanor:",pk"`
	Status *string  `athanor:",size:10,default:open"`
}

// lfDoc has a JSON column written outside the ORM.
type lfDoc struct {
	_   struct{} `athanor:",table:lf_docs"`
	ID  int64    `athanor:",pk,noautoincrement"`
	Doc string   `athanor:",type:json,nullable"`
}

func TestInsertOnlyServerColumns(t *testing.T) {
	eachTypes(t, []any{lfCounter{}, lfTicket{}}, func(t *testing.T, e tyEnv) {
		ctx := context.Background()
		counters := e.table(t, lfCounter{})
		tickets := e.table(t, lfTicket{})

		// core: one row of no columns, with RETURNING where the dialect
		// has it (MariaDB too).
		var id int64
		if err := e.db.QueryRow(ctx, core.Insert(counters).Values().Returning(counters.C("id"))).Scan(&id); err != nil {
			t.Fatalf("insert returning: %v", err)
		}
		if id != 1 {
			t.Errorf("returned id %d, want 1", id)
		}
		if _, err := e.db.Exec(ctx, core.Insert(tickets).Values()); err != nil {
			t.Fatalf("insert without returning: %v", err)
		}
		// Several such rows in one statement: MySQL's VALUES (), (); the
		// others have no form for it and say so.
		multi := core.Insert(counters).Values().Values()
		_, err := e.db.Exec(ctx, multi)
		if e.db.Dialect().Features().EmptyValues {
			if err != nil {
				t.Fatalf("two empty rows: %v", err)
			}
		} else if err == nil || !strings.Contains(err.Error(), "lf_counters") {
			t.Fatalf("two empty rows: err %v, want one naming the table", err)
		}

		// The session: three objects with nothing to send, in one flush.
		s := e.session()
		cs := []*lfCounter{{}, {}, {}}
		ts := []*lfTicket{{}, {}}
		for _, o := range cs {
			if err := s.Add(o); err != nil {
				t.Fatal(err)
			}
		}
		for _, o := range ts {
			if err := s.Add(o); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatalf("commit: %v", err)
		}
		var ids []int64
		for _, o := range cs {
			ids = append(ids, o.ID)
		}
		got, err := session.Query[lfCounter](e.session()).OrderBy("ID").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var stored []int64
		for _, o := range got {
			stored = append(stored, o.ID)
		}
		for _, id := range ids {
			if id == 0 || !slices.Contains(stored, id) {
				t.Errorf("session ids %v, stored %v", ids, stored)
				break
			}
		}
		want := 1 + 3 // the core row and the session's
		if e.db.Dialect().Features().EmptyValues {
			want += 2
		}
		if len(stored) != want {
			t.Errorf("%d counters stored, want %d", len(stored), want)
		}
		rows, err := session.Query[lfTicket](e.session()).OrderBy("ID").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3 {
			t.Fatalf("%d tickets, want 3", len(rows))
		}
		for i, r := range rows {
			if r.Status == nil || *r.Status != "open" {
				t.Errorf("ticket %d: status %v, want the server default", i, r.Status)
			}
		}
		if ts[0].ID == 0 || ts[1].ID == 0 || ts[0].ID == ts[1].ID {
			t.Errorf("ticket ids %d, %d", ts[0].ID, ts[1].ID)
		}
	})
}

// lfPayload is a struct bound as a JSON argument.
type lfPayload struct {
	Name string   `json:"name"`
	Tags []string `json:"tags"`
}

func TestJSONArgumentsOutsideTheORM(t *testing.T) {
	eachTypes(t, []any{lfDoc{}}, func(t *testing.T, e tyEnv) {
		ctx := context.Background()
		docs := e.table(t, lfDoc{})
		cases := []struct {
			name string
			v    any
			want any // what the stored text decodes to
		}{
			{"map", map[string]any{"a": 1.0, "b": "x"}, map[string]any{"a": 1.0, "b": "x"}},
			{"struct", lfPayload{Name: "n", Tags: []string{"t1"}}, map[string]any{"name": "n", "tags": []any{"t1"}}},
			{"struct pointer", &lfPayload{Name: "p"}, map[string]any{"name": "p", "tags": nil}},
			{"slice", []int{1, 2, 3}, []any{1.0, 2.0, 3.0}},
			{"nil map", map[string]int(nil), nil},
		}
		for i, c := range cases {
			_, err := e.db.Exec(ctx, core.Insert(docs).Columns(docs.C("id"), docs.C("doc")).Values(i+1, c.v))
			if err != nil {
				t.Errorf("%s: core.Insert: %v", c.name, err)
			}
		}
		// A raw argument takes the same path.
		if _, err := e.db.Exec(ctx, core.Raw("INSERT INTO lf_docs (id, doc) VALUES (?, ?)", 100, map[string]bool{"raw": true})); err != nil {
			t.Errorf("raw: %v", err)
		}
		cases = append(cases, struct {
			name string
			v    any
			want any
		}{"raw map", nil, map[string]any{"raw": true}})

		var texts []*string
		err := e.db.QueryFunc(ctx, core.Select(docs.C("doc")).From(docs).OrderBy(docs.C("id")), func(rs *engine.Rows) error {
			for rs.Next() {
				var s *string
				if err := rs.Scan(&s); err != nil {
					return err
				}
				texts = append(texts, s)
			}
			return rs.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(texts) != len(cases) {
			t.Fatalf("%d rows, want %d", len(texts), len(cases))
		}
		for i, c := range cases {
			var got any
			if texts[i] != nil {
				if err := json.Unmarshal([]byte(*texts[i]), &got); err != nil {
					t.Errorf("%s: stored %q: %v", c.name, *texts[i], err)
					continue
				}
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("%s: stored %v, want %v", c.name, got, c.want)
			}
		}

		// What cannot be bound names the argument and its type.
		_, err = e.db.Exec(ctx, core.Insert(docs).Columns(docs.C("id"), docs.C("doc")).Values(200, map[string]float64{"x": math.Inf(1)}))
		if err == nil || !strings.Contains(err.Error(), "map[string]float64") {
			t.Errorf("infinite float: err %v, want one naming the Go type", err)
		}
		// Refused before anything was sent: the outcome is known. (Not
		// yet on PostgreSQL, where a pgx encode error is still reported
		// as an unknown outcome.)
		known := e.name != "postgres"
		if known && errors.Is(err, athanor.ErrOutcomeUnknown) {
			t.Errorf("infinite float: err %v matches ErrOutcomeUnknown", err)
		}
		// So is an argument of no JSON kind the driver refuses.
		_, err = e.db.Exec(ctx, core.Raw("SELECT ?", func() {}))
		if err == nil || !strings.Contains(err.Error(), "func()") || known && errors.Is(err, athanor.ErrOutcomeUnknown) {
			t.Errorf("func argument: err %v, want one naming the Go type", err)
		}
	})
}

// lfOwner and lfItem have JSON fields of type any: loaded, each holds
// what encoding/json decodes into an any, on every dialect.
type lfOwner struct {
	_    struct{} `athanor:",table:lf_owners"`
	ID   int64    `athanor:",pk,noautoincrement"`
	Data any      `athanor:",type:json,nullable"`
}

type lfItem struct {
	_       struct{} `athanor:",table:lf_items"`
	ID      int64    `athanor:",pk,noautoincrement"`
	Data    any      `athanor:",type:json,nullable"`
	OwnerID *int64
	Owner   *lfOwner
}

func TestJSONAnyFieldDecodedOnEveryDialect(t *testing.T) {
	eachTypes(t, []any{lfOwner{}, lfItem{}}, func(t *testing.T, e tyEnv) {
		ctx := context.Background()
		values := []any{
			map[string]any{"a": 1.0, "b": []any{"x", true}},
			[]any{1.0, "two"},
			"text",
			2.5,
			nil, // NULL
		}
		s := e.session()
		one := int64(1)
		if err := s.Add(&lfOwner{ID: 1, Data: map[string]any{"owner": "o"}}); err != nil {
			t.Fatal(err)
		}
		for i, v := range values {
			if err := s.Add(&lfItem{ID: int64(i + 1), Data: v, OwnerID: &one}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		check := func(how string, got []*lfItem) {
			t.Helper()
			if len(got) != len(values) {
				t.Fatalf("%s: %d rows", how, len(got))
			}
			for i, it := range got {
				if !reflect.DeepEqual(it.Data, values[i]) {
					t.Errorf("%s: item %d: Data %#v (%T), want %#v", how, it.ID, it.Data, it.Data, values[i])
				}
			}
		}
		got, err := session.Query[lfItem](e.session()).OrderBy("ID").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		check("load", got)
		// A joined load (the owner's field too) and a Refresh.
		s2 := e.session()
		got, err = session.Query[lfItem](s2).Options(loader.Joined("Owner")).OrderBy("ID").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		check("joined load", got)
		if o := got[0].Owner; o == nil || !reflect.DeepEqual(o.Data, map[string]any{"owner": "o"}) {
			t.Errorf("joined owner: %#v", o)
		}
		if err := s2.Refresh(ctx, got[1]); err != nil {
			t.Fatal(err)
		}
		check("refresh", got)
		// A change made inside the decoded map is flushed.
		m, ok := got[0].Data.(map[string]any)
		if !ok {
			t.Fatalf("item 1: Data %T", got[0].Data)
		}
		m["c"] = "new"
		if err := s2.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		values[0].(map[string]any)["c"] = "new"
		got, err = session.Query[lfItem](e.session()).OrderBy("ID").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		check("after update", got)
	})
}
