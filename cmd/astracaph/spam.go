package main

import (
	"context"
	"fmt"
	"io"
)

// cmdSpam is replaced by the spam-filter work (train, eval).
func cmdSpam(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "astracaph: spam: not built yet")
	return 2
}
