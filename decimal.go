package athanor

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// Decimal is an exact decimal number for NUMERIC/DECIMAL columns. It holds
// the number as its decimal text (an optional "-", digits, an optional
// fraction), so a value read from the server is written back digit for
// digit and is never converted to float64. The zero value is 0.
//
// Its scale (digits after the point) is kept as given: 1.50 stays "1.50"
// and is not Equal-as-text to 1.5, though Cmp finds them equal. A
// NUMERIC(p,s) column on PostgreSQL and MySQL rounds a value to s digits
// and returns it with exactly s; SQLite (which stores decimals as TEXT,
// see dialect/sqlite) returns the text it was given.
//
// Decimal implements sql.Scanner and driver.Valuer (it is sent as text, so
// the server parses the digits), encoding.TextMarshaler (JSON writes it as
// a string) and fmt.Stringer. A NULL column needs a *Decimal field.
// Scan accepts text, integers and, for expressions the server computes in
// binary floating point (SQLite's SUM and AVG), a float64, taken as the
// shortest decimal that reads back as the same float: exact for the
// float, but the float is the server's own rounding.
type Decimal struct {
	s string // canonical text; "" is 0
}

// ErrBadDecimal is wrapped by the errors of ParseDecimal and Decimal.Scan
// for text that is not a decimal number (including NaN and infinities).
var ErrBadDecimal = errors.New("athanor: not a decimal number")

// ParseDecimal parses a decimal number: an optional sign, digits with an
// optional fraction, and an optional exponent ("1.5e3" is 1500, "15e-3"
// is 0.015). Leading zeros are dropped; the fraction's digits, trailing
// zeros included, are kept.
func ParseDecimal(s string) (Decimal, error) {
	d, ok := parseDecimal(s)
	if !ok {
		return Decimal{}, fmt.Errorf("%w: %q", ErrBadDecimal, s)
	}
	return d, nil
}

// MustDecimal is ParseDecimal that panics on an error, for constants.
func MustDecimal(s string) Decimal {
	d, err := ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

// NewDecimal is unscaled × 10^-scale: NewDecimal(199, 2) is 1.99.
func NewDecimal(unscaled int64, scale int) Decimal {
	return DecimalFromBig(big.NewInt(unscaled), scale)
}

// DecimalFromBig is unscaled × 10^-scale. A negative scale multiplies by
// a power of ten.
func DecimalFromBig(unscaled *big.Int, scale int) Decimal {
	digits := unscaled.String()
	neg := strings.HasPrefix(digits, "-")
	digits = strings.TrimPrefix(digits, "-")
	return fromParts(neg, digits, scale)
}

// fromParts builds the canonical text of ±digits × 10^-scale.
func fromParts(neg bool, digits string, scale int) Decimal {
	if scale < 0 {
		digits += strings.Repeat("0", -scale)
		scale = 0
	}
	if len(digits) <= scale {
		digits = strings.Repeat("0", scale-len(digits)+1) + digits
	}
	intPart, frac := digits[:len(digits)-scale], digits[len(digits)-scale:]
	intPart = strings.TrimLeft(intPart, "0")
	if intPart == "" {
		intPart = "0"
	}
	s := intPart
	if frac != "" {
		s += "." + frac
	}
	if neg && strings.Trim(s, "0.") != "" {
		s = "-" + s
	}
	if s == "0" {
		s = ""
	}
	return Decimal{s: s}
}

func parseDecimal(s string) (Decimal, bool) {
	neg := false
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = true, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	exp := 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil || e > 1<<16 || e < -(1<<16) {
			return Decimal{}, false
		}
		exp, s = e, s[:i]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" && frac == "" || !allDigits(intPart) || !allDigits(frac) {
		return Decimal{}, false
	}
	return fromParts(neg, intPart+frac, len(frac)-exp), true
}

func allDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// String returns the decimal text, such as "-12.50" or "0".
func (d Decimal) String() string {
	if d.s == "" {
		return "0"
	}
	return d.s
}

// Scale is the number of digits after the point.
func (d Decimal) Scale() int {
	_, frac, _ := strings.Cut(d.s, ".")
	return len(frac)
}

// Big returns d as unscaled × 10^-scale.
func (d Decimal) Big() (unscaled *big.Int, scale int) {
	intPart, frac, _ := strings.Cut(d.String(), ".")
	n, _ := new(big.Int).SetString(intPart+frac, 10)
	return n, len(frac)
}

// Rat returns d as an exact fraction.
func (d Decimal) Rat() *big.Rat {
	n, scale := d.Big()
	return new(big.Rat).SetFrac(n, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil))
}

// Cmp compares d and e as numbers: -1, 0 or +1. 1.5 and 1.50 are equal.
func (d Decimal) Cmp(e Decimal) int {
	if d.s == e.s {
		return 0
	}
	return d.Rat().Cmp(e.Rat())
}

// IsZero reports whether d is 0 (whatever its scale).
func (d Decimal) IsZero() bool { return strings.Trim(d.s, "0.") == "" }

// Value implements driver.Valuer: the decimal text.
func (d Decimal) Value() (driver.Value, error) { return d.String(), nil }

// Scan implements sql.Scanner for text, []byte, integer and float64
// sources (see the type's doc for floats). NULL is an error: scan a
// nullable column into a *Decimal.
func (d *Decimal) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	case int64:
		s = strconv.FormatInt(v, 10)
	case float64:
		s = strconv.FormatFloat(v, 'f', -1, 64)
	case nil:
		return errors.New("athanor: cannot scan NULL into a Decimal (use *Decimal)")
	default:
		return fmt.Errorf("athanor: cannot scan %T into a Decimal", src)
	}
	p, err := ParseDecimal(s)
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// MarshalText implements encoding.TextMarshaler.
func (d Decimal) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Decimal) UnmarshalText(b []byte) error {
	p, err := ParseDecimal(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}
