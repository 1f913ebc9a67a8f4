package session

import (
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/mapper"
)

type jOwner struct {
	_    struct{} `athanor:",table:session_journal_owners"`
	ID   int64    `athanor:",pk,noautoincrement"`
	Name string
	Kids []*jKid `athanor:",backref:Owner"`
}

type jKid struct {
	_       struct{} `athanor:",table:session_journal_kids"`
	ID      int64    `athanor:",pk,noautoincrement"`
	OwnerID int64
	Owner   *jOwner
}

// A journal keeps relationship writes apart from column writes: restore,
// merge and filter must still pair each with its own record and undo
// them all, latest first.
func TestJournalRelWrites(t *testing.T) {
	reg := mapper.NewRegistry()
	om, err := mapper.RegisterIn[jOwner](reg)
	if err != nil {
		t.Fatal(err)
	}
	km, err := mapper.RegisterIn[jKid](reg)
	if err != nil {
		t.Fatal(err)
	}
	rel := func(m *mapper.Model, name string) *mapper.Relation {
		for _, r := range m.Relations() {
			if r.Name == name {
				return r
			}
		}
		t.Fatalf("%s has no relationship %s", m.Name, name)
		return nil
	}
	field := func(m *mapper.Model, name string) *mapper.Field {
		for _, f := range m.Fields() {
			if f.Name == name {
				return f
			}
		}
		t.Fatalf("%s has no field %s", m.Name, name)
		return nil
	}
	kidsRel, ownerRel := rel(om, "Kids"), rel(km, "Owner")
	nameF, ownerIDF := field(om, "Name"), field(km, "OwnerID")

	type world struct {
		o1, o2 *jOwner
		k      *jKid
	}
	fresh := func() world {
		o1, o2 := &jOwner{ID: 1, Name: "one"}, &jOwner{ID: 2, Name: "two"}
		k := &jKid{ID: 1, OwnerID: 1, Owner: o1}
		o1.Kids = []*jKid{k}
		return world{o1, o2, k}
	}
	// change moves the kid from o1 to o2 and renames o1, journaling in j
	// (the column writes) and in j2 (the relationship writes, if not nil).
	change := func(w world, j, j2 *journal) {
		if j2 == nil {
			j2 = j
		}
		kp, o1p, o2p := km.Ref(w.k), om.Ref(w.o1), om.Ref(w.o2)
		j.writes = append(j.writes, fieldWrite{p: kp, f: ownerIDF, old: ownerIDF.Value(kp)})
		_ = ownerIDF.Set(kp, int64(2))
		j2.relWrite(kp, ownerRel, ownerRel.Get(kp))
		ownerRel.Set(kp, []mapper.Ref{o2p})
		j2.relWrite(o1p, kidsRel, kidsRel.Get(o1p))
		kidsRel.Set(o1p, nil)
		j2.writes = append(j2.writes, fieldWrite{p: o1p, f: nameF, old: nameF.Value(o1p)})
		_ = nameF.Set(o1p, "renamed")
		j2.relWrite(o2p, kidsRel, kidsRel.Get(o2p))
		kidsRel.Set(o2p, []mapper.Ref{kp})
	}
	check := func(what string, w world, kidUndone, ownerUndone bool) {
		t.Helper()
		if kidUndone != (w.k.OwnerID == 1 && w.k.Owner == w.o1) {
			t.Errorf("%s: kid owner %d %p (o1 %p), undone: want %v", what, w.k.OwnerID, w.k.Owner, w.o1, kidUndone)
		}
		if ownerUndone != (w.o1.Name == "one" && len(w.o1.Kids) == 1 && w.o1.Kids[0] == w.k && len(w.o2.Kids) == 0) {
			t.Errorf("%s: o1 %q %v, o2 %v; undone: want %v", what, w.o1.Name, w.o1.Kids, w.o2.Kids, ownerUndone)
		}
	}
	s := &Session{}

	w := fresh()
	var j journal
	change(w, &j, nil)
	check("changed", w, false, false)
	j.restore(s)
	check("restored", w, true, true)

	w = fresh()
	var a, b journal
	change(w, &a, &b)
	a.merge(s, &b)
	a.restore(s)
	check("merged", w, true, true)

	// Only the owners' table: the kid's writes stay.
	w = fresh()
	j = journal{}
	change(w, &j, nil)
	owners := om.Table()
	j.filter(func(t *core.Table) bool { return t == owners }).restore(s)
	check("owners only", w, false, true)
	w = fresh()
	j = journal{}
	change(w, &j, nil)
	kids := km.Table()
	j.filter(func(t *core.Table) bool { return t == kids }).restore(s)
	check("kids only", w, true, false)
}
