package mapper

import (
	"reflect"
	"testing"
	"time"
	"unsafe"
)

// A Column's values read back as Field.Value reads the same field of an
// object, for every kind of field: set through Addr, compared with Value
// of an object holding the same.
func TestColumnValuesMatchFieldValues(t *testing.T) {
	m, err := RegisterIn[columnRow](NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	note := "n"
	rows := []columnRow{
		{ID: 1 << 40, Name: "a", At: time.Unix(1, 0).UTC(), Note: &note, Raw: []byte("x"), Kind: 3},
		{ID: 2, Name: "", Note: nil, Raw: nil},
	}
	for _, f := range m.Fields() {
		c := f.NewColumn(len(rows))
		for i := range rows {
			// Store through the column's scan target, as a driver would.
			reflect.ValueOf(c.Addr(i)).Elem().Set(reflect.ValueOf(f.Addr(m.Ref(&rows[i]))).Elem())
		}
		for i := range rows {
			want := f.Value(m.Ref(&rows[i]))
			if got := c.Value(i); !f.Equal(got, want) || (got == nil) != (want == nil) {
				t.Errorf("field %s row %d: column value %#v, field value %#v", f.Name, i, got, want)
			}
		}
	}
}

// A Column in a ColumnBuf reads back as one of its own, for every kind
// of field: those of plain values live in the buffer, allocating
// nothing; the others are allocated as NewColumn's.
func TestColumnInBuf(t *testing.T) {
	m, err := RegisterIn[columnRow](NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	note := "n"
	rows := []columnRow{
		{ID: 1 << 40, Name: "a", At: time.Unix(1, 0).UTC(), Note: &note, Raw: []byte("x"), Kind: 3},
		{ID: -2, Name: "", Note: nil, Raw: nil, Kind: 250},
	}
	var buf ColumnBuf
	for _, f := range m.Fields() {
		for n := 1; n <= len(rows); n++ {
			buf.w = [2]uint64{^uint64(0), ^uint64(0)} // a previous use's values
			c := f.NewColumnIn(n, &buf)
			inBuf := c.base == unsafe.Pointer(&buf.w)
			if plain := f.Name == "ID" || f.Name == "Kind"; inBuf != plain {
				t.Errorf("field %s, %d rows: in the buffer %v, want %v", f.Name, n, inBuf, plain)
			}
			for i := range n {
				if !reflect.ValueOf(c.Addr(i)).Elem().IsZero() {
					t.Errorf("field %s, %d rows: value %d not zero before the scan", f.Name, n, i)
				}
				reflect.ValueOf(c.Addr(i)).Elem().Set(reflect.ValueOf(f.Addr(m.Ref(&rows[i]))).Elem())
			}
			for i := range n {
				want := f.Value(m.Ref(&rows[i]))
				if got := c.Value(i); !f.Equal(got, want) || (got == nil) != (want == nil) {
					t.Errorf("field %s, %d rows, row %d: column value %#v, field value %#v", f.Name, n, i, got, want)
				}
			}
		}
	}
	id := m.Fields()[0]
	if allocs := testing.AllocsPerRun(100, func() { id.NewColumnIn(2, &buf) }); allocs != 0 {
		t.Errorf("a column of two int64 in a buffer allocates %v times, want 0", allocs)
	}
}

type columnRow struct {
	ID   int64 `athanor:",pk"`
	Name string
	At   time.Time
	Note *string
	Raw  []byte
	Kind columnKind
}

type columnKind uint8
