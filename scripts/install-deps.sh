#!/bin/sh
# install-deps.sh - install the Debian packages cmegw needs to build, test and demo.
# Non-interactive; safe to run again. Never starts system mail daemons: a policy-rc.d
# that forbids service starts is in place for the install (an existing one is kept).
set -eu

PKGS="build-essential pkg-config perl python3 openssl ca-certificates
libglib2.0-dev libgmime-3.0-dev libetpan-dev libcurl4-gnutls-dev libgnutls28-dev
libsqlite3-dev libjson-glib-dev libxml2-dev libzip-dev libpoppler-glib-dev
clang libclang-rt-14-dev
libcmocka-dev sqlite3
dovecot-core dovecot-imapd dovecot-lmtpd postfix"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi

echo "install-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
policy=/usr/sbin/policy-rc.d
saved=""
if [ -e "$policy" ]; then
	saved=$(mktemp)
	cp -p "$policy" "$saved"
fi
restore() {
	if [ -n "$saved" ]; then mv -f "$saved" "$policy"; else rm -f "$policy"; fi
}
trap restore EXIT
printf '#!/bin/sh\nexit 101\n' > "$policy"
chmod 755 "$policy"

echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
