package session

// This file is the cursor of keyset pagination: the ordering values of one
// object and the fingerprint of the ordering they belong to, in a compact
// typed encoding (base64url), so that every value comes back as the
// field's own type, exactly.

import (
	"bytes"
	"database/sql"
	"encoding"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"reflect"
	"time"
)

// ErrInvalidCursor: a keyset cursor (PageRequest.After or Before) is not
// one Page returned for the same model and ordering: malformed, or made
// for another model, other columns or other directions. The error wraps
// it and says why.
var ErrInvalidCursor = errors.New("session: invalid page cursor")

// cursorVersion leads every cursor, so that a later encoding can refuse
// (or read) an older one.
const cursorVersion = 1

// The value tags of the encoding.
const (
	tagNull   = 0
	tagInt    = 1 // zigzag varint
	tagUint   = 2 // uvarint
	tagFloat  = 3 // 8 bytes, IEEE 754 bits, big endian
	tagString = 4 // uvarint length, bytes
	tagFalse  = 5
	tagTrue   = 6
	tagTime   = 7 // varint Unix seconds, uvarint nanoseconds (UTC instant)
	tagBytes  = 8 // uvarint length, bytes
	tagText   = 9 // uvarint length, MarshalText's text (athanor.Decimal)
)

var (
	timeType            = reflect.TypeFor[time.Time]()
	textMarshalerType   = reflect.TypeFor[encoding.TextMarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	scannerType         = reflect.TypeFor[sql.Scanner]()
)

// fingerprint hashes what a cursor's values mean: the model, and each
// key's column (qualified by its table or join alias), direction and
// NULLS placement.
func fingerprint(model string, keys []keysetKey) uint64 {
	h := fnv.New64a()
	h.Write([]byte(model))
	for _, k := range keys {
		h.Write([]byte{0})
		h.Write([]byte(k.qual))
		h.Write([]byte{'.'})
		h.Write([]byte(k.col.Name))
		flags := byte(0)
		if k.desc {
			flags |= 1
		}
		if k.nullable {
			flags |= 2
		}
		if k.nullsLast {
			flags |= 4
		}
		h.Write([]byte{flags})
	}
	return h.Sum64()
}

// encodeCursor encodes vals (one per key, nil for NULL, otherwise the
// field's value without pointer).
func encodeCursor(fp uint64, keys []keysetKey, vals []any) (string, error) {
	b := make([]byte, 0, 16+8*len(vals))
	b = append(b, cursorVersion)
	b = binary.BigEndian.AppendUint64(b, fp)
	b = binary.AppendUvarint(b, uint64(len(vals)))
	for i, v := range vals {
		var err error
		if b, err = appendValue(b, v); err != nil {
			return "", fmt.Errorf("order by %s: %w", keys[i].name, err)
		}
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func appendValue(b []byte, v any) ([]byte, error) {
	if v == nil {
		return append(b, tagNull), nil
	}
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return append(b, tagNull), nil
		}
		rv = rv.Elem()
	}
	t := rv.Type()
	switch {
	case t == timeType || t.ConvertibleTo(timeType) && t.Kind() == reflect.Struct:
		tm := rv.Convert(timeType).Interface().(time.Time)
		b = append(b, tagTime)
		b = binary.AppendVarint(b, tm.Unix())
		return binary.AppendUvarint(b, uint64(tm.Nanosecond())), nil
	case t.Implements(textMarshalerType):
		text, err := rv.Interface().(encoding.TextMarshaler).MarshalText()
		if err != nil {
			return nil, err
		}
		return appendBytes(append(b, tagText), text), nil
	}
	switch t.Kind() {
	case reflect.Bool:
		if rv.Bool() {
			return append(b, tagTrue), nil
		}
		return append(b, tagFalse), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return binary.AppendVarint(append(b, tagInt), rv.Int()), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return binary.AppendUvarint(append(b, tagUint), rv.Uint()), nil
	case reflect.Float32, reflect.Float64:
		return binary.BigEndian.AppendUint64(append(b, tagFloat), math.Float64bits(rv.Float())), nil
	case reflect.String:
		return appendBytes(append(b, tagString), []byte(rv.String())), nil
	case reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Slice && rv.IsNil() {
			return append(b, tagNull), nil // bound as NULL
		}
		if t.Elem().Kind() == reflect.Uint8 {
			raw := make([]byte, rv.Len())
			reflect.Copy(reflect.ValueOf(raw), rv)
			return appendBytes(append(b, tagBytes), raw), nil
		}
	}
	return nil, fmt.Errorf("values of type %s cannot be put in a page cursor", t)
}

func appendBytes(b, v []byte) []byte {
	return append(binary.AppendUvarint(b, uint64(len(v))), v...)
}

// decodeCursor decodes a cursor for keys and returns the values to bind,
// each of its field's type (without pointer), nil for NULL.
func decodeCursor(s string, fp uint64, keys []keysetKey) ([]any, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: not a cursor", ErrInvalidCursor)
	}
	if len(b) < 9 || b[0] != cursorVersion {
		return nil, fmt.Errorf("%w: not a cursor of this version", ErrInvalidCursor)
	}
	if binary.BigEndian.Uint64(b[1:9]) != fp {
		return nil, fmt.Errorf("%w: made for another model or ordering (columns, directions or NULLS order differ)", ErrInvalidCursor)
	}
	r := bytes.NewReader(b[9:])
	n, err := binary.ReadUvarint(r)
	if err != nil || n != uint64(len(keys)) {
		return nil, fmt.Errorf("%w: %d values for %d ordering columns", ErrInvalidCursor, n, len(keys))
	}
	vals := make([]any, len(keys))
	for i := range keys {
		v, err := readValue(r, keys[i])
		if err != nil {
			return nil, fmt.Errorf("%w: order by %s: %w", ErrInvalidCursor, keys[i].name, err)
		}
		vals[i] = v
	}
	if r.Len() != 0 {
		return nil, fmt.Errorf("%w: trailing bytes", ErrInvalidCursor)
	}
	return vals, nil
}

var errTruncated = errors.New("truncated value")

func readValue(r *bytes.Reader, k keysetKey) (any, error) {
	tag, err := r.ReadByte()
	if err != nil {
		return nil, errTruncated
	}
	if tag == tagNull {
		if !k.nullable {
			return nil, errors.New("NULL for a column that cannot be NULL")
		}
		return nil, nil
	}
	t := k.field.Type
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	v := reflect.New(t).Elem()
	bad := func() (any, error) { return nil, fmt.Errorf("value tag %d does not fit type %s", tag, t) }
	switch tag {
	case tagTime:
		sec, err := binary.ReadVarint(r)
		if err != nil {
			return nil, errTruncated
		}
		ns, err := binary.ReadUvarint(r)
		if err != nil || ns >= 1e9 {
			return nil, errTruncated
		}
		if !(t == timeType || t.ConvertibleTo(timeType) && t.Kind() == reflect.Struct) {
			return bad()
		}
		v.Set(reflect.ValueOf(time.Unix(sec, int64(ns)).UTC()).Convert(t))
	case tagText:
		text, err := readBytes(r)
		if err != nil {
			return nil, err
		}
		switch p := v.Addr(); {
		case p.Type().Implements(textUnmarshalerType):
			if err := p.Interface().(encoding.TextUnmarshaler).UnmarshalText(text); err != nil {
				return nil, err
			}
		case p.Type().Implements(scannerType):
			if err := p.Interface().(sql.Scanner).Scan(string(text)); err != nil {
				return nil, err
			}
		default:
			return bad()
		}
	case tagFalse, tagTrue:
		if t.Kind() != reflect.Bool {
			return bad()
		}
		v.SetBool(tag == tagTrue)
	case tagInt:
		n, err := binary.ReadVarint(r)
		if err != nil {
			return nil, errTruncated
		}
		switch t.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		default:
			return bad()
		}
		if v.OverflowInt(n) {
			return nil, fmt.Errorf("%d overflows %s", n, t)
		}
		v.SetInt(n)
	case tagUint:
		n, err := binary.ReadUvarint(r)
		if err != nil {
			return nil, errTruncated
		}
		switch t.Kind() {
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		default:
			return bad()
		}
		if v.OverflowUint(n) {
			return nil, fmt.Errorf("%d overflows %s", n, t)
		}
		v.SetUint(n)
	case tagFloat:
		var raw [8]byte
		if _, err := io.ReadFull(r, raw[:]); err != nil {
			return nil, errTruncated
		}
		if t.Kind() != reflect.Float32 && t.Kind() != reflect.Float64 {
			return bad()
		}
		v.SetFloat(math.Float64frombits(binary.BigEndian.Uint64(raw[:])))
	case tagString:
		s, err := readBytes(r)
		if err != nil {
			return nil, err
		}
		if t.Kind() != reflect.String {
			return bad()
		}
		v.SetString(string(s))
	case tagBytes:
		raw, err := readBytes(r)
		if err != nil {
			return nil, err
		}
		switch {
		case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
			v.Set(reflect.ValueOf(raw).Convert(t))
		case t.Kind() == reflect.Array && t.Elem().Kind() == reflect.Uint8 && t.Len() == len(raw):
			reflect.Copy(v, reflect.ValueOf(raw))
		default:
			return bad()
		}
	default:
		return nil, fmt.Errorf("unknown value tag %d", tag)
	}
	return v.Interface(), nil
}

func readBytes(r *bytes.Reader) ([]byte, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil || n > uint64(r.Len()) {
		return nil, errTruncated
	}
	out := make([]byte, n)
	if _, err := io.ReadFull(r, out); err != nil {
		return nil, errTruncated
	}
	return out, nil
}
