#!/usr/bin/env bash
# PlantUML for the diagrams of docs/07-plantuml.md (docs/diagrams/*.puml -> *.svg): Debian's
# `plantuml` package (it runs on the Java that is already installed) and `graphviz`, whose `dot`
# lays out every diagram but the sequence ones. Installs the missing ones with apt-get (as root,
# or through sudo) when `plantuml` or `dot` is not on PATH; nothing is downloaded at run time.
set -euo pipefail
missing=()
command -v plantuml >/dev/null 2>&1 || missing+=(plantuml)
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
[ "${#missing[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  apt_get=(apt-get)
elif command -v sudo >/dev/null 2>&1; then
  apt_get=(sudo apt-get)
else
  echo "missing ${missing[*]}; install them as root: apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "installing Debian's ${missing[*]} for the diagrams" >&2
DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" update -qq
# Without recommends: SVG output needs no desktop Java, no extra fonts, no X11 viewers.
DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
for binary in plantuml dot; do
  command -v "$binary" >/dev/null 2>&1 || { echo "$binary is still not on PATH after installing ${missing[*]}" >&2; exit 1; }
done
