package core

import (
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// AppendNumberLiteral writes v as a SQL numeric literal when it is a Go
// integer or float, the part of Dialect.AppendLiteral that every dialect
// shares. ok is false, and b unchanged, when v is not a number. A NaN or
// infinite float is an error, as is an unsigned integer above maxUint
// (for SQLite, whose integers are signed 64-bit: a larger literal would be
// read as a float); maxUint 0 means no limit.
func AppendNumberLiteral(b []byte, v any, maxUint uint64) (out []byte, ok bool, err error) {
	var u uint64
	switch x := v.(type) {
	case int:
		return strconv.AppendInt(b, int64(x), 10), true, nil
	case int8:
		return strconv.AppendInt(b, int64(x), 10), true, nil
	case int16:
		return strconv.AppendInt(b, int64(x), 10), true, nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), true, nil
	case int64:
		return strconv.AppendInt(b, x, 10), true, nil
	case uint:
		u = uint64(x)
	case uint8:
		u = uint64(x)
	case uint16:
		u = uint64(x)
	case uint32:
		u = uint64(x)
	case uint64:
		u = x
	case float32:
		return appendFloatLiteral(b, float64(x), 32)
	case float64:
		return appendFloatLiteral(b, x, 64)
	default:
		return b, false, nil
	}
	if maxUint != 0 && u > maxUint {
		return b, true, fmt.Errorf("integer literal %d overflows a 64-bit signed integer", u)
	}
	return strconv.AppendUint(b, u, 10), true, nil
}

func appendFloatLiteral(b []byte, f float64, bits int) ([]byte, bool, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, true, fmt.Errorf("cannot write a non-finite float as a SQL literal")
	}
	return strconv.AppendFloat(b, f, 'g', -1, bits), true, nil
}

// AppendQuotedIdent writes name between two q quotes, doubling the q bytes
// inside it: the identifier quoting of PostgreSQL and SQLite ('"'). An
// empty name, invalid UTF-8, a NUL byte, or more than maxLen bytes
// (maxLen 0: no limit) is an error wrapping ErrInvalidIdentifier.
func AppendQuotedIdent(b []byte, name string, q byte, maxLen int) ([]byte, error) {
	switch {
	case name == "":
		return b, fmt.Errorf("empty identifier: %w", ErrInvalidIdentifier)
	case maxLen > 0 && len(name) > maxLen:
		return b, fmt.Errorf("identifier %q is longer than %d bytes: %w", name, maxLen, ErrInvalidIdentifier)
	case !utf8.ValidString(name):
		return b, fmt.Errorf("identifier %q is not valid UTF-8: %w", name, ErrInvalidIdentifier)
	}
	b = append(b, q)
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch c {
		case 0:
			return b, fmt.Errorf("identifier %q contains a NUL byte: %w", name, ErrInvalidIdentifier)
		case q:
			b = append(b, q)
		}
		b = append(b, c)
	}
	return append(b, q), nil
}
