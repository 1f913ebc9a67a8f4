package migrate

import (
	"testing"
	"testing/fstest"
	"time"
)

func TestNextVersion(t *testing.T) {
	now := time.Date(2026, 12, 6, 7, 15, 0, 0, time.UTC)
	cases := []struct {
		name      string
		fsys      fstest.MapFS
		timestamp bool
		want      string
	}{
		{"empty directory", fstest.MapFS{}, false, "0001"},
		{"next sequential keeps the width", fstest.MapFS{"00007_a.up.sql": {}, "00007_a.down.sql": {}}, false, "00008"},
		{"timestamp asked", fstest.MapFS{"0002_a.up.sql": {}}, true, "20261206071500"},
		{"timestamps already used", fstest.MapFS{"20250101000000_a.up.sql": {}}, false, "20261206071500"},
		{"timestamp ahead of the clock", fstest.MapFS{"20300101000000_a.up.sql": {}}, false, "20300101000001"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := NextVersion(c.fsys, c.timestamp, now)
			if err != nil || got != c.want {
				t.Fatalf("NextVersion = %q, %v; want %q", got, err, c.want)
			}
		})
	}
}
