package conformance

import (
	"github.com/athanor-orm/athanor/core"
)

func coreQuestions() []question {
	return []question{
		coreQ("filter/tracks of genre 1 by id", `SELECT TrackId, Name, UnitPrice FROM Track WHERE GenreId = 1 ORDER BY TrackId`,
			func(e *env) core.Statement {
				t := e.T("Track")
				return core.Select(t.C("TrackId"), t.C("Name"), t.C("UnitPrice")).From(t.Table).Where(core.Eq(t.C("GenreId"), 1)).OrderBy(t.C("TrackId"))
			}),
	}
}
