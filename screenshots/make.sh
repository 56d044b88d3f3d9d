#!/usr/bin/env bash
# Regenerates the README's screenshots from the real program: the
# dashboard (real engine, cache and adapters) against the simulator on a
# fixed clock, rendered to ANSI by ./screenshots/capture, then to SVG by
# freeze (github.com/charmbracelet/freeze, installed here if missing),
# whose rows ./screenshots/svgcells then pins to the terminal's cells so a
# glyph the embedded font lacks (the braille spinner) cannot shift a
# column in a browser. With Chromium installed (Debian: apt-get install
# chromium), each SVG is then rendered headless and its borders checked.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:$(go env GOPATH)/bin"
command -v freeze >/dev/null || go install github.com/charmbracelet/freeze@v0.2.2
go run ./screenshots/capture -out screenshots
for f in screenshots/*.ansi; do
  svg="${f%.ansi}.svg"
  freeze --language ansi --window --padding 20 --margin 0 --font.size 13 --line-height 1.25 \
    --background "#1a1b26" -o "$svg" < "$f"
  rm -f "$f"
  echo "wrote $svg"
done
go run ./screenshots/svgcells screenshots/*.svg

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "chromium not found: the borders were not checked in a browser" >&2
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pairs=()
for svg in screenshots/*.svg; do
  png="$tmp/$(basename "${svg%.svg}").png"
  "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$tmp/profile" --window-size=1800,1100 --screenshot="$png" \
    "file://$PWD/$svg" >/dev/null 2>&1
  pairs+=("$svg" "$png")
done
go run ./screenshots/svgcells -check "${pairs[@]}"
echo "borders line up in $browser"
