package load

import (
	"strings"
	"testing"
)

func TestParseMix(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    string // Mix.String of the result
		wantErr string
	}{
		{in: "default", want: DefaultMix().String()},
		{in: "article=3, comment=1", want: "article=3,comment=1"},
		{in: "tags=0,feed=2", want: "feed=2"},
		{in: "", wantErr: "empty mix"},
		{in: "bogus=1", wantErr: `unknown operation "bogus"`},
		{in: "feed", wantErr: "want name=weight"},
		{in: "feed=-1", wantErr: "non-negative integer"},
		{in: "feed=x", wantErr: "non-negative integer"},
		{in: "feed=1,feed=2", wantErr: "given twice"},
		{in: "feed=0", wantErr: "no operation with a positive weight"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			m, err := ParseMix(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseMix(%q) error = %v, want one containing %q", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.String() != tc.want {
				t.Fatalf("ParseMix(%q) = %s, want %s", tc.in, m, tc.want)
			}
		})
	}
}

func TestMixPresetsShares(t *testing.T) {
	share := func(m Mix) float64 {
		var r, all int
		for op, w := range m {
			all += w
			if !op.IsWrite() {
				r += w
			}
		}
		return float64(r) / float64(all)
	}
	for _, tc := range []struct {
		name     string
		min, max float64
	}{{"default", 0.79, 0.81}, {"read-only", 1, 1}, {"write-heavy", 0.3, 0.4}} {
		m, err := ParseMix(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		if s := share(m); s < tc.min || s > tc.max {
			t.Errorf("%s: read share %.2f, want in [%.2f, %.2f]", tc.name, s, tc.min, tc.max)
		}
	}
}

func TestPickerFollowsWeights(t *testing.T) {
	p := newPicker(Mix{Feed: 1, GetArticle: 3})
	counts := map[Op]int{}
	for r := range p.total() {
		counts[p.pick(r)]++
	}
	if counts[Feed] != 1 || counts[GetArticle] != 3 || len(counts) != 2 {
		t.Fatalf("picks over one cycle = %v, want feed 1, article 3", counts)
	}
}

func TestConfigRejectsBadSettings(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"no url", Config{}, "BaseURL is empty"},
		{"not http", Config{BaseURL: "localhost:8080"}, "want an http"},
		{"one user", Config{BaseURL: "http://x", Users: 1}, "at least 2 users"},
		{"negative", Config{BaseURL: "http://x", Concurrency: -1}, "negative setting"},
		{"bad mix", Config{BaseURL: "http://x", Mix: Mix{Feed: -2}}, "negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.cfg.withDefaults()
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}
