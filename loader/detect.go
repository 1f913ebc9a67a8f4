package loader

import (
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/athanor-orm/athanor/mapper"
)

// Report describes an N+1 pattern: one relationship loaded one object at a
// time, repeatedly, from one call site.
type Report struct {
	// Model and Relation name the relationship ("Author", "Books").
	Model, Relation string
	// Site is the caller's file:line.
	Site string
	// Count is how many per-object loads the site has made so far.
	Count int
}

func (r Report) String() string {
	return fmt.Sprintf("%s.%s loaded per object %d times at %s", r.Model, r.Relation, r.Count, r.Site)
}

// Detector counts per-object loads by relationship and call site. The
// zero value is ready; it is safe for concurrent use.
type Detector struct {
	mu     sync.Mutex
	counts map[detectKey]int // guarded by mu
}

type detectKey struct {
	r    *mapper.Relation
	site string
}

// Threshold is the number of per-object loads of one relationship from
// one call site at which Detector reports.
const Threshold = 2

// PerObject records one load of r that found a single owner lacking it,
// and returns a report when the call site has done so Threshold times or
// more. skip is the number of frames above the caller of PerObject that
// belong to the library; frames in athanor's loader and session packages
// are skipped too.
func (d *Detector) PerObject(r *mapper.Relation, skip int) (Report, bool) {
	site := CallSite(skip + 2)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.counts == nil {
		d.counts = map[detectKey]int{}
	}
	k := detectKey{r: r, site: site}
	d.counts[k]++
	n := d.counts[k]
	if n < Threshold {
		return Report{}, false
	}
	return Report{Model: r.Owner.Name, Relation: r.Name, Site: site, Count: n}, true
}

// CallSite returns file:line of the first caller, skip frames up, outside
// athanor's session and loader packages.
func CallSite(skip int) string {
	pcs := make([]uintptr, 32)
	n := runtime.Callers(skip+1, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if !strings.HasPrefix(f.Function, "github.com/athanor-orm/athanor/session.") &&
			!strings.HasPrefix(f.Function, "github.com/athanor-orm/athanor/loader.") {
			return fmt.Sprintf("%s:%d", f.File, f.Line)
		}
		if !more {
			return "unknown"
		}
	}
}
