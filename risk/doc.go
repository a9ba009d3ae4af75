// Package risk scores one solved proof of work: is the client a person driving a browser, or
// a script? docs/risk.md describes the model, the signal catalogue and the telemetry;
// docs/risk-notes.md the research behind them. The package keeps no state and knows nothing
// of the engine: package astracaph wires it into the flow (WithRiskEngine).
//
// # Lifecycle
//
//  1. Build a Scorer once with NewScorer (WithWeights and WithThresholds override the
//     defaults; the zero Scorer scores with the defaults too). It is immutable and safe for
//     concurrent use.
//  2. Per redemption, parse the widget's telemetry with ParseTelemetry, gather what the
//     server knows itself (IP class and country, request headers, velocity level, recent
//     failures, PoW timing, whether a visual challenge was already solved, whether the
//     interaction hash was seen before) into an Input, and call Scorer.Score.
//  3. The Assessment carries the points R, a logistic risk, the human score 1−risk, a 1–5
//     band, the Action (pass, harder-pow, step-up, deny) and the reason codes of the signals
//     that fired (ReasonCodes lists them all). PoWMultiplier and VelocityMultiplier turn it
//     into the work of the next challenge.
//
// The environment check (EnvProof) is a small layout program generated per challenge from a
// key and the challenge's binding id; its answer comes back in the telemetry. Evaluator
// replays labelled redemptions offline (`astracaph risk eval`).
//
// # Model
//
// Additive points over the signal catalogue (weights.go, documented in docs/risk.md), category
// caps applied before summing so that no family of soft signals reaches the block band, then
// risk = 1/(1+exp(-(R−4)/1.5)). Denial needs a hard automation artefact; soft signals only
// raise PoW cost or trigger the step-up. Strong signals (the integrity of our widget's flow:
// absent telemetry, a replayed or foreign document, impossible timing, scripted motion) force
// the step-up band but never deny.
//
// # Failures
//
// ParseTelemetry and NewScorer return errors wrapping the sentinels of errors.go; what to do
// with a rejected telemetry document is the caller's policy (the engine scores without it and
// sets Input.TelemetryInvalid). Score never fails: its verdict is the Assessment, and a signal
// that cannot be judged is neutral.
package risk

//go:generate go run ./internal/gen/tzcountry -o tzcountry.go
//go:generate go run ./internal/gen/signaldoc -doc ../docs/risk.md
