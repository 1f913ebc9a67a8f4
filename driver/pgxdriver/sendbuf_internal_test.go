package pgxdriver

import (
	"bytes"
	"testing"
)

// TestSendBufs: the kept buffers give room with the contents before it
// preserved; a buffer that already is the kept one (pgx hands its buffer
// back) is grown in place or anew, never copied onto itself; nothing
// over maxKeptBuf is kept; and without buffers (RegisterTypes on a map
// of the user's) room is made as append would.
func TestSendBufs(t *testing.T) {
	var b sendBufs
	pre := []byte("head")
	got := b.grow(pre, 100)
	if !bytes.Equal(got, pre) || cap(got) < len(pre)+100 || !sameArray(got, b.params) {
		t.Fatalf("grow: %q (cap %d), kept %v", got, cap(got), sameArray(got, b.params))
	}
	got = append(got, "more"...)
	if again := b.grow(got, 50); !sameArray(again, got) || !bytes.Equal(again, []byte("headmore")) {
		t.Fatalf("grow of the kept buffer itself: %q, same array %v", again, sameArray(again, got))
	}
	if big := b.grow(pre, maxKeptBuf); sameArray(big, b.params) || cap(big) < len(pre)+maxKeptBuf || cap(b.params) > maxKeptBuf {
		t.Fatalf("a buffer over maxKeptBuf was kept (cap %d)", cap(b.params))
	}
	var none *sendBufs
	if got := none.grow(pre, 10); !bytes.Equal(got, pre) || cap(got) < len(pre)+10 {
		t.Fatalf("grow without buffers: %q (cap %d)", got, cap(got))
	}

	m := reserveMsg{&b, 5000}
	dst := []byte("pending")
	out, err := m.Encode(dst)
	if err != nil || !bytes.Equal(out, dst) || cap(out) < len(dst)+5000 || !sameArray(out, b.msg) {
		t.Fatalf("reserve: %q (cap %d), %v", out, cap(out), err)
	}
	if again, _ := m.Encode(out); !sameArray(again, out) || !bytes.Equal(again, dst) {
		t.Fatalf("reserve on the kept buffer: %q", again)
	}
	small := make([]byte, 3, 6000)
	if out, _ := (reserveMsg{&b, 100}).Encode(small); !sameArray(out, small) {
		t.Fatal("reserve replaced a buffer that had room")
	}
	if out, _ := (reserveMsg{&b, maxKeptBuf}).Encode(dst); sameArray(out, b.msg) || cap(b.msg) > maxKeptBuf {
		t.Fatalf("a write buffer over maxKeptBuf was kept (cap %d)", cap(b.msg))
	}
}
