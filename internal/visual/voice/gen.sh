#!/bin/sh
# Regenerates the embedded voice samples: one WAV per character of visual.Alphabet and
# per voice, named <char>_<voice>.wav. Run once at development time; the output is
# committed.
#
#   apt-get install -y espeak-ng   # tested with eSpeak NG 1.51
#   ./gen.sh
#
# espeak-ng speaks each character as a plain English letter or digit name (140 words per
# minute) in each voice below; gen.go then trims the silence, low-pass filters and
# resamples to 8 kHz 16-bit mono, evens out loudness and fades the edges so samples can
# be concatenated without clicks.
set -eu
cd "$(dirname "$0")"

# Keep in sync with visual.Alphabet and the voice table in audio.go
# (TestVoiceCoversAlphabet checks both).
ALPHABET=34679HKMRWY
# name:espeak-ng voice. m = lower (male) voices, f = higher (female) voices: the renderer
# speaks the code in one voice and babbles in one of the other register.
VOICES="m1:en-us m2:en-us+klatt f1:en-us+f2 f2:en-us+f5"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

espeak-ng --version
rm -f ./*.wav
for nv in $VOICES; do
	name=${nv%%:*}
	voice=${nv#*:}
	mkdir -p "$tmp/$name"
	for c in $(printf '%s' "$ALPHABET" | fold -w1); do
		espeak-ng -v "$voice" -s 140 -p 50 -w "$tmp/$name/$c.wav" "$c"
	done
	go run gen.go -in "$tmp/$name" -out . -chars "$ALPHABET" -voice "$name"
done
ls -l ./*.wav
