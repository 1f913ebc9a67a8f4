package loader

import (
	"fmt"
	"reflect"
	"strconv"
	"unsafe"

	"github.com/athanor-orm/athanor/mapper"
)

// Owner keys
//
// A relationship load selects the related rows of its owners by key (the
// owner's primary key, or for a many-to-one its foreign key) and matches
// each row back to its owners by the key value the row carries. The
// distinct keys are numbered in first-seen order; a row's key becomes that
// number through keyIndex, and the rows are grouped by it. A key of one
// integer column (the usual case) is read and looked up as an int64,
// never boxed, and when the keys are compact (autoincrement keys mostly
// are) in a table indexed by the key instead of a hash map.

// keyIndex numbers the distinct owner keys of one load.
type keyIndex struct {
	dense []int32         // one integer column, compact: number of key base+i, or -1
	base  int64           // the smallest key, for dense
	ints  map[int64]int32 // one integer column otherwise
	other map[any]int32   // several columns or other types: keyOf of the values
}

// denseSlack is how much larger than the number of owners the range of
// their integer keys may be for keyIndex to use a table.
const denseSlack = 64

// number returns the number of integer key v, numbering it next (n) if
// it is new, and whether it was new.
func (ki *keyIndex) number(v int64, n int32) (int32, bool) {
	if ki.dense != nil {
		j := &ki.dense[v-ki.base]
		if *j < 0 {
			*j = n
			return n, true
		}
		return *j, false
	}
	if j, ok := ki.ints[v]; ok {
		return j, false
	}
	ki.ints[v] = n
	return n, true
}

// keySet is the distinct keys of a load, in index order.
type keySet struct {
	n     int
	one   reflect.Value // one column: a []K of the keys, K the column's Go type
	multi [][]any       // several columns
}

// slice returns keys [lo, hi), for one IN list.
func (k keySet) slice(lo, hi int) keySet {
	out := keySet{n: hi - lo}
	if k.one.IsValid() {
		out.one = k.one.Slice(lo, hi)
	} else {
		out.multi = k.multi[lo:hi]
	}
	return out
}

// ownerKeys reads the key of every owner, numbers the distinct ones
// (their index per owner in idx, -1 for a key with a NULL part), and
// returns them as a keySet. kf are the owner's key fields, kt the Go
// types of the key columns (kf's types without pointers).
func ownerKeys(kf []*mapper.Field, kt []reflect.Type, owners []mapper.Ref, sc *scratch) (*keyIndex, keySet, []int32) {
	idx := sc.int32s(len(owners))
	ki := &keyIndex{}
	if len(kf) == 1 && kf[0].IsInt() {
		f := kf[0]
		lo, hi := int64(0), int64(0)
		for i, o := range owners {
			v, _ := f.Int(o)
			if i == 0 || v < lo {
				lo = v
			}
			if i == 0 || v > hi {
				hi = v
			}
		}
		if span := uint64(hi) - uint64(lo); len(owners) > 0 && span < uint64(2*len(owners)+denseSlack) {
			ki.dense, ki.base = sc.int32s(int(span)+1), lo
			for i := range ki.dense {
				ki.dense[i] = -1
			}
		} else {
			ki.ints = make(map[int64]int32, len(owners))
		}
		var ints []int64
		var typed reflect.Value // for key types other than int64
		if kt[0] == int64Type {
			ints = make([]int64, 0, len(owners))
		} else {
			typed = reflect.MakeSlice(reflect.SliceOf(kt[0]), 0, len(owners))
		}
		n := int32(0)
		for i, o := range owners {
			v, _ := f.Int(o)
			j, isNew := ki.number(v, n)
			if isNew {
				n++
				if ints != nil {
					ints = append(ints, v)
				} else {
					typed = reflect.Append(typed, reflect.ValueOf(f.Value(o)))
				}
			}
			idx[i] = j
		}
		if ints != nil {
			typed = reflect.ValueOf(ints)
		}
		return ki, keySet{n: int(n), one: typed}, idx
	}
	ki.other = make(map[any]int32, len(owners))
	var keys [][]any
	flat := make([]any, len(owners)*len(kf)) // backing store of keys
	for i, o := range owners {
		vals := flat[i*len(kf) : (i+1)*len(kf) : (i+1)*len(kf)]
		null := false
		for j, f := range kf {
			vals[j] = f.Value(o)
			null = null || vals[j] == nil
		}
		if null {
			idx[i] = -1
			continue
		}
		k := keyOf(vals)
		j, ok := ki.other[k]
		if !ok {
			j = int32(len(keys))
			ki.other[k] = j
			keys = append(keys, vals)
		}
		idx[i] = j
	}
	ks := keySet{n: len(keys)}
	if len(kf) == 1 {
		sl := reflect.MakeSlice(reflect.SliceOf(kt[0]), 0, len(keys))
		for _, k := range keys {
			v := reflect.ValueOf(k[0])
			if v.Type() != kt[0] && v.Type().ConvertibleTo(kt[0]) {
				v = v.Convert(kt[0])
			}
			sl = reflect.Append(sl, v)
		}
		ks.one = sl
	} else {
		ks.multi = keys
	}
	return ki, ks, idx
}

var int64Type = reflect.TypeFor[int64]()

// rowKey reads the owner key a row carries (scanned into hold, one
// pointer per key column) and returns its index, or -1 when no owner has
// it.
func (ki *keyIndex) rowKey(hold []reflect.Value, kinds []reflect.Kind, vals []any) int32 {
	if ki == nil {
		return -1
	}
	if ki.dense != nil || ki.ints != nil {
		n, _ := intAt(kinds[0], hold[0].UnsafePointer())
		return ki.intKey(n)
	}
	for i, h := range hold {
		vals[i] = h.Elem().Interface()
	}
	if j, ok := ki.other[keyOf(vals)]; ok {
		return j
	}
	return -1
}

// fieldKey is rowKey for a key read from the fields at (indexes in fs)
// of obj, the object the row was scanned into.
func (ki *keyIndex) fieldKey(fs []*mapper.Field, at []int, obj mapper.Ref, vals []any) int32 {
	if ki == nil {
		return -1
	}
	if ki.dense != nil || ki.ints != nil {
		n, _ := fs[at[0]].Int(obj)
		return ki.intKey(n)
	}
	for i, j := range at {
		vals[i] = fs[j].Value(obj)
	}
	if j, ok := ki.other[keyOf(vals)]; ok {
		return j
	}
	return -1
}

// intKey is the index of integer key n, or -1.
func (ki *keyIndex) intKey(n int64) int32 {
	if ki.dense != nil {
		if d := uint64(n) - uint64(ki.base); d < uint64(len(ki.dense)) {
			return ki.dense[d]
		}
		return -1
	}
	if j, ok := ki.ints[n]; ok {
		return j
	}
	return -1
}

// intAt reads an integer of kind k at p as mapper.Field.Int does.
func intAt(k reflect.Kind, p unsafe.Pointer) (int64, bool) {
	switch k {
	case reflect.Int64, reflect.Uint64:
		return *(*int64)(p), true
	case reflect.Int:
		return int64(*(*int)(p)), true
	case reflect.Int32:
		return int64(*(*int32)(p)), true
	case reflect.Int16:
		return int64(*(*int16)(p)), true
	case reflect.Int8:
		return int64(*(*int8)(p)), true
	case reflect.Uint, reflect.Uintptr:
		return int64(*(*uint)(p)), true
	case reflect.Uint32:
		return int64(*(*uint32)(p)), true
	case reflect.Uint16:
		return int64(*(*uint16)(p)), true
	case reflect.Uint8:
		return int64(*(*uint8)(p)), true
	}
	return 0, false
}

// keyOf turns key values into a map key: the value itself for one column
// (bytes as a string), a string for several.
func keyOf(vals []any) any {
	if len(vals) == 1 {
		if b, ok := vals[0].([]byte); ok {
			return string(b)
		}
		return vals[0]
	}
	var buf []byte
	for _, v := range vals {
		if b, ok := v.([]byte); ok {
			v = string(b)
		}
		s := fmt.Sprintf("%T:%v", v, v)
		buf = strconv.AppendInt(buf, int64(len(s)), 10)
		buf = append(buf, ':')
		buf = append(buf, s...)
	}
	return string(buf)
}

// groups is the targets of a load by owner key index: rows collected in
// row order (in a buffer of the run's scratch, reused by its later loads
// and runs), then bucketed into one backing array.
type groups struct {
	rows     *rowBuf
	flat     []mapper.Ref // targets bucketed by key
	end      []int32      // end of key i's bucket in flat; it starts at end[i-1]
	keepHnds bool         // keep the targets' Handles (in hnds, as flat)
	hnds     []Handle
}

// rowBuf is the key index, object and object's Handle (if kept) of each
// row of a load.
type rowBuf struct {
	key    []int32
	target []mapper.Ref
	hnd    []Handle
}

func (g *groups) add(k int32, p mapper.Ref, h Handle) {
	if g.rows == nil {
		g.rows = new(rowBuf)
	}
	g.rows.key = append(g.rows.key, k)
	g.rows.target = append(g.rows.target, p)
	if g.keepHnds {
		g.rows.hnd = append(g.rows.hnd, h)
	}
}

// build buckets the rows of n keys, keeping row order within a key.
func (g *groups) build(n int, sc *scratch) {
	rb := g.rows
	if rb == nil {
		return
	}
	g.rows = nil
	end := sc.int32s(n + 1)
	for _, k := range rb.key {
		end[k+1]++
	}
	for i := 1; i <= n; i++ {
		end[i] += end[i-1]
	}
	g.flat = make([]mapper.Ref, len(rb.target))
	if len(rb.hnd) == len(rb.target) {
		g.hnds = sc.handles(len(rb.hnd))
		for i, k := range rb.key {
			g.hnds[end[k]] = rb.hnd[i]
			g.flat[end[k]] = rb.target[i]
			end[k]++
		}
	} else {
		for i, k := range rb.key {
			g.flat[end[k]] = rb.target[i]
			end[k]++
		}
	}
	g.end = end[:n]
	sc.putRows(rb)
}

// of returns the targets of key index k (nil for none, or for k < 0),
// with no room to append into the next key's.
func (g *groups) of(k int32) []mapper.Ref {
	if k < 0 || g.end == nil {
		return nil
	}
	lo := int32(0)
	if k > 0 {
		lo = g.end[k-1]
	}
	hi := g.end[k]
	if lo == hi {
		return nil
	}
	return g.flat[lo:hi:hi]
}

// count is the number of targets grouped (or collected so far).
func (g *groups) count() int {
	if g.rows != nil {
		return len(g.rows.target)
	}
	return len(g.flat)
}
