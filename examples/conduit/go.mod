module github.com/athanor-orm/athanor/examples/conduit

go 1.26.0

require github.com/athanor-orm/athanor v0.0.0

replace github.com/athanor-orm/athanor => ../..
