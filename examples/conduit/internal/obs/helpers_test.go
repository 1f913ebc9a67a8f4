package obs_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/athanor-orm/athanor/examples/conduit/internal/obs"
)

// series is one sample of a gathered metric family.
type series struct {
	labels map[string]string
	value  float64 // a counter's or gauge's value, a histogram's count
}

// gather returns the samples of the family named name.
func gather(t *testing.T, m *obs.Metrics, name string) []series {
	t.Helper()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	var out []series
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, mt := range f.GetMetric() {
			s := series{labels: map[string]string{}}
			for _, l := range mt.GetLabel() {
				s.labels[l.GetName()] = l.GetValue()
			}
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				s.value = mt.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				s.value = mt.GetGauge().GetValue()
			case dto.MetricType_HISTOGRAM:
				s.value = float64(mt.GetHistogram().GetSampleCount())
			}
			out = append(out, s)
		}
	}
	return out
}

// value returns the value of the sample of name whose labels include
// want, failing the test if there is not exactly one.
func value(t *testing.T, m *obs.Metrics, name string, want map[string]string) float64 {
	t.Helper()
	var found []series
	for _, s := range gather(t, m, name) {
		ok := true
		for k, v := range want {
			if s.labels[k] != v {
				ok = false
			}
		}
		if ok {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s%v: %d samples match, want 1 (all: %v)", name, want, len(found), gather(t, m, name))
	}
	return found[0].value
}

// scrape fetches /metrics as Prometheus would.
func scrape(t *testing.T, m *obs.Metrics) string {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("scrape: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	return string(b)
}

func itoa(n int) string { return strconv.Itoa(n) }
