// Command astracaph is the AstraCaph CLI and standalone server. Run "astracaph help" for the
// list of commands; each takes -h for its flags.
//
//	astracaph [serve]        run the hosted API, the widget and the sandbox (the default)
//	astracaph sites ...      register, list, delete and rotate sites in the shared store
//	astracaph spam ...       train, evaluate and try the form-spam classifier
//	astracaph data update    download the public IP and e-mail lists
//	astracaph risk eval      replay labelled telemetry through the risk scorer
//	astracaph loadtest       measure a running server's throughput and latency
//	astracaph challenge      print a PoW challenge JSON
//	astracaph solve          solve a challenge read from stdin, print the payload
//	astracaph verify         verify a payload, exit 0 when it verifies
package main

import (
	"context"
	"errors"
	"flag"
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

// commands lists the subcommands with their one-line descriptions, in help order.
var commands = []struct{ name, help string }{
	{"serve", "run the HTTP API, the widget and the sandbox (the default command)"},
	{"sites", "register, list, delete and rotate sites in the Redis store the servers share"},
	{"spam", "train, evaluate and try the form-spam classifier"},
	{"data", "download the public IP, country and disposable e-mail lists (data update -dir DIR)"},
	{"risk", "replay labelled telemetry through the risk scorer (risk eval -humans FILE -bots FILE)"},
	{"loadtest", "measure a running server's throughput and latency"},
	{"challenge", "print a proof-of-work challenge signed with an ALTCHA HMAC key"},
	{"solve", "solve a challenge read from stdin and print the payload to submit"},
	{"verify", "verify a payload or a token; exit status 0 when it verifies"},
	{"help", "show this list, or a command's flags: astracaph help <command>"},
}

// usage prints the command list.
func usage(w io.Writer) {
	fmt.Fprint(w, `AstraCaph: a self-hosted CAPTCHA that speaks ALTCHA.

Usage: astracaph <command> [flags]    (without a command: astracaph serve [flags])

Commands:
`)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.help)
	}
	fmt.Fprint(w, "\nRun \"astracaph <command> -h\" for a command's flags. Documentation: README.md and docs/.\n")
}

// parseFlags parses args; stop reports that the command must end with code: 0 after -h,
// 2 after a flag error (the flag package has printed it).
func parseFlags(fs *flag.FlagSet, args []string) (code int, stop bool) {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0, true
	case err != nil:
		return 2, true
	}
	return 0, false
}

// run dispatches a subcommand; it returns the process exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 {
		switch a := args[0]; {
		case a == "-h" || a == "-help" || a == "--help":
			usage(stdout)
			return 0
		case a != "" && a[0] != '-':
			cmd, args = a, args[1:]
		}
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
	case "help":
		if len(args) > 0 && args[0] != "help" {
			return run(ctx, []string{args[0], "-h"}, stdin, stdout, stderr)
		}
		usage(stdout)
		return 0
	default:
		fmt.Fprintf(stderr, "astracaph: unknown command %q\n\n", cmd)
		usage(stderr)
		return 2
	}
}
