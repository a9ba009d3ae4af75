// Command astracaph is the AstraCaph CLI and standalone server.
//
//	astracaph [serve]        run the hosted API (default when no command is given)
//	astracaph challenge      print a PoW challenge JSON
//	astracaph solve          solve a challenge read from stdin, print the payload
//	astracaph verify         verify a payload, exit 0 when it verifies
//	astracaph sites ...      manage registered sites
//	astracaph data update    download the public IP and e-mail lists
//	astracaph spam ...       train and evaluate the spam classifier
//	astracaph risk eval      replay labelled telemetry through the risk scorer
//	astracaph loadtest       generate load against a running server
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run dispatches a subcommand; it returns the process exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return cmdServe(ctx, args, stdin, stdout, stderr)
	case "challenge":
		return cmdChallenge(ctx, args, stdin, stdout, stderr)
	case "solve":
		return cmdSolve(ctx, args, stdin, stdout, stderr)
	case "verify":
		return cmdVerify(ctx, args, stdin, stdout, stderr)
	case "sites":
		return cmdSites(ctx, args, stdin, stdout, stderr)
	case "spam":
		return cmdSpam(ctx, args, stdin, stdout, stderr)
	case "data":
		return cmdData(ctx, args, stdin, stdout, stderr)
	case "risk":
		return cmdRisk(ctx, args, stdin, stdout, stderr)
	case "loadtest":
		return cmdLoadtest(ctx, args, stdin, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, "usage: astracaph [serve|challenge|solve|verify|sites|data|spam|risk|loadtest] [flags]")
		return 0
	default:
		fmt.Fprintf(stderr, "astracaph: unknown command %q\n", cmd)
		return 2
	}
}
