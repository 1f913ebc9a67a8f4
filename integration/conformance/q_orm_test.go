package conformance

import (
	"testing"

	"github.com/athanor-orm/athanor/mapper"
)

func registry(t *testing.T, n func(string) string) *mapper.Registry {
	return mapper.NewRegistry()
}

func ormQuestions() []question { return nil }
