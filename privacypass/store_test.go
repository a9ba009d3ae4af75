package privacypass_test

import (
	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/privacypass"
)

// The engine's stores (memory, Redis) are what Redeem consumes redemptions in.
var _ privacypass.ReplayStore = astracaph.Store(nil)
