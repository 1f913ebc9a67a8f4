package pgxdriver

import (
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/athanor-orm/athanor/core"
)

// rowColumnArrays are the array types a session's INSERT … SELECT unnest
// binds a core.RowColumn as (see the session's arrayTypes).
var rowColumnArrays = []uint32{
	pgtype.Int2ArrayOID, pgtype.Int4ArrayOID, pgtype.Int8ArrayOID,
	pgtype.Float4ArrayOID, pgtype.Float8ArrayOID, pgtype.BoolArrayOID,
	pgtype.TextArrayOID, pgtype.VarcharArrayOID, pgtype.ByteaArrayOID,
	pgtype.DateArrayOID, pgtype.TimestampArrayOID, pgtype.TimestamptzArrayOID,
	pgtype.UUIDArrayOID, pgtype.NumericArrayOID,
}

// registerRowColumns wraps the codecs of rowColumnArrays in
// rowColumnCodec, which encodes into bufs (a connection's, or nil). Call
// it after the array codecs are final (they hold their element type).
func registerRowColumns(m *pgtype.Map, bufs *sendBufs) {
	for _, oid := range rowColumnArrays {
		t, ok := m.TypeForOID(oid)
		if !ok {
			continue
		}
		if ac, ok := t.Codec.(*pgtype.ArrayCodec); ok {
			m.RegisterType(&pgtype.Type{Name: t.Name, OID: oid, Codec: rowColumnCodec{ac, bufs}})
		}
	}
}

// rowColumnCodec is pgx's array codec, except that a core.RowColumn is
// encoded straight from its rows, in binary: the buffer is grown once to
// the array's size, and the usual element types (text, integers, bool,
// float8) are written without an element plan. pgx would take a copy of
// the column as a []any through reflection, planning and growing as it
// goes.
type rowColumnCodec struct {
	*pgtype.ArrayCodec
	bufs *sendBufs // the connection's, or nil (see sendBufs)
}

func (c rowColumnCodec) PlanEncode(m *pgtype.Map, oid uint32, format int16, value any) pgtype.EncodePlan {
	if _, ok := rowColumnOf(value); ok {
		if format != pgtype.BinaryFormatCode {
			return nil
		}
		return rowColumnPlan{m: m, elem: c.ElementType.OID, bufs: c.bufs}
	}
	if format == pgtype.BinaryFormatCode {
		if plan := planFlatSlice(c.ElementType.OID, value, c.bufs); plan != nil {
			return plan
		}
	}
	return c.ArrayCodec.PlanEncode(m, oid, format, value)
}

// planFlatSlice returns a plan for the slices of keys a relationship load
// binds as = ANY($1) (a []int64 or []int32 into int8[], int4[] or
// int2[], a []string into text[]), or nil for any other value. pgx would
// box each element into an interface, an allocation per key. A key is
// bound as the column's type, not the Go field's (an int64 field of a
// SERIAL column makes int4[] of []int64).
func planFlatSlice(elem uint32, value any, bufs *sendBufs) pgtype.EncodePlan {
	switch value.(type) {
	case []int64, []int32:
		if elem == pgtype.Int8OID || elem == pgtype.Int4OID || elem == pgtype.Int2OID {
			return flatSlicePlan{elem, bufs}
		}
	case []string:
		if elem == pgtype.TextOID || elem == pgtype.VarcharOID {
			return flatSlicePlan{elem, bufs}
		}
	}
	return nil
}

type flatSlicePlan struct {
	elem uint32
	bufs *sendBufs // the connection's, or nil (see sendBufs)
}

// Encode writes value, a slice planFlatSlice accepted, as a binary
// one-dimensional array without NULLs (a nil slice is the empty array).
// An integer out of the element type's range is an error, as with pgx.
func (p flatSlicePlan) Encode(value any, buf []byte) ([]byte, error) {
	if s, ok := value.([]string); ok {
		size := 4 * len(s)
		for _, x := range s {
			size += len(x)
		}
		buf = arrayHeader(p.bufs.grow(buf, 20+size), p.elem, len(s))
		for _, x := range s {
			buf = binary.BigEndian.AppendUint32(buf, uint32(len(x)))
			buf = append(buf, x...)
		}
		return buf, nil
	}
	switch v := value.(type) {
	case []int64:
		return appendInts(p.bufs, buf, p.elem, v)
	case []int32:
		return appendInts(p.bufs, buf, p.elem, v)
	}
	return nil, fmt.Errorf("cannot encode %T as an array", value)
}

// appendInts writes the binary array of keys, elements of type elem
// (int8, int4 or int2).
func appendInts[T int32 | int64](bufs *sendBufs, buf []byte, elem uint32, keys []T) ([]byte, error) {
	width, lo, hi := 8, int64(math.MinInt64), int64(math.MaxInt64)
	switch elem {
	case pgtype.Int4OID:
		width, lo, hi = 4, math.MinInt32, math.MaxInt32
	case pgtype.Int2OID:
		width, lo, hi = 2, math.MinInt16, math.MaxInt16
	}
	buf = arrayHeader(bufs.grow(buf, 20+(4+width)*len(keys)), elem, len(keys))
	for i, k := range keys {
		x := int64(k)
		if x < lo || x > hi {
			return nil, fmt.Errorf("array element %d: %d is out of range for %s", i+1, x, intTypeName(elem))
		}
		buf = binary.BigEndian.AppendUint32(buf, uint32(width))
		switch width {
		case 8:
			buf = binary.BigEndian.AppendUint64(buf, uint64(x))
		case 4:
			buf = binary.BigEndian.AppendUint32(buf, uint32(x))
		default:
			buf = binary.BigEndian.AppendUint16(buf, uint16(x))
		}
	}
	return buf, nil
}

func intTypeName(elem uint32) string {
	switch elem {
	case pgtype.Int4OID:
		return "int4"
	case pgtype.Int2OID:
		return "int2"
	}
	return "int8"
}

type rowColumnPlan struct {
	m    *pgtype.Map
	elem uint32
	bufs *sendBufs // the connection's, or nil (see sendBufs)
}

// Encode writes the binary array: one dimension, a has-null flag, the
// element type, the length and lower bound (1), then each element as a
// length (-1 for NULL) and its bytes.
func (p rowColumnPlan) Encode(value any, buf []byte) ([]byte, error) {
	col, _ := rowColumnOf(value)
	n := col.Len()
	if need := p.size(col); cap(buf)-len(buf) < need {
		// The other columns of the rows usually follow as the next
		// parameters (an unnest INSERT binds them in order): room is made
		// for them too, so that pgx's parameter buffer grows once.
		buf = p.bufs.grow(buf, need+restSize(col))
	}
	if n == 0 {
		return arrayHeader(buf, p.elem, 0), nil
	}
	hasNull := len(buf) + 4
	buf = arrayHeader(buf, p.elem, n)
	var plan pgtype.EncodePlan
	var planned reflect.Type
	for i := range n {
		v := col.Index(i)
		if v == nil {
			buf = binary.BigEndian.AppendUint32(buf, math.MaxUint32) // -1
			binary.BigEndian.PutUint32(buf[hasNull:], 1)
			continue
		}
		if out, ok := p.fast(v, buf); ok {
			buf = out
			continue
		}
		if t := reflect.TypeOf(v); t != planned {
			if plan = p.m.PlanEncode(p.elem, pgtype.BinaryFormatCode, v); plan == nil {
				return nil, fmt.Errorf("array element %d: cannot encode %T", i+1, v)
			}
			planned = t
		}
		sp := len(buf)
		out, err := plan.Encode(v, binary.BigEndian.AppendUint32(buf, 0))
		if err != nil {
			return nil, fmt.Errorf("array element %d: %w", i+1, err)
		}
		if out == nil {
			buf = binary.BigEndian.AppendUint32(buf[:sp], math.MaxUint32)
			binary.BigEndian.PutUint32(buf[hasNull:], 1)
			continue
		}
		buf = out
		binary.BigEndian.PutUint32(buf[sp:], uint32(len(buf)-sp-4))
	}
	return buf, nil
}

// arrayHeader appends the header of a binary one-dimensional array of n
// elements of type elem, its has-null flag clear: for n = 0 the empty
// array (no dimension), else the dimension's length and lower bound (1).
func arrayHeader(buf []byte, elem uint32, n int) []byte {
	if n == 0 {
		buf = binary.BigEndian.AppendUint32(buf, 0)
		buf = binary.BigEndian.AppendUint32(buf, 0)
		return binary.BigEndian.AppendUint32(buf, elem)
	}
	buf = binary.BigEndian.AppendUint32(buf, 1)
	buf = binary.BigEndian.AppendUint32(buf, 0)
	buf = binary.BigEndian.AppendUint32(buf, elem)
	buf = binary.BigEndian.AppendUint32(buf, uint32(n))
	return binary.BigEndian.AppendUint32(buf, 1)
}

// rowColumnOf returns the core.RowColumn v is, or points to.
func rowColumnOf(v any) (core.RowColumn, bool) {
	switch c := v.(type) {
	case core.RowColumn:
		return c, true
	case *core.RowColumn:
		if c != nil {
			return *c, true
		}
	}
	return core.RowColumn{}, false
}

// fast appends v, length first, where it is of a Go type whose binary
// form for the element type is its plain value (an integer in range of
// the column's); ok is false for the others.
func (p rowColumnPlan) fast(v any, buf []byte) (_ []byte, ok bool) {
	switch p.elem {
	case pgtype.TextOID, pgtype.VarcharOID:
		if s, ok := v.(string); ok {
			buf = binary.BigEndian.AppendUint32(buf, uint32(len(s)))
			return append(buf, s...), true
		}
	case pgtype.Int8OID, pgtype.Int4OID, pgtype.Int2OID:
		i, ok := wholeInt(v)
		switch {
		case !ok:
		case p.elem == pgtype.Int8OID:
			buf = binary.BigEndian.AppendUint32(buf, 8)
			return binary.BigEndian.AppendUint64(buf, uint64(i)), true
		case p.elem == pgtype.Int4OID && i >= math.MinInt32 && i <= math.MaxInt32:
			buf = binary.BigEndian.AppendUint32(buf, 4)
			return binary.BigEndian.AppendUint32(buf, uint32(int32(i))), true
		case p.elem == pgtype.Int2OID && i >= math.MinInt16 && i <= math.MaxInt16:
			buf = binary.BigEndian.AppendUint32(buf, 2)
			return binary.BigEndian.AppendUint16(buf, uint16(int16(i))), true
		}
	case pgtype.BoolOID:
		if b, ok := v.(bool); ok {
			buf = binary.BigEndian.AppendUint32(buf, 1)
			if b {
				return append(buf, 1), true
			}
			return append(buf, 0), true
		}
	case pgtype.Float8OID:
		if f, ok := v.(float64); ok {
			buf = binary.BigEndian.AppendUint32(buf, 8)
			return binary.BigEndian.AppendUint64(buf, math.Float64bits(f)), true
		}
	}
	return buf, false
}

// wholeInt returns v as an int64 when it is a predeclared integer type
// that fits one.
func wholeInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case int32:
		return int64(x), true
	case int16:
		return int64(x), true
	case int8:
		return int64(x), true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	}
	return 0, false
}

// size is the length of col's encoding: exact for text elements and the
// fixed-size types, an estimate for others.
func (p rowColumnPlan) size(col core.RowColumn) int {
	n := col.Len()
	size := 20 + 4*n
	switch p.elem {
	case pgtype.TextOID, pgtype.VarcharOID, pgtype.ByteaOID:
		for i := range n {
			switch v := col.Index(i).(type) {
			case string:
				size += len(v)
			case []byte:
				size += len(v)
			}
		}
	case pgtype.BoolOID:
		size += n
	case pgtype.Int2OID:
		size += 2 * n
	case pgtype.Int4OID, pgtype.Float4OID, pgtype.DateOID:
		size += 4 * n
	case pgtype.UUIDOID:
		size += 16 * n
	default:
		size += 8 * n
	}
	return size
}

// untypedArgs returns args with each core.RowColumn written as the text
// of an array literal, which the exec modes that send parameters without
// their types (as text, or in the simple protocol) need: the server
// reads it as the array type the statement casts it to. It returns args
// itself when there is none.
func untypedArgs(tm *pgtype.Map, args []any) ([]any, error) {
	out := args
	for i, a := range args {
		col, ok := rowColumnOf(a)
		if !ok {
			continue
		}
		if &out[0] == &args[0] {
			out = slices.Clone(args)
		}
		lit, err := arrayLiteral(tm, col)
		if err != nil {
			return nil, fmt.Errorf("argument %d: %w", i+1, err)
		}
		out[i] = lit
	}
	return out, nil
}

// arrayLiteral writes col as {"v1","v2",NULL,…}: each element in pgx's
// text form for its Go type, quoted, with quotes and backslashes escaped.
func arrayLiteral(tm *pgtype.Map, col core.RowColumn) (string, error) {
	b := []byte{'{'}
	var text []byte
	for i := range col.Len() {
		if i > 0 {
			b = append(b, ',')
		}
		v := col.Index(i)
		var err error
		if v != nil {
			text, err = tm.Encode(0, pgtype.TextFormatCode, v, text[:0])
			if err != nil {
				return "", fmt.Errorf("array element %d: %w", i+1, err)
			}
		}
		if v == nil || text == nil {
			b = append(b, "NULL"...)
			continue
		}
		b = append(b, '"')
		for _, c := range text {
			if c == '"' || c == '\\' {
				b = append(b, '\\')
			}
			b = append(b, c)
		}
		b = append(b, '"')
	}
	return string(append(b, '}')), nil
}

// untypedParams reports whether mode encodes parameters without the
// statement's parameter types (see plainArgs).
func untypedParams(mode pgx.QueryExecMode) bool {
	return mode == pgx.QueryExecModeExec || mode == pgx.QueryExecModeSimpleProtocol
}
