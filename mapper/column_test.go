package mapper

import (
	"reflect"
	"testing"
	"time"
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

type columnRow struct {
	ID   int64 `athanor:",pk"`
	Name string
	At   time.Time
	Note *string
	Raw  []byte
	Kind columnKind
}

type columnKind uint8
