package session_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

type jsonPlace struct {
	City string
	Zip  []int
}

// jsonDoc has a JSON column of each Go shape a JSON field may take.
type jsonDoc struct {
	_     struct{}        `athanor:",table:session_json_docs"`
	ID    int64           `athanor:",pk"`
	Name  string          `athanor:",size:20"`
	Meta  map[string]any  `athanor:",type:json"`
	Place jsonPlace       `athanor:",type:json"`
	Tags  []string        `athanor:",type:json"`
	Raw   json.RawMessage `athanor:",type:json"`
	Opt   *jsonPlace      `athanor:",type:json"`
	Text  string          `athanor:",type:json"`
}

// TestJSONFields: JSON fields (a map, a struct, a slice, json.RawMessage,
// a pointer, a string of JSON text) are inserted one row at a time and in
// multi-row batches (on PostgreSQL as VALUES, not unnest), read back as
// written, updated when their contents change in place (and only then),
// set to NULL when nil, and refreshed without keeping stale map keys; a
// value encoding/json refuses fails the flush, naming the field, and
// writes nothing.
func TestJSONFields(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		db := srv.db
		reg := schema(t, db, mapper.RegisterIn[jsonDoc])
		if srv.name == "postgres" {
			// JSONB is what the DDL writes; JSON (kept as text) too.
			if _, err := db.Exec(ctx, core.Raw(`ALTER TABLE session_json_docs ALTER COLUMN tags TYPE json USING tags::json`)); err != nil {
				t.Fatal(err)
			}
		}
		srv.log.take()
		newSession := func() *session.Session {
			return session.New(session.DB(db), session.Options{Registry: reg})
		}
		docs := []*jsonDoc{
			{Name: "one", Meta: map[string]any{"a": 1.5, "b": []any{"x", true}}, Place: jsonPlace{City: "Oslo", Zip: []int{1, 2}},
				Tags: []string{"t1", "t2"}, Raw: json.RawMessage(`{"k": [1, 2]}`), Opt: &jsonPlace{City: "Rome"}, Text: `{"s":"v"}`},
			{Name: "two", Meta: map[string]any{}, Tags: []string{}, Raw: json.RawMessage(`null`), Text: `[]`},
			{Name: "nil", Text: `1`}, // nil map, slice, raw and pointer: NULL
		}
		// One row alone (a one-statement commit), then two in one batch.
		s := newSession()
		if err := s.Add(docs[0]); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatalf("insert one: %v", err)
		}
		for _, d := range docs[1:] {
			if err := s.Add(d); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatalf("insert two: %v", err)
		}
		ins := srv.inserts()
		if len(ins) != 2 {
			t.Fatalf("inserts: %q, want 2 statements", ins)
		}
		if strings.Contains(ins[1], "unnest") {
			t.Errorf("a batch with JSON columns went as unnest: %s", ins[1])
		}

		// NULL for nil, JSON null for the raw message's null, {} and [] kept.
		var nulls [3]struct{ meta, tags, raw, opt bool }
		for i, d := range docs {
			err := db.QueryRow(ctx, core.Raw(`SELECT meta IS NULL, tags IS NULL, raw IS NULL, opt IS NULL FROM session_json_docs WHERE id = ?`, d.ID).ReadOnly()).
				Scan(&nulls[i].meta, &nulls[i].tags, &nulls[i].raw, &nulls[i].opt)
			if err != nil {
				t.Fatal(err)
			}
		}
		if n := nulls[0]; n.meta || n.tags || n.raw || n.opt {
			t.Errorf("row one: NULLs %+v, want none", n)
		}
		if n := nulls[1]; n.meta || n.tags || n.raw || !n.opt {
			t.Errorf("row two: NULLs %+v, want only opt", n)
		}
		if n := nulls[2]; !n.meta || !n.tags || !n.raw || !n.opt {
			t.Errorf("row nil: NULLs %+v, want all", n)
		}

		// Read back in a new session.
		load := func(id int64) *jsonDoc {
			t.Helper()
			d, err := session.Get[jsonDoc](ctx, newSession(), id)
			if err != nil {
				t.Fatalf("get %d: %v", id, err)
			}
			return d
		}
		for _, want := range docs {
			got := load(want.ID)
			checkJSONDoc(t, got, want)
		}
		list, err := session.Query[jsonDoc](newSession()).OrderBy("ID").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != len(docs) {
			t.Fatalf("query: %d docs, want %d", len(list), len(docs))
		}
		for i, got := range list {
			checkJSONDoc(t, got, docs[i])
		}

		// A loaded object, unchanged, is not updated; changed in place, it is.
		s = newSession()
		d, err := session.Get[jsonDoc](ctx, s, docs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		srv.log.take()
		if err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if sent := srv.log.take(); len(sent) != 0 {
			t.Fatalf("flush of an unchanged object sent %q", sent)
		}
		for _, step := range []struct {
			name   string
			change func(d *jsonDoc)
			column string
		}{
			{"map value", func(d *jsonDoc) { d.Meta["a"] = 2.5 }, "meta"},
			{"map key", func(d *jsonDoc) { d.Meta["c"] = "new" }, "meta"},
			{"nested slice in a struct", func(d *jsonDoc) { d.Place.Zip[0] = 9 }, "place"},
			{"slice element", func(d *jsonDoc) { d.Tags[1] = "t3" }, "tags"},
			{"raw bytes", func(d *jsonDoc) { copy(d.Raw, `{"k": [3, 2]}`) }, "raw"},
			{"through a pointer", func(d *jsonDoc) { d.Opt.City = "Paris" }, "opt"},
			{"to NULL", func(d *jsonDoc) { d.Meta, d.Opt = nil, nil }, "meta"},
		} {
			step.change(d)
			if err := s.Flush(ctx); err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
			sent := srv.log.take()
			var ups []string
			for _, q := range sent {
				if strings.HasPrefix(q, "UPDATE") {
					ups = append(ups, q)
				}
			}
			if len(ups) != 1 || !strings.Contains(ups[0], step.column) {
				t.Fatalf("%s: sent %q, want one UPDATE of %s", step.name, sent, step.column)
			}
			if err := s.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			if again := srv.log.take(); len(again) != 0 {
				t.Fatalf("%s: a second flush sent %q", step.name, again)
			}
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		checkJSONDoc(t, load(d.ID), d)

		// Refresh replaces the map: a key set locally does not survive.
		s = newSession()
		r, err := session.Get[jsonDoc](ctx, s, docs[1].ID)
		if err != nil {
			t.Fatal(err)
		}
		r.Meta["local"] = true
		if err := s.Refresh(ctx, r); err != nil {
			t.Fatal(err)
		}
		if len(r.Meta) != 0 {
			t.Errorf("refreshed map: %v, want empty", r.Meta)
		}

		// A value encoding/json refuses: an error naming the field, nothing
		// written, in a one-row INSERT and in a multi-row one (the second
		// row the bad one).
		for _, batch := range [][]*jsonDoc{
			{{Name: "bad-insert", Meta: map[string]any{"f": math.Inf(1)}}},
			{{Name: "good-in-batch", Meta: map[string]any{"f": 1}}, {Name: "bad-in-batch", Meta: map[string]any{"f": math.Inf(-1)}}},
		} {
			s := newSession()
			for _, d := range batch {
				if err := s.Add(d); err != nil {
					t.Fatal(err)
				}
			}
			err := s.Commit(ctx)
			if err == nil || !strings.Contains(err.Error(), "Meta") {
				t.Fatalf("insert of %d rows, one with an infinite float: %v, want an error naming Meta", len(batch), err)
			}
			var ue *json.UnsupportedValueError
			if !errors.As(err, &ue) {
				t.Errorf("error %v does not wrap the encoding error", err)
			}
			for _, d := range batch {
				if d.ID != 0 {
					t.Errorf("failed insert left key %d on %s", d.ID, d.Name)
				}
			}
		}
		s = newSession()
		u, err := session.Get[jsonDoc](ctx, s, docs[1].ID)
		if err != nil {
			t.Fatal(err)
		}
		u.Meta["f"] = math.NaN()
		if err := s.Commit(ctx); err == nil || !strings.Contains(err.Error(), "Meta") {
			t.Fatalf("update to NaN: %v, want an error naming Meta", err)
		}
		checkJSONDoc(t, load(docs[1].ID), docs[1])
	})
}

// checkJSONDoc compares a loaded document with the one written: values
// by their JSON meaning (numbers in maps come back as float64, raw JSON
// with the server's spacing).
func checkJSONDoc(t *testing.T, got, want *jsonDoc) {
	t.Helper()
	if got.Name != want.Name || !reflect.DeepEqual(got.Place, want.Place) || !reflect.DeepEqual(got.Tags, want.Tags) ||
		!reflect.DeepEqual(got.Opt, want.Opt) {
		t.Errorf("doc %d: got %+v, want %+v", want.ID, got, want)
	}
	if !sameJSON(t, got.Meta, want.Meta) || !sameJSON(t, got.Raw, want.Raw) || !sameJSON(t, json.RawMessage(got.Text), json.RawMessage(want.Text)) {
		t.Errorf("doc %d: got meta %v raw %s text %s, want %v %s %s", want.ID, got.Meta, got.Raw, got.Text, want.Meta, want.Raw, want.Text)
	}
	if (got.Meta == nil) != (want.Meta == nil) || (got.Raw == nil) != (want.Raw == nil) {
		t.Errorf("doc %d: nil meta %v raw %v, want %v %v", want.ID, got.Meta == nil, got.Raw == nil, want.Meta == nil, want.Raw == nil)
	}
}

func sameJSON(t *testing.T, a, b any) bool {
	t.Helper()
	norm := func(v any) any {
		bs, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var out any
		if err := json.Unmarshal(bs, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

type jsonOwner struct {
	_    struct{}        `athanor:",table:session_json_owners"`
	ID   int64           `athanor:",pk"`
	Meta map[string]any  `athanor:",type:json"`
	Pets []*jsonPet      `athanor:",fk:owner_id"`
	Seen json.RawMessage `athanor:",type:json"`
}

type jsonPet struct {
	_       struct{}   `athanor:",table:session_json_pets"`
	ID      int64      `athanor:",pk"`
	OwnerID int64      `athanor:",index"`
	Owner   *jsonOwner `athanor:",fk:owner_id"`
	Tags    []string   `athanor:",type:json"`
}

// TestJSONFieldsEagerLoaded: JSON fields of related objects load through
// a join (scanned into held values, then stored) and a select-in.
func TestJSONFieldsEagerLoaded(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := schema(t, srv.db, mapper.RegisterIn[jsonOwner])
		s := session.New(session.DB(srv.db), session.Options{Registry: reg})
		o := &jsonOwner{Meta: map[string]any{"k": "v"}, Pets: []*jsonPet{{Tags: []string{"a", "b"}}, {}}}
		if err := s.Add(o); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		pets, err := session.Query[jsonPet](session.New(session.DB(srv.db), session.Options{Registry: reg})).
			Options(loader.Joined("Owner")).OrderBy("ID").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(pets) != 2 || pets[0].Owner == nil || !reflect.DeepEqual(pets[0].Owner.Meta, map[string]any{"k": "v"}) ||
			pets[0].Owner.Seen != nil || !reflect.DeepEqual(pets[0].Tags, []string{"a", "b"}) || pets[1].Tags != nil {
			t.Fatalf("joined: %+v", pets)
		}
		owners, err := session.Query[jsonOwner](session.New(session.DB(srv.db), session.Options{Registry: reg})).
			Options(loader.SelectIn("Pets")).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(owners) != 1 || len(owners[0].Pets) != 2 || !reflect.DeepEqual(owners[0].Meta, map[string]any{"k": "v"}) {
			t.Fatalf("select-in: %+v", owners)
		}
	})
}
