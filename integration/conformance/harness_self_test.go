package conformance

import (
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// The harness must call equal what is equal across drivers and nothing
// else, or the suite proves nothing.
func TestNormalise(t *testing.T) {
	var num pgtype.Numeric
	if err := num.Scan("13.860"); err != nil {
		t.Fatal(err)
	}
	ny := time.Date(2022, 1, 7, 19, 0, 0, 0, mustZone("America/New_York"))
	same := []struct {
		name string
		a, b any
	}{
		{"numeric and float", num, 13.86},
		{"decimal text and float", []byte("13.86"), 13.86},
		{"trailing zeros", "2.00", int64(2)},
		{"instant in a zone and UTC text", ny, "2022-01-08 00:00:00"},
		{"offset text and UTC time", "2022-01-08 05:30:00+05:30", time.Date(2022, 1, 8, 0, 0, 0, 0, time.UTC)},
		{"bool and int", true, int64(1)},
		{"nil pointer and nil", (*string)(nil), nil},
		{"pointer and value", ptr("São Paulo"), []byte("São Paulo")},
	}
	for _, c := range same {
		if norm(c.a) != norm(c.b) {
			t.Errorf("%s: %q != %q", c.name, norm(c.a), norm(c.b))
		}
	}
	differ := []struct {
		name string
		a, b any
	}{
		{"float error shows", 12.870000000000001, "12.87"},
		{"wall clock is not the instant", "2022-01-07 19:00:00", ny},
		{"NULL is not empty", nil, ""},
		{"NULL is not the text NULL", nil, "NULL "},
		{"postal code keeps its zero", "0171", int64(171)},
	}
	for _, c := range differ {
		if norm(c.a) == norm(c.b) {
			t.Errorf("%s: both %q", c.name, norm(c.a))
		}
	}
}

func TestCompare(t *testing.T) {
	a := [][]string{{"1", "x"}, {"2", "y"}}
	b := [][]string{{"2", "y"}, {"1", "x"}}
	if compare(a, b, false) == nil {
		t.Error("rows in another order pass an ordered comparison")
	}
	if err := compare(a, b, true); err != nil {
		t.Errorf("unordered comparison: %v", err)
	}
	if compare(a, a[:1], true) == nil {
		t.Error("a missing row passes")
	}
	if compare([][]string{{"1", "x"}, {"1", "x"}}, [][]string{{"1", "x"}}, true) == nil {
		t.Error("a duplicate row is not counted")
	}
}

func TestTranslate(t *testing.T) {
	got := translate(`SELECT t.UnitPrice, "Name", 'TrackId' FROM Track t JOIN InvoiceLine il ON il.TrackId = t.TrackId`, snake)
	want := `SELECT t.unit_price, "Name", 'TrackId' FROM track t JOIN invoice_line il ON il.track_id = t.track_id`
	if got != want {
		t.Errorf("translate:\n got %s\nwant %s", got, want)
	}
}

// A decimal question admits no binary float on either side.
func TestExactRejectsFloats(t *testing.T) {
	rows := [][]any{{int64(1), []byte("13.86")}, {int64(2), 13.86}}
	if _, err := normRows(rows, true); err == nil || !strings.Contains(err.Error(), "row 1 column 1") {
		t.Errorf("a float in an exact answer: %v, want an error naming row 1 column 1", err)
	}
	if _, err := normRows(rows, false); err != nil {
		t.Errorf("a float in an ordinary answer: %v", err)
	}
}
