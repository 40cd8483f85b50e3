package goroutine

func work() {}

func f() {
	go work()   // want `determinism: go statement: goroutine scheduling differs between peers.*\[goroutine\]`
	go func() { // want `go statement`
		work()
	}()
	work()
	done := make(chan struct{})
	close(done)
	<-done
}
