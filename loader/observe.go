package loader

import (
	"context"
)

// Observer is told of each relationship load, so that tracing can give
// it a span under which its statements nest. The loader defines it and
// knows nothing of what implements it (tracing.Tracer is one). Its
// methods must be fast and safe for concurrent use.
//
// The loader finds it through a session host that implements
// ObservedHost; the session's host hands over session.Options.Observer
// when it implements Observer.
type Observer interface {
	// LoadStart is called before the statements of one relationship load
	// run; when a depth loads a single relationship, its statements run
	// with the context LoadStart returned.
	LoadStart(ctx context.Context, data LoadStartData) context.Context
	// LoadEnd is called with the context LoadStart returned once the
	// load's statements have run.
	LoadEnd(ctx context.Context, data LoadEndData)
}

// LoadStartData describes a relationship load about to run. Fields may be
// added, never removed.
type LoadStartData struct {
	// Model is the owning model's name, Relationship the relationship's
	// (Author and Books for Author.Books).
	Model, Relationship string
}

// LoadEndData describes a finished relationship load.
type LoadEndData struct {
	Model, Relationship string
	// Rows is the number of related objects loaded.
	Rows int
	Err  error
}

// ObservedHost is implemented by a session host whose loads are reported
// to an Observer. The loader asks once per run or load; a nil Observer
// reports nothing.
type ObservedHost interface {
	LoadObserver() Observer
}

func observerOf(h Host) Observer {
	if oh, ok := h.(ObservedHost); ok {
		return oh.LoadObserver()
	}
	return nil
}
