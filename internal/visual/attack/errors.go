package attack

import "errors"

// ErrNoStep is returned by Client.NewStep when the redemption did not answer with a visual
// step.
var ErrNoStep = errors.New("attack: redemption did not step up")
