#!/usr/bin/env bash
# The monitoring binaries the observability tests run for real: Debian's prometheus + promtool,
# prometheus-pushgateway, prometheus-postgres-exporter and prometheus-alertmanager (amtool).
# Installs the missing ones with apt-get (as root, or through sudo); nothing is downloaded at run time.
set -euo pipefail
declare -A binary_of=(
  [prometheus]=/usr/bin/prometheus
  [prometheus-pushgateway]=/usr/bin/prometheus-pushgateway
  [prometheus-postgres-exporter]=/usr/bin/prometheus-postgres-exporter
  [prometheus-alertmanager]=/usr/bin/amtool
)
missing=()
for package in "${!binary_of[@]}"; do
  [ -x "${binary_of[$package]}" ] || missing+=("$package")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  apt_get=(apt-get)
elif command -v sudo >/dev/null 2>&1; then
  apt_get=(sudo apt-get)
else
  echo "missing ${missing[*]}; install them as root: apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "installing Debian's ${missing[*]} for the observability tests" >&2
DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" update -qq
# The tests start their own servers on loopback ports; the packages' system services are not used.
DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
