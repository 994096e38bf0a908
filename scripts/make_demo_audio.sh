#!/usr/bin/env bash
# Rebuild the recording `debrief demo` plays: seven spoken answers (flite's
# slt voice), 2.5 s apart, as a small mono OGG file inside the package.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
.venv/bin/python scripts/make_test_audio.py --voice slt --gap 2.5 "$tmp/demo.wav" \
  "two out of five. there was a lot of traffic and i was rushing to find parking" \
  "four out of five. the receptionist was friendly and the small talk was easy" \
  "three out of five. i could not think of a good example of my work" \
  "two out of five. a technical question about databases stumped me" \
  "four out of five. i asked about the team and how they work" \
  "next time i should practise my examples out loud" \
  "i nailed the story about the migration project"
sox "$tmp/demo.wav" -r 16000 -c 1 -C 3 assistant/data/demo_answers.ogg
rm -r "$tmp"
ls -l assistant/data/demo_answers.ogg
