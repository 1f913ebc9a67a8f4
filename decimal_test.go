package athanor_test

import (
	"encoding/json"
	"errors"
	"math/big"
	"testing"

	"github.com/athanor-orm/athanor"
)

func TestParseDecimal(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"money", "0.99", "0.99"},
		{"trailing zeros kept", "1.50", "1.50"},
		{"leading zeros dropped", "007.10", "7.10"},
		{"plus sign", "+3", "3"},
		{"negative", "-12.345", "-12.345"},
		{"negative zero", "-0.00", "0.00"},
		{"zero", "0", "0"},
		{"no integer part", ".5", "0.5"},
		{"no fraction digits", "5.", "5"},
		{"exponent", "1.5e3", "1500"},
		{"negative exponent", "15E-3", "0.015"},
		{"beyond float64", "12345678901234567890.0123456789", "12345678901234567890.0123456789"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := athanor.ParseDecimal(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if d.String() != c.want {
				t.Fatalf("ParseDecimal(%q) = %q, want %q", c.in, d, c.want)
			}
		})
	}
	for _, bad := range []string{"", "-", ".", "1.2.3", "NaN", "Infinity", "1e", "0x10", " 1", "1,5"} {
		if _, err := athanor.ParseDecimal(bad); !errors.Is(err, athanor.ErrBadDecimal) {
			t.Errorf("ParseDecimal(%q): %v, want ErrBadDecimal", bad, err)
		}
	}
}

func TestDecimalArithmeticViews(t *testing.T) {
	var zero athanor.Decimal
	if zero.String() != "0" || !zero.IsZero() || zero.Scale() != 0 {
		t.Fatalf("zero value: %q", zero)
	}
	if d := athanor.NewDecimal(199, 2); d.String() != "1.99" || d.Scale() != 2 {
		t.Fatalf("NewDecimal(199, 2) = %q", d)
	}
	if d := athanor.NewDecimal(-5, 3); d.String() != "-0.005" {
		t.Fatalf("NewDecimal(-5, 3) = %q", d)
	}
	if d := athanor.NewDecimal(12, -2); d.String() != "1200" {
		t.Fatalf("NewDecimal(12, -2) = %q", d)
	}
	n, _ := new(big.Int).SetString("123456789012345678901234567890", 10)
	if d := athanor.DecimalFromBig(n, 10); d.String() != "12345678901234567890.1234567890" {
		t.Fatalf("DecimalFromBig = %q", d)
	}
	u, s := athanor.MustDecimal("-1.250").Big()
	if u.Int64() != -1250 || s != 3 {
		t.Fatalf("Big() = %v, %d", u, s)
	}
	if r := athanor.MustDecimal("0.1").Rat(); r.Cmp(big.NewRat(1, 10)) != 0 {
		t.Fatalf("Rat() = %v", r)
	}
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"1.5", "1.50", 0}, {"0.99", "1", -1}, {"-2", "-10", 1}, {"0.00", "0", 0},
	} {
		if got := athanor.MustDecimal(c.a).Cmp(athanor.MustDecimal(c.b)); got != c.want {
			t.Errorf("Cmp(%s, %s) = %d", c.a, c.b, got)
		}
	}
}

func TestDecimalScanValue(t *testing.T) {
	a, b := 0.1, 0.2 // variables: constants would add exactly
	cases := []struct {
		name string
		src  any
		want string
	}{
		{"text (PostgreSQL, SQLite)", "0.30", "0.30"},
		{"bytes (MySQL)", []byte("1234.5600"), "1234.5600"},
		{"integer (SQLite SUM of integers)", int64(42), "42"},
		{"float: shortest text of the float", a + b, "0.30000000000000004"},
		{"float from ROUND", 3.28, "3.28"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var d athanor.Decimal
			if err := d.Scan(c.src); err != nil {
				t.Fatal(err)
			}
			if d.String() != c.want {
				t.Fatalf("Scan(%v) = %q, want %q", c.src, d, c.want)
			}
			v, err := d.Value()
			if err != nil || v != c.want {
				t.Fatalf("Value() = %v, %v", v, err)
			}
		})
	}
	var d athanor.Decimal
	if err := d.Scan(nil); err == nil {
		t.Error("Scan(nil) succeeded")
	}
	if err := d.Scan("NaN"); !errors.Is(err, athanor.ErrBadDecimal) {
		t.Errorf("Scan(NaN): %v", err)
	}
	if err := d.Scan(true); err == nil {
		t.Error("Scan(bool) succeeded")
	}
}

func TestDecimalJSON(t *testing.T) {
	type row struct {
		Price athanor.Decimal `json:"price"`
	}
	b, err := json.Marshal(row{athanor.MustDecimal("19.90")})
	if err != nil || string(b) != `{"price":"19.90"}` {
		t.Fatalf("Marshal: %s %v", b, err)
	}
	var r row
	if err := json.Unmarshal([]byte(`{"price":"0.10"}`), &r); err != nil || r.Price.String() != "0.10" {
		t.Fatalf("Unmarshal: %q %v", r.Price, err)
	}
	if err := json.Unmarshal([]byte(`{"price":"ten"}`), &r); !errors.Is(err, athanor.ErrBadDecimal) {
		t.Fatalf("Unmarshal bad: %v", err)
	}
}

// Parsing the text of a parsed decimal gives it back unchanged, and
// Big/DecimalFromBig round-trip it.
func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"0", "0.99", "-1.50", "+007.10", ".5", "5.", "1e3", "-15E-3", "12345678901234567890.0123456789", "-0.00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := athanor.ParseDecimal(s)
		if err != nil {
			return
		}
		again, err := athanor.ParseDecimal(d.String())
		if err != nil || again != d {
			t.Fatalf("%q -> %q -> %q, %v", s, d, again, err)
		}
		u, scale := d.Big()
		if b := athanor.DecimalFromBig(u, scale); b != d {
			t.Fatalf("%q: Big round trip %q", d, b)
		}
		if d.Rat().Cmp(again.Rat()) != 0 {
			t.Fatalf("%q: Rat differs", d)
		}
	})
}
