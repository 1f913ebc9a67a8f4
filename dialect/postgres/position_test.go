package postgres

import "testing"

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
