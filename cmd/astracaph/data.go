package main

import (
	"context"
	"fmt"
	"io"
)

// cmdData is replaced by the IP-intelligence work (data update).
func cmdData(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "astracaph: data: not built yet")
	return 2
}
