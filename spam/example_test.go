package spam_test

import (
	"context"
	"fmt"

	"github.com/astracat/astracaph/spam"
)

// A filter with the defaults (built-in domain lists, no model, no DNS) classifies a contact
// form: a throw-away address and a shortened link make it BAD; plain prose is GOOD.
func ExampleFilter_Classify() {
	f, err := spam.NewFilter()
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	r := f.Classify(ctx, spam.Input{
		Email:  "winner@mailinator.com",
		Fields: map[string]string{"message": "You have won a cash prize! Claim it at https://bit.ly/xyz"},
	})
	fmt.Println(r.Class, r.Reasons)
	r = f.Classify(ctx, spam.Input{
		Email:  "ana@example.org",
		Fields: map[string]string{"message": "Hello, could you send me the opening hours for next week? Thanks."},
	})
	fmt.Println(r.Class, r.Reasons)
	// Output:
	// BAD [email.DISPOSABLE text.URLS text.KEYWORDS]
	// GOOD []
}
