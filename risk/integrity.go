package risk

// Integrity of our widget's flow: the strong signals that force the step-up band without
// ever denying. The AstraCaph widget always sends its environment probes, at least one
// trusted activation, the challenge binding (ch) and, when the server serves one, the answer
// of the environment check; a redemption that lacks them did not come from the widget, and
// one whose times contradict the server's clock or the proof of work was not produced by it.

// integrity evaluates the tele.* and env.PROOF_MISSING signals.
func (ev *evaluation) integrity(in *Input, th *Thresholds) {
	t := in.Telemetry
	if in.WidgetRequired {
		switch {
		case t == nil || !hasProbes(t.Env):
			ev.fire(sigTeleAbsent)
		case !activated(t.Beh):
			ev.fire(sigTeleNoAct)
		}
		if in.EnvProofMissing {
			ev.fire(sigProofMissing)
		}
	}
	if t == nil {
		return
	}
	ch := t.Ch
	if in.ChallengeID != "" {
		if ch != nil && ch.ID != "" && ch.ID != in.ChallengeID {
			ev.fire(sigTeleMismatch)
		} else if in.WidgetRequired && (ch == nil || ch.ID == "") {
			ev.fire(sigTeleMismatch)
		}
	}
	if ch == nil {
		return
	}
	if ch.Rcv == nil || ch.Sol == nil || ch.Snd == nil {
		if in.WidgetRequired {
			ev.fire(sigTeleTiming)
		}
		return
	}
	if !timingPlausible(in, ch, t.Beh, th, ev.ua.mobile) {
		ev.fire(sigTeleTiming)
	}
}

// timingPlausible checks the widget's clock against itself, the server's clock and the
// work of the proof: the solution cannot come after the redemption was sent, the widget
// cannot have held the challenge longer than it existed, the work cannot have been done
// faster than any browser manages, and no interaction can be recorded after sending.
func timingPlausible(in *Input, ch *Binding, b *Behaviour, th *Thresholds, mobile bool) bool {
	slack := float64(th.PoWClockSlack.Milliseconds())
	rcv, sol, snd := *ch.Rcv, *ch.Sol, *ch.Snd
	if sol > snd+1 {
		return false
	}
	if server := in.ServerElapsed.Seconds() * 1000; server > 0 && snd > server+slack {
		return false
	}
	if in.PoWWork > 0 {
		maxRate := th.PoWMaxRateDesktop
		if mobile {
			maxRate = th.PoWMaxRateMobile
		}
		if minMs := in.PoWWork / (th.PoWRateFactor * maxRate) * 1000; sol < minMs {
			return false
		}
	}
	if b == nil {
		return true
	}
	end := rcv + snd + slack // the last moment the widget could have recorded anything
	if n := len(b.Pointer); n > 0 && b.Pointer[n-1][2] > end {
		return false
	}
	for i := range b.Clicks {
		if c := b.Clicks[i].T; c != nil && *c > end {
			return false
		}
	}
	if a := b.Act; a != nil && a.T != nil && *a.T > end {
		return false
	}
	return true
}

// hasProbes reports whether env carries the probes the widget always sends.
func hasProbes(e *Env) bool {
	return e != nil && (e.Languages != nil || e.Window != nil || e.Screen != nil || e.TimeZone != "" || e.Plugins != nil)
}

// activated reports whether b records a trusted activation: a trusted click, a key, a
// touch, or the widget's activation counter.
func activated(b *Behaviour) bool {
	if b == nil {
		return false
	}
	if (b.Act != nil && b.Act.N > 0) || (b.Keys != nil && b.Keys.N > 0) || (b.Touch != nil && b.Touch.N > 0) {
		return true
	}
	for i := range b.Clicks {
		if c := b.Clicks[i].Trusted; c != nil && *c {
			return true
		}
	}
	return false
}
