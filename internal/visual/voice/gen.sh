#!/bin/sh
# Regenerates the embedded voice samples (one WAV per character of
# visual.Alphabet). Run once at development time; the output is committed.
#
#   apt-get install -y espeak-ng   # tested with eSpeak NG 1.51
#   ./gen.sh
#
# espeak-ng speaks each character as a plain English letter or digit name
# (en-us voice, 140 words per minute); gen.go then trims the silence, low-pass
# filters and resamples to 8 kHz 16-bit mono, evens out loudness and fades the
# edges so samples can be concatenated without clicks.
set -eu
cd "$(dirname "$0")"

# Keep in sync with visual.Alphabet (TestVoiceCoversAlphabet checks it).
ALPHABET=34679HKMRWY

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

espeak-ng --version
for c in $(printf '%s' "$ALPHABET" | fold -w1); do
	espeak-ng -v en-us -s 140 -p 50 -w "$tmp/$c.wav" "$c"
done
go run gen.go -in "$tmp" -out . -chars "$ALPHABET"
ls -l ./*.wav
