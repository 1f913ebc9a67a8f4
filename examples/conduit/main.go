// Command conduit is a RealWorld ("Conduit") API backend built on Athanor.
package main

import "log"

func main() { log.Fatal("conduit: not built yet") }
