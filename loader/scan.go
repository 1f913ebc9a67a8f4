package loader

import (
	"reflect"
	"slices"

	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/objaccess"
	"github.com/athanor-orm/athanor/mapper"
)

// Scanning
//
// A row holds one object of the selection's model and one of each joined
// relationship. The identity map decides what a row costs: an object the
// session holds already is taken from it untouched (a loaded row never
// overwrites unflushed changes), so only its key is needed; only an object
// the session lacks is allocated, scanned in full, snapshotted and
// published. A row may be scanned in two steps (engine.Rows.Scan skips nil
// destinations): its keys, then, if some object is new, that object's
// other columns; a scan does so while most of its rows found their
// objects in the session (a many-to-many's shared targets), and reads
// rows whole while most were new, then publishing each row's object
// without looking it up first (Adopt returns the held object, if any).
// A row with the key of the row before it needs no look-up either.
// Either way the row goes into a spare object of each model, which
// becomes the new object, or is zeroed and reused by the next row when
// the key was found. A joined object's other columns are always read in
// the second step, straight into the spare: only its key needs a
// NULL-taking hold (a LEFT JOIN row without it is NULL throughout), and
// a hold costs an allocation per non-NULL value.

// part is one object of a row.
type part struct {
	m       *mapper.Model
	fields  []*mapper.Field
	col     int             // index of its first column in the row
	holds   []reflect.Value // a joined object's key (NULL-able): a **F per non-pointer key field, scanned in its place
	hasRest bool            // it has columns besides its key
	keyAt   []int           // the base object's fields that hold the owner key (selection.keyAt)

	p     mapper.Ref     // the spare object, until it is published
	objs  objaccess.Slab // where spares come from (made on first use, see spare)
	slab  bool           // objs is set
	used  bool           // a row scanned more than early fields into the spare (zero it before the next)
	got   mapper.Ref     // this row's object, zero when absent
	hnd   Handle         // got's Handle, when the Adopter gave one
	new   bool           // got is the spare, published by this row
	adopt Adopter        // publishes the new objects (made on first use)
	// A row with the key of the row before it (rows ordered by the
	// model's key: the shared targets of a many-to-many, a root repeated
	// by a joined collection) is that row's object: key is the model's
	// key field when it is one integer that identifies a row alone,
	// last and lastKey the previous row's object and key.
	key     *mapper.Field
	last    mapper.Ref
	lastHnd Handle
	lastKey int64
	// Rows whose object was in the session, or new: the base object's
	// rows are read in two steps while most were found, a joined object
	// is adopted without a look-up while most were new.
	found, made int
	// canFill: the model has deferred or computed fields, which a held
	// object may lack and this row bring (see FillHost); fill lists them.
	canFill bool
	fill    []int
}

// spare readies the spare object for a row: a new one, or the last row's
// zeroed (so that every row scans into a zero object, as into a new one).
// A spare that took only its early fields (a row whose object was held)
// needs no zeroing: the next row writes them all again.
func (pt *part) spare() {
	switch {
	case pt.p.IsNil():
		// New objects come from a slab: a load building n objects of a
		// model allocates about n/64 arrays, not n objects.
		if !pt.slab {
			pt.objs, pt.slab = objaccess.NewSlab(pt.m.Type), true
		}
		pt.p = pt.m.Ref(pt.objs.Next())
	case pt.used:
		pt.objs.Discard() // the spare is the slab's current slot
		pt.used = false
	}
}

// early reports whether field k is read in a row's first step: a key of
// the object or the owner key the row carries.
func (pt *part) early(k int, f *mapper.Field) bool {
	return f.PrimaryKey || slices.Contains(pt.keyAt, k)
}

// dest is the scan destination of field k of the spare.
func (pt *part) dest(k int, f *mapper.Field) any {
	if pt.holds != nil {
		if hv := pt.holds[k]; hv.IsValid() {
			hv.Elem().SetZero()
			return hv.Interface()
		}
	}
	return f.Addr(pt.p)
}

// present reports whether a joined row was there (its key is not NULL).
func (pt *part) present() bool {
	for k, f := range pt.fields {
		if !f.PrimaryKey {
			continue
		}
		if hv := pt.holds[k]; hv.IsValid() {
			if hv.Elem().IsNil() {
				return false
			}
		} else if f.IsNil(pt.p) {
			return false
		}
	}
	return true
}

// storeKey copies the held key values into the spare.
func (pt *part) storeKey() {
	for k, f := range pt.fields {
		hv := pt.holds[k]
		if !hv.IsValid() {
			continue
		}
		dst := reflect.ValueOf(f.Addr(pt.p)).Elem()
		if v := hv.Elem(); v.IsNil() {
			dst.SetZero()
		} else {
			dst.Set(v.Elem())
		}
	}
}

// scan reads rows: each row's base object goes to emit with the index of
// the owner key it carries (keys; -1 without keys or for a key no owner
// has), its Handle (nil if none) and whether the row published it; joined
// objects are recorded in res.
func (s *selection) scan(h Host, rows *engine.Rows, res *result, keys *keyIndex, emit func(k int32, base mapper.Ref, hnd Handle, published bool)) error {
	nk := len(s.keyCols)
	if s.keyAt != nil {
		nk = 0 // the key is in the object's columns
	}
	parts := make([]part, 1+len(s.joins))
	width := nk
	parts[0] = part{m: s.m, fields: s.fields, col: width, keyAt: s.keyAt}
	width += len(s.fields)
	for i, j := range s.joins {
		tm := j.n.rel.Target
		pt := part{m: tm, fields: j.fields, col: width, holds: make([]reflect.Value, len(j.fields))}
		for k, f := range pt.fields {
			if kd := f.Type.Kind(); f.PrimaryKey && kd != reflect.Pointer && kd != reflect.Interface { // these take NULL as they are
				pt.holds[k] = reflect.New(reflect.PointerTo(f.Type))
			}
		}
		width += len(pt.fields)
		parts[i+1] = pt
	}
	fh, _ := h.(FillHost)
	for i := range parts {
		pt := &parts[i]
		for k, f := range pt.fields {
			pt.hasRest = pt.hasRest || !pt.early(k, f)
		}
		pt.canFill = fh != nil && pt.hasRest && pt.m.HasDeferred()
		if k := pt.m.IntKey(); k >= 0 {
			pt.key = pt.m.Fields()[k]
		}
	}
	keyHold := make([]reflect.Value, nk)
	keyDest := make([]any, nk)
	for i := range nk {
		keyHold[i] = reflect.New(s.keyT[i])
		keyDest[i] = keyHold[i].Interface()
	}
	keyVals := make([]any, len(s.keyCols))
	canSplit := true // engine.Rows.Scan skips nil destinations, on every driver
	dest := make([]any, width)
	for rows.Next() {
		split := canSplit && parts[0].found >= parts[0].made
		// The keys (and, without split, everything).
		copy(dest, keyDest)
		for i := range parts {
			pt := &parts[i]
			pt.spare()
			late := split || pt.holds != nil // the other columns come in the second step
			pt.used = pt.used || !late
			for k, f := range pt.fields {
				if late && !pt.early(k, f) {
					dest[pt.col+k] = nil
				} else {
					dest[pt.col+k] = pt.dest(k, f)
				}
			}
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		var key int32 // the owner key's index
		if s.keyAt != nil {
			key = keys.fieldKey(s.fields, s.keyAt, parts[0].p, keyVals)
		} else {
			key = keys.rowKey(keyHold, s.keyK, keyVals)
		}
		// The identity map's objects.
		again := false
		for i := range parts {
			pt := &parts[i]
			pt.got, pt.hnd, pt.new, pt.fill = mapper.Ref{}, nil, false, nil
			late := split || pt.holds != nil
			if pt.holds != nil {
				if !pt.present() {
					continue
				}
				pt.storeKey()
			}
			if pt.key != nil {
				k, _ := pt.key.Int(pt.p)
				if k == pt.lastKey && !pt.last.IsNil() {
					pt.got, pt.hnd = pt.last, pt.lastHnd // filled, if need be, by that row
					continue
				}
				pt.lastKey = k
			}
			if !late || pt.holds != nil && pt.made > pt.found {
				// Most rows are new: Adopt the row's object once it is
				// read whole (Adopt looks its key up too).
				pt.new = true
				again = again || (late && pt.hasRest)
				continue
			}
			if q := h.Lookup(pt.m, pt.p); !q.IsNil() {
				pt.got = q
				if pt.canFill {
					pt.fill = fh.Lacking(pt.m, q, pt.fields)
					again = again || (late && len(pt.fill) > 0)
				}
				continue
			}
			pt.new = true
			again = again || (late && pt.hasRest)
		}
		// The new objects' other columns.
		if again {
			clear(dest)
			for i := range parts {
				pt := &parts[i]
				if !pt.new && len(pt.fill) == 0 || !split && pt.holds == nil {
					continue // nothing to read, or read in the first step
				}
				pt.used = true
				for k, f := range pt.fields {
					if !pt.early(k, f) {
						dest[pt.col+k] = pt.dest(k, f)
					}
				}
			}
			if err := rows.Scan(dest...); err != nil {
				return err
			}
		}
		for i := range parts {
			pt := &parts[i]
			switch {
			case len(pt.fill) > 0:
				fh.Fill(pt.m, pt.got, pt.p, pt.fields, pt.fill)
				pt.fill = nil
			case pt.new:
				if pt.adopt == nil {
					pt.adopt = h.Adopter(pt.m)
				}
				pt.got, pt.hnd = pt.adopt.Adopt(pt.p)
				if pt.new = pt.got == pt.p; pt.new {
					pt.objs.Keep()
					pt.p, pt.used = mapper.Ref{}, false // published: the next row needs a new spare
				} else if pt.canFill {
					if fill := fh.Lacking(pt.m, pt.got, pt.fields); len(fill) > 0 {
						fh.Fill(pt.m, pt.got, pt.p, pt.fields, fill)
					}
				}
			}
			if pt.key != nil {
				pt.last, pt.lastHnd = pt.got, pt.hnd
			}
			if pt.new {
				pt.made++
			} else if !pt.got.IsNil() {
				pt.found++
			}
		}
		bp := parts[0].got
		emit(key, bp, parts[0].hnd, parts[0].new)
		for i, j := range s.joins {
			owner := bp
			if j.parent >= 0 {
				owner = parts[j.parent+1].got
			}
			pt := &parts[i+1]
			if owner.IsNil() {
				pt.got = mapper.Ref{} // so are the joins under it
				continue
			}
			jr := &res.joins[i]
			if j.n.rel.Many() {
				jr.addMember(owner, pt.got)
				continue
			}
			if jr.seen == nil {
				jr.seen = map[mapper.Ref]bool{}
			}
			if jr.seen[owner] {
				continue
			}
			jr.seen[owner] = true
			jr.owners = append(jr.owners, owner)
			jr.targets = append(jr.targets, pt.got)
		}
	}
	return rows.Err()
}
