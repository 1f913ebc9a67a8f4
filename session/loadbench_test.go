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
