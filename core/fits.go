package core

import (
	"fmt"
	"math"
	"reflect"
)

// checkFits returns an error when v, bound to column c, would not be
// stored unchanged: a float (float32, float64, a named float type or a
// pointer to one) that is not a whole number, or is beyond the int64
// range, given to an integer column. The servers would not refuse it:
// pgx truncates it, MySQL and MariaDB round it, and SQLite stores it as
// REAL in the INTEGER column. A whole float (2.0) is accepted. Exprs are
// not checked; neither are comparisons, where a fraction is meaningful
// (id < 1.5).
func checkFits(c *Column, v any) error {
	switch c.Type.Kind {
	case TypeSmallInt, TypeInt, TypeBigInt:
	default:
		return nil
	}
	var f float64
	switch x := v.(type) {
	case nil, int, int64, int32, int16, int8, uint, uint64, uint32, uint16, uint8, string, bool, Expr:
		return nil
	case float64:
		f = x
	case float32:
		f = float64(x)
	default:
		rv := reflect.ValueOf(v)
		if rv.Kind() == reflect.Pointer {
			if rv.IsNil() {
				return nil
			}
			rv = rv.Elem()
		}
		if k := rv.Kind(); k != reflect.Float64 && k != reflect.Float32 {
			return nil
		}
		f = rv.Float()
	}
	// -2^63 is an int64; 2^63 is not.
	if f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return fmt.Errorf("column %q is an integer: %v is not a whole number in its range", c.Name, f)
	}
	return nil
}
