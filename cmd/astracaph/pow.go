package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/astracat/astracaph"
)

// hmacKeyFromEnv returns the ALTCHA HMAC key from the flag or ASTRACAPH_ALTCHA_HMAC_KEY.
func hmacKeyFromEnv(flagVal string) ([]byte, error) {
	k := flagVal
	if k == "" {
		k = os.Getenv("ASTRACAPH_ALTCHA_HMAC_KEY")
	}
	if k == "" {
		return nil, errors.New("no HMAC key: set ASTRACAPH_ALTCHA_HMAC_KEY or -key")
	}
	return []byte(k), nil
}

// cmdChallenge prints a challenge JSON.
func cmdChallenge(_ context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("challenge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	alg := fs.String("algorithm", "PBKDF2/SHA-256", "the key derivation: SHA-256, SHA-384, SHA-512, PBKDF2/SHA-256, PBKDF2/SHA-384, PBKDF2/SHA-512, SCRYPT or ARGON2ID")
	cost := fs.Int("cost", 0, "the cost: PBKDF2 iterations, SHA rounds, SCRYPT N or ARGON2ID passes (0: the algorithm's default)")
	keyLen := fs.Int("key-length", 0, "the derived key's length in bytes (0: the default, 32)")
	mode := fs.String("mode", "deterministic", "deterministic (a secret counter in a range) or probabilistic (a fixed key prefix)")
	prefix := fs.String("prefix", "00", "the hex key prefix to find in probabilistic mode")
	cmin := fs.Uint("counter-min", 5000, "the smallest counter in deterministic mode")
	cmax := fs.Uint("counter-max", 10000, "the largest counter in deterministic mode")
	mem := fs.Int("memory-cost", 0, "ARGON2ID memory in KiB, or SCRYPT's block size r")
	par := fs.Int("parallelism", 0, "ARGON2ID lanes, or SCRYPT's parallelism p")
	expires := fs.Duration("expires", 10*time.Minute, "how long the challenge stays valid (0: forever)")
	v1 := fs.Bool("v1", false, "print a legacy PoW v1 challenge (SHA-256 with maxnumber) instead")
	maxNumber := fs.Int64("max-number", 100000, "the largest number of a v1 challenge")
	key := fs.String("key", "", "the HMAC key that signs challenges (default $ASTRACAPH_ALTCHA_HMAC_KEY)")
	keySig := fs.String("key-signature-key", "", "a second secret that adds keySignature, for the two-HMAC verification fast path")
	if code, stop := parseFlags(fs, args); stop {
		return code
	}
	hk, err := hmacKeyFromEnv(*key)
	if err != nil {
		fmt.Fprintln(stderr, "astracaph: challenge:", err)
		return 2
	}
	var exp time.Time
	if *expires > 0 {
		exp = time.Now().Add(*expires)
	}
	var out any
	if *v1 {
		out, err = astracaph.CreateChallengeV1(astracaph.ChallengeV1Options{MaxNumber: *maxNumber, HMACKey: hk, ExpiresAt: exp})
	} else {
		o := astracaph.ChallengeOptions{
			Algorithm: astracaph.Algorithm(*alg), Cost: *cost, KeyLength: *keyLen, MemoryCost: *mem, Parallelism: *par,
			CounterMin: uint32(*cmin), CounterMax: uint32(*cmax), ExpiresAt: exp, HMACKey: hk,
		}
		if *keySig != "" {
			o.KeySignatureKey = []byte(*keySig)
		}
		switch *mode {
		case "deterministic":
		case "probabilistic":
			o.Mode, o.KeyPrefix = astracaph.Probabilistic, *prefix
		default:
			fmt.Fprintf(stderr, "astracaph: challenge: unknown mode %q\n", *mode)
			return 2
		}
		out, err = astracaph.CreateChallenge(o)
	}
	if err != nil {
		fmt.Fprintln(stderr, "astracaph: challenge:", err)
		return 1
	}
	b, _ := json.Marshal(out)
	fmt.Fprintln(stdout, string(b))
	return 0
}

// cmdSolve reads a challenge JSON on stdin and prints the payload.
func cmdSolve(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("solve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	workers := fs.Int("workers", 0, "how many goroutines search in parallel (0: one per CPU)")
	timeout := fs.Duration("timeout", 5*time.Minute, "how long to search before giving up")
	if code, stop := parseFlags(fs, args); stop {
		return code
	}
	in, err := io.ReadAll(io.LimitReader(stdin, 1<<20))
	if err != nil {
		fmt.Fprintln(stderr, "astracaph: solve:", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(in, &probe); err != nil {
		fmt.Fprintln(stderr, "astracaph: solve: challenge JSON:", err)
		return 2
	}
	// Piped straight from curl, the input may be the server's error answer instead of a
	// challenge: say what the server said.
	if msg, ok := serverError(probe); ok {
		fmt.Fprintln(stderr, "astracaph: solve: the server answered with an error instead of a challenge:", msg)
		return 1
	}
	if _, legacy := probe["challenge"]; legacy {
		var ch astracaph.ChallengeV1
		if err := json.Unmarshal(in, &ch); err != nil {
			fmt.Fprintln(stderr, "astracaph: solve: v1 challenge:", err)
			return 2
		}
		sol, err := astracaph.SolveChallengeV1(ctx, ch)
		if err != nil {
			fmt.Fprintln(stderr, "astracaph: solve:", err)
			return 1
		}
		fmt.Fprintln(stdout, astracaph.EncodePayloadV1(ch, sol))
		return 0
	}
	var ch astracaph.Challenge
	if err := json.Unmarshal(bytes.TrimSpace(in), &ch); err != nil {
		fmt.Fprintln(stderr, "astracaph: solve: challenge:", err)
		return 2
	}
	start := time.Now()
	last := start
	sol, err := astracaph.SolveChallenge(ctx, ch, astracaph.SolveOptions{Workers: *workers, Progress: func(n uint64) {
		// A progress line on stderr for long solves, at most once a second.
		if time.Since(last) > time.Second {
			last = time.Now()
			fmt.Fprintf(stderr, "\rsolving: %d tried, %s", n, time.Since(start).Round(time.Second))
		}
	}})
	if time.Since(start) > time.Second {
		fmt.Fprintln(stderr)
	}
	if err != nil {
		fmt.Fprintln(stderr, "astracaph: solve:", err)
		return 1
	}
	fmt.Fprintln(stdout, astracaph.EncodePayload(ch, sol))
	return 0
}

// serverError recognises the API's error shape {"success":false,"error":code,"message":text}
// and returns "code: text".
func serverError(probe map[string]json.RawMessage) (string, bool) {
	var success *bool
	var code, msg string
	if json.Unmarshal(probe["success"], &success) != nil || success == nil || *success {
		return "", false
	}
	_ = json.Unmarshal(probe["error"], &code)
	_ = json.Unmarshal(probe["message"], &msg)
	switch {
	case code != "" && msg != "":
		return code + ": " + msg, true
	case code != "":
		return code, true
	case msg != "":
		return msg, true
	}
	return "unknown error", true
}

// cmdVerify verifies a payload (argument or stdin); exit 0 when it verifies, 1 otherwise.
func cmdVerify(_ context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	key := fs.String("key", "", "the HMAC key that signed the challenge, or the site secret for a token (default $ASTRACAPH_ALTCHA_HMAC_KEY)")
	keySig := fs.String("key-signature-key", "", "the key-signature secret, to verify by the fast path")
	if code, stop := parseFlags(fs, args); stop {
		return code
	}
	hk, err := hmacKeyFromEnv(*key)
	if err != nil {
		fmt.Fprintln(stderr, "astracaph: verify:", err)
		return 2
	}
	payload := fs.Arg(0)
	if payload == "" {
		b, _ := io.ReadAll(io.LimitReader(stdin, 64<<10))
		payload = strings.TrimSpace(string(b))
	}
	if astracaph.IsServerPayload(payload) {
		res, err := astracaph.VerifyServerSignature(payload, hk)
		return printVerdict(stdout, stderr, err, res.Verified, map[string]any{"verified": res.Verified, "expired": res.Expired, "invalidSignature": res.InvalidSignature, "invalidSolution": res.InvalidSolution, "verificationData": res.RawData})
	}
	var ks []byte
	if *keySig != "" {
		ks = []byte(*keySig)
	}
	res, err := astracaph.VerifySolution(payload, astracaph.VerifyOptions{HMACKey: hk, KeySignatureKey: ks})
	return printVerdict(stdout, stderr, err, res.Verified, map[string]any{"verified": res.Verified, "expired": res.Expired, "invalidSignature": res.InvalidSignature, "invalidSolution": res.InvalidSolution, "version": res.Version, "algorithm": res.Algorithm})
}

func printVerdict(stdout, stderr io.Writer, err error, ok bool, v map[string]any) int {
	if err != nil {
		fmt.Fprintln(stderr, "astracaph: verify:", err)
		v["error"] = err.Error()
	}
	b, _ := json.Marshal(v)
	fmt.Fprintln(stdout, string(b))
	if ok {
		return 0
	}
	return 1
}
