package postgres

import (
	"testing"

	"github.com/athanor-orm/athanor/core"
)

func TestLSNRoundTrip(t *testing.T) {
	tests := []struct {
		in   string
		want LSN
	}{
		{"0/0", 0},
		{"0/16B3748", 0x16B3748},
		{"16/B374D848", 0x16_B374D848},
		{"FFFFFFFF/FFFFFFFF", ^LSN(0)},
	}
	for _, tt := range tests {
		got, err := ParseLSN(tt.in)
		if err != nil || got != tt.want {
			t.Fatalf("ParseLSN(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
		if got.String() != tt.in {
			t.Errorf("String() = %q, want %q", got.String(), tt.in)
		}
	}
}

func TestParseLSNRejects(t *testing.T) {
	for _, in := range []string{"", "16", "/1", "1/", "G/0", "1/2/3", "123456789/0", "-1/0"} {
		if _, err := ParseLSN(in); err == nil {
			t.Errorf("ParseLSN(%q) succeeded", in)
		}
	}
}

func TestLSNOrder(t *testing.T) {
	a, _ := ParseLSN("0/FFFFFFFF")
	b, _ := ParseLSN("1/0")
	if !(a < b) {
		t.Fatal("LSN order must compare the high word first")
	}
}

func TestLSNRecordEnd(t *testing.T) {
	tests := []struct {
		name    string
		in, out LSN
	}{
		{"mid page unchanged", 0x1000_0100, 0x1000_0100},
		{"after a short page header", 0x1000_2018, 0x1000_2000},
		{"after a segment's long header", 0x1100_0028, 0x1100_0000},
		{"a page start itself unchanged", 0x1000_2000, 0x1000_2000},
	}
	for _, tt := range tests {
		if got := tt.in.RecordEnd(); got != tt.out {
			t.Errorf("%s: %v.RecordEnd() = %v, want %v", tt.name, tt.in, got, tt.out)
		}
	}
}

// The dialect's core.Replication: its positions order and merge as LSNs,
// a primary's insert position is read in record-end form, and a server
// with no replay position is not taken for a standby.
func TestReplication(t *testing.T) {
	var r core.Replication = Dialect
	if core.LookupReplication(r.PositionScheme()) != r {
		t.Fatalf("scheme %q is not registered", r.PositionScheme())
	}
	a, err := r.ParsePosition("0/100")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := r.ParsePosition("0/200")
	if a.Covers(b) || !b.Covers(a) || !a.Covers(a) {
		t.Error("LSN positions are not ordered")
	}
	if got := a.Merge(b).String(); got != "0/200" {
		t.Errorf("merge = %s, want 0/200", got)
	}
	if got := b.Merge(a).String(); got != "0/200" {
		t.Errorf("merge = %s, want 0/200", got)
	}
	if _, err := r.ParsePosition("zz"); err == nil {
		t.Error("invalid LSN accepted")
	}
	// 0/2018: just past the short header of the second page.
	p, err := r.ParsePrimaryPosition("0/2018")
	if err != nil || p.String() != "0/2000" {
		t.Errorf("primary position = %v, %v; want 0/2000", p, err)
	}
	if _, err := r.ParseReplicaPosition(""); err == nil {
		t.Error("an empty replay position (not a standby) was accepted")
	}
	if r.WaitPositionQuery() != "" {
		t.Error("PostgreSQL has no server-side wait")
	}
}
