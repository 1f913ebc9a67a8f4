package session

import (
	"testing"

	"github.com/athanor-orm/athanor/mapper"
)

type benchBook struct {
	ID       int64 `athanor:",pk"`
	AuthorID int64
	Title    string
}

func BenchmarkAdoptLoaded(b *testing.B) {
	reg := mapper.NewRegistry()
	m, err := mapper.RegisterIn[benchBook](reg)
	if err != nil {
		b.Fatal(err)
	}
	objs := make([]*benchBook, 1000)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		for i := range objs {
			objs[i] = &benchBook{ID: int64(i + 1), AuthorID: 7, Title: "t"}
		}
		s := New(noBackend{}, Options{Registry: reg})
		b.StartTimer()
		for _, o := range objs {
			s.adoptLoaded(m, m.Ref(o))
		}
	}
}

// BenchmarkPublishLoaded publishes 1000 loaded objects from slabs, as a
// query's rows are: each alone (adoptLoadedIn), or in batches (see
// loadRun.publish).
func BenchmarkPublishLoaded(b *testing.B) {
	reg := mapper.NewRegistry()
	m, err := mapper.RegisterIn[benchBook](reg)
	if err != nil {
		b.Fatal(err)
	}
	objs := make([]*benchBook, 1000)
	run := func(b *testing.B, publish func(lr *loadRun, p mapper.Ref)) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			for i := range objs {
				objs[i] = &benchBook{ID: int64(i + 1), AuthorID: 7, Title: "t"}
			}
			s := New(noBackend{}, Options{Registry: reg})
			b.StartTimer()
			lr := s.startLoad(m)
			for _, o := range objs {
				publish(lr, m.Ref(o))
			}
			lr.publish()
			lr.release()
		}
	}
	b.Run("row", func(b *testing.B) {
		run(b, func(lr *loadRun, p mapper.Ref) {
			lr.out = append(lr.out, lr.s.adoptLoadedIn(m, p, lr.lb, &lr.blocks))
		})
	})
	b.Run("batch", func(b *testing.B) {
		run(b, func(lr *loadRun, p mapper.Ref) {
			if len(lr.batch) == 0 {
				lr.batchAt = len(lr.out)
			}
			lr.batch = append(lr.batch, newLoaded(m, p, lr.lb, &lr.blocks))
			lr.blocks.Keep()
			lr.out = append(lr.out, p)
			if len(lr.batch) == loadBatchMax {
				lr.publish()
			}
		})
	})
}
