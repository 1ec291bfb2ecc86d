#!/usr/bin/env bash
# Installs what the test suite uses on a fresh Debian 12 machine (run as root); quiet when all is there.
set -euo pipefail

packages=(openssl ca-certificates curl testssl.sh dnsmasq-base swaks libnet-ssleay-perl libio-socket-ssl-perl postfix redis-server chromium slapd nginx python3-prometheus-client rsyslog rsyslog-gnutls systemd knot knot-dnsutils unbound opendkim-tools python3-dkim python3-spf publicsuffix libxml2-utils libmail-dmarc-perl opendkim opendmarc dbconfig-no-thanks rspamd clamav clamav-daemon clamav-milter python3-milter pebble)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Postfix is a test peer run as private instances, never the host's mail system.
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The postfix command wants a default main.cf even when every instance has its own.
[ -f /etc/postfix/main.cf ] || printf 'compatibility_level = 3.6\n' > /etc/postfix/main.cf

# The GUI scenarios drive Debian's chromium with playwright-core (version pinned in the lock
# file; it runs on Debian's Node.js 18). A Node.js from elsewhere that brings its own npm is used as it is.
if ! command -v npm >/dev/null; then
  echo "installing: nodejs npm"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends nodejs npm
fi

gui_tests="$(dirname "$0")/../tests/Gui"
[ -d "$gui_tests/node_modules/playwright-core" ] || npm ci --prefix "$gui_tests" --no-audit --no-fund --loglevel=error

command -v dotnet >/dev/null || { echo "the .NET 10 SDK is required (dotnet not found)"; exit 1; }
