package astracaph_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log"
	"net/url"
	"time"

	"github.com/astracat/astracaph"
)

// Example runs the whole flow in-process: the engine issues a challenge, the client solves
// it (what the widget does in Web Workers), redeems it for a token bound to its page's
// origin, and the site's backend verifies the token, which succeeds exactly once.
func Example() {
	// A real deployment sets WithSecret from its configuration (and WithStore for several
	// servers); the light proof of work only keeps this example fast.
	c, err := astracaph.New(
		astracaph.WithSecret([]byte("a-master-secret-of-at-least-16-bytes")),
		astracaph.WithPoW(astracaph.PoWConfig{Algorithm: astracaph.PBKDF2SHA256, Cost: 2, CounterMin: 1, CounterMax: 20}),
	)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// The browser's side: fetch a challenge, solve it, redeem the solution.
	ch, err := c.Challenge(ctx, astracaph.ChallengeRequest{})
	if err != nil {
		log.Fatal(err)
	}
	sol, err := astracaph.SolveChallenge(ctx, ch, astracaph.SolveOptions{})
	if err != nil {
		log.Fatal(err)
	}
	redeem := astracaph.RedeemRequest{Payload: astracaph.EncodePayload(ch, sol), Origin: "https://shop.example.com"}
	d, err := c.Redeem(ctx, redeem)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d.Action, d.Token != "")
	_, err = c.Redeem(ctx, redeem) // a solution is redeemed once
	fmt.Println(errors.Is(err, astracaph.ErrChallengeUsed))

	// The backend's side: the form arrives with the token; verify it against the origin.
	opts := astracaph.VerifyTokenOptions{Origin: "https://shop.example.com"}
	res, err := c.Verify(ctx, d.Token, opts)
	if err != nil {
		log.Fatal(err) // the store failed: the token stays unspent
	}
	fmt.Println(res.Success, res.Hostname, res.Score)
	res, _ = c.Verify(ctx, d.Token, opts) // a token verifies once
	fmt.Println(res.Success, res.ErrorCodes)
	// Output:
	// pass true
	// true
	// true shop.example.com 1
	// false [timeout-or-duplicate]
}

// ExampleVerifySolution uses the ALTCHA PoW v2 format as a library, without an engine: a
// server creates and signs a challenge with its HMAC key, a client solves it, and the
// server checks the payload the client sends back. Replay protection (consuming the
// challengeId once) is the caller's job here; New's engine does it with its Store.
func ExampleVerifySolution() {
	key := []byte("an-hmac-key-only-the-server-knows")
	counter := uint32(42) // normally drawn at random from a range (CounterMin, CounterMax)
	ch, err := astracaph.CreateChallenge(astracaph.ChallengeOptions{
		Algorithm: astracaph.PBKDF2SHA256,
		Cost:      2,
		Counter:   &counter,
		ExpiresAt: time.Now().Add(10 * time.Minute),
		Data:      map[string]any{"challengeId": "c-1"},
		HMACKey:   key,
	})
	if err != nil {
		log.Fatal(err)
	}

	sol, err := astracaph.SolveChallenge(context.Background(), ch, astracaph.SolveOptions{})
	if err != nil {
		log.Fatal(err)
	}
	payload := astracaph.EncodePayload(ch, sol) // what the widget submits with the form

	res, err := astracaph.VerifySolution(payload, astracaph.VerifyOptions{HMACKey: key})
	if err != nil {
		log.Fatal(err) // not a payload at all
	}
	fmt.Println(sol.Counter, res.Verified, res.ChallengeID)

	// A challenge signed with another key fails as altcha-lib reports it: a flag, no error.
	res, err = astracaph.VerifySolution(payload, astracaph.VerifyOptions{HMACKey: []byte("some-other-key")})
	fmt.Println(res.Verified, res.InvalidSignature, err)
	// Output:
	// 42 true c-1
	// false true <nil>
}

// ExampleVerifyServerSignature signs a server-signature payload (the token format, also
// what ALTCHA Sentinel returns) and verifies it as a site's backend would, including the
// hash of the form fields the token signs, which catches a form edited after the fact.
func ExampleVerifyServerSignature() {
	secret := []byte("the-site-secret")
	fields := []string{"name", "email"}
	sum := sha256.Sum256([]byte("Ada\nada@example.com")) // the field values joined by "\n"
	token, err := astracaph.SignServerPayload(astracaph.VerificationData{
		ID:         "tok-1",
		Origin:     "https://shop.example.com",
		Expire:     time.Now().Add(5 * time.Minute),
		Fields:     fields,
		FieldsHash: hex.EncodeToString(sum[:]),
		Verified:   true,
	}, secret, astracaph.SHA256)
	if err != nil {
		log.Fatal(err)
	}

	res, err := astracaph.VerifyServerSignature(token, secret)
	if err != nil {
		log.Fatal(err) // not a payload at all
	}
	vd := res.VerificationData
	fmt.Println(res.Verified, vd.ID, vd.Origin)

	form := url.Values{"name": {"Ada"}, "email": {"ada@example.com"}}
	ok, err := astracaph.VerifyFieldsHash(form, vd.Fields, vd.FieldsHash, res.Algorithm)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ok)
	form.Set("email", "eve@example.com") // changed after the widget hashed the form
	ok, _ = astracaph.VerifyFieldsHash(form, vd.Fields, vd.FieldsHash, res.Algorithm)
	fmt.Println(ok)

	res, _ = astracaph.VerifyServerSignature(token, []byte("a-guessed-secret"))
	fmt.Println(res.Verified, res.InvalidSignature)
	// Output:
	// true tok-1 https://shop.example.com
	// true
	// false
	// false true
}
