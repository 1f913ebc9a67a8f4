package sqlconv

import (
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/core"
)

// The per-dialect fields are what sets two Convs apart: the time sent,
// the layouts read, Unix seconds, and the name in errors.
func TestConvPolicy(t *testing.T) {
	at := time.Date(2024, 3, 1, 12, 30, 0, 500, time.FixedZone("x", 3600))
	text := &Conv{Name: "textdb", Time: func(v time.Time) any { return v.UTC().Format(time.DateTime) },
		TimeLayouts: []string{time.DateTime}, UnixSeconds: true}
	native := &Conv{Name: "nativedb", Time: func(v time.Time) any { return v.UTC() },
		TimeLayouts: []string{time.DateOnly}}

	if v, err := text.BindValue(at, core.Type{}); err != nil || v != "2024-03-01 11:30:00" {
		t.Errorf("text bind: %v, %v", v, err)
	}
	if v, err := native.BindValue(&at, core.Type{}); err != nil || v != at.UTC() {
		t.Errorf("native bind: %v, %v", v, err)
	}
	if v, err := native.BindValue(at, core.Date()); err != nil || v != "2024-03-01" {
		t.Errorf("DATE bind: %v, %v", v, err)
	}

	for _, tc := range []struct {
		c    *Conv
		src  any
		want time.Time
		err  string
	}{
		{text, "2024-03-01 11:30:00", time.Date(2024, 3, 1, 11, 30, 0, 0, time.UTC), ""},
		{text, int64(86400), time.Date(1970, 1, 2, 0, 0, 0, 0, time.UTC), ""},
		{text, "2024-03-01", time.Time{}, `textdb: cannot parse "2024-03-01" as a time`},
		{native, "2024-03-01", time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), ""},
		{native, int64(86400), time.Time{}, "nativedb: cannot scan int64 into *time.Time"},
	} {
		var got sql.NullTime
		target, err := tc.c.ScanTarget(&got, core.Type{})
		if err != nil {
			t.Fatal(err)
		}
		err = target.(sql.Scanner).Scan(tc.src)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s scan %v: err %v, want %q", tc.c.Name, tc.src, err, tc.err)
			}
			continue
		}
		if err != nil || !got.Valid || !got.Time.Equal(tc.want) || got.Time.Location() != time.UTC {
			t.Errorf("%s scan %v: %v, %v; want %v UTC", tc.c.Name, tc.src, got, err, tc.want)
		}
	}
}
