// Package attack holds the machine attacks the visual step is measured against, and the
// client that drives them end to end over HTTP. It is test tooling: nothing in the
// product imports it.
//
// Lifecycle of one measured step (Client.Run): fetch a proof-of-work challenge for the
// always-step-up test site key, solve it, redeem it, receive the visual step, download
// the one medium the attack reads (each is served once), and submit the attack's ranked
// guesses until the server accepts one or the step's attempts run out.
//
// The attacks, each a Solver returning up to three ranked guesses:
//
//   - OCR: ImageMagick preprocessing variants (grey, upscale, thresholds, blur, median,
//     morphological opening and closing) fed to tesseract restricted to the code
//     alphabet; guesses are ranked by how many variants agree.
//   - Speech: PocketSphinx with a JSGF grammar of exactly six alphabet words (the
//     "six-of-eleven" grammar), on three signal variants.
//   - Template: the project's own public voice samples (internal/visual/voice) as
//     templates; the clip is segmented by loudness and every segment is matched against
//     every sample with MFCC features and dynamic time warping ("segment"), or every
//     sample is searched for anywhere in the clip with subsequence DTW ("spot").
//
// The measurements run only with ASTRACAPH_VISUAL_ATTACK=1 (they take minutes and need
// tesseract, ImageMagick and PocketSphinx); see docs/visual.md for the commands and the
// figures.
package attack
