package accesslog

import (
	"strings"
	"testing"
	"time"
)

// A log command that stops reading must not block writers (lines are
// dropped once the queue is full) nor Close (it kills after the grace).
func TestPipeStalledCommand(t *testing.T) {
	p, err := startPipe("sleep 30")
	if err != nil {
		t.Fatal(err)
	}
	p.grace = 100 * time.Millisecond
	line := []byte(strings.Repeat("x", 99) + "\n")
	dropped := 0
	start := time.Now()
	for i := 0; i < pipeQueue+2000; i++ { // more than the pipe and the queue hold
		if _, err := p.Write(line); err != nil {
			dropped++
		}
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("writes blocked for %v", time.Since(start))
	}
	if dropped == 0 {
		t.Error("no line was dropped although nothing reads the pipe")
	}
	start = time.Now()
	_ = p.Close() // errors expected: the killed command broke the pipe
	if time.Since(start) > 5*time.Second {
		t.Errorf("Close took %v", time.Since(start))
	}
	if _, err := p.Write(line); err == nil {
		t.Error("write after Close accepted")
	}
}
