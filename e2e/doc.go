// Package e2e holds AstraCaph's end-to-end browser tests: headless Chromium, driven with
// chromedp, against real servers started inside each test (the engine from astracaph.New,
// the hosted API from server.New, the form guard from middleware.Protect).
//
// Lifecycle of a test: start httptest servers on 127.0.0.1 (the API and the pages, plus a
// second origin where a test needs one), launch a private Chromium with a temporary profile,
// drive the page like a user (pointer or keyboard), then check the outcome on the server
// side (middleware results, /api/v1/verify, siteverify) and in the page (state, CSP
// reports). Every test has its own hard timeout and tears its browser down on return.
//
// The tests skip when Chromium (or, for the interop tests, node/npm or the network) is
// missing, and fail under ASTRACAPH_INTEGRATION=1. Screenshots go to e2e/out/ (git-ignored).
// The package has no non-test code.
package e2e
