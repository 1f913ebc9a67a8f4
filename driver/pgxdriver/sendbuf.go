package pgxdriver

import (
	"errors"
	"slices"

	"github.com/athanor-orm/athanor/core"
)

// Large messages (a multi-row INSERT binding its rows as arrays) are
// built twice by pgx: each parameter is encoded into a buffer of the
// connection's, then the Bind message copies them into the frontend's
// write buffer. Both buffers are dropped after any message over a
// kilobyte and grown again by doubling for the next one, so a message of
// n bytes left two to four times n bytes of garbage. sendBufs keeps both
// at their size instead, per connection: the array encoders
// (rowColumnPlan, flatSlicePlan) write into params, and reserve makes msg
// the write buffer before the statement is sent.

// maxKeptBuf bounds what a connection keeps: larger messages are built
// in buffers of their own, as pgx does, so that one huge INSERT does not
// pin its size in every pooled connection.
const maxKeptBuf = 256 << 10

// minReserve is the message size below which nothing is reserved: pgx
// keeps a write buffer of a kilobyte across messages.
const minReserve = 1 << 10

// sendBufs are one connection's buffers for large messages. A connection
// runs one statement at a time, and pgx copies the encoded parameters
// into the message (or the batch) before it encodes another statement's,
// so each buffer is free again when the next statement starts.
type sendBufs struct {
	params []byte // encoded parameters (see grow)
	msg    []byte // the frontend's write buffer (see reserve)
}

// grow returns buf, pgx's parameter buffer, with room for n more bytes:
// in params, its contents copied, where they fit there.
func (b *sendBufs) grow(buf []byte, n int) []byte {
	want := len(buf) + n
	if b == nil || want > maxKeptBuf || sameArray(buf, b.params) {
		return slices.Grow(buf, n)
	}
	if cap(b.params) < want {
		b.params = make([]byte, 0, want)
	}
	return append(b.params[:0], buf...)
}

// reserveMsg is a frontend message of no bytes: encoding it gives the
// frontend's write buffer room for n more bytes, from msg where that is
// large enough, so that the Bind message after it is written once
// instead of growing by doubling.
type reserveMsg struct {
	b *sendBufs
	n int
}

func (reserveMsg) Frontend() {}

func (reserveMsg) Decode([]byte) error {
	return errors.New("pgxdriver: a buffer reservation is not a message to decode")
}

func (r reserveMsg) Encode(dst []byte) ([]byte, error) {
	want := len(dst) + r.n
	switch {
	case cap(dst) >= want:
		return dst, nil
	case want > maxKeptBuf || sameArray(dst, r.b.msg):
		return slices.Grow(dst, r.n), nil
	}
	if cap(r.b.msg) < want {
		r.b.msg = make([]byte, 0, want)
	}
	return append(r.b.msg[:0], dst...), nil
}

// sameArray reports whether a and b share their first element's place
// (pgx's buffers are always used from their start).
func sameArray(a, b []byte) bool {
	return cap(a) > 0 && cap(b) > 0 && &a[:1][0] == &b[:1][0]
}

// argsSize estimates the Bind message of args where one of them is a
// core.RowColumn or a slice of keys (see planFlatSlice), and is 0
// otherwise: the other arguments are too small to be worth a
// reservation.
func argsSize(args []any) int {
	// The Bind message's header, the names of the statement (pgx's are
	// about 80 bytes) and the portal, the result formats, and the small
	// messages sent after it.
	size, arrays := 256, false
	for _, a := range args {
		size += 6 // length and format
		col, ok := rowColumnOf(a)
		if !ok {
			n, keys := keysSize(a)
			size += n
			arrays = arrays || keys
			continue
		}
		arrays = true
		n := col.Len()
		size += 20 + 4*n
		for i := range n {
			size += valueSize(col.Index(i))
		}
	}
	if !arrays {
		return 0
	}
	return size
}

// keysSize is the encoded size of a, a slice of keys planFlatSlice
// takes, or an estimate for another argument (keys false).
func keysSize(a any) (n int, keys bool) {
	switch k := a.(type) {
	case []int64:
		return 20 + 12*len(k), true
	case []int32:
		return 20 + 8*len(k), true
	case []string:
		n = 20 + 4*len(k)
		for _, s := range k {
			n += len(s)
		}
		return n, true
	}
	return 16, false
}

// valueSize estimates the binary encoding of v by its Go type.
func valueSize(v any) int {
	switch x := v.(type) {
	case nil:
		return 0
	case string:
		return len(x)
	case []byte:
		return len(x)
	case bool, int8, uint8:
		return 1
	case int16, uint16:
		return 2
	case int32, uint32, float32:
		return 4
	}
	return 8
}

// restSize estimates the encoded length of the columns after col's in
// its rows, as arrays, by the Go types of their values.
func restSize(col core.RowColumn) int {
	rows, width := col.Rows.Len(), col.Rows.Width()
	if rows == 0 || col.Col+1 >= width {
		return 0
	}
	size := (width - col.Col - 1) * (20 + 4*rows)
	for r := range rows {
		for c := col.Col + 1; c < width; c++ {
			size += valueSize(col.Rows.Value(r, c))
		}
	}
	return size
}
