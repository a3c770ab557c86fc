#!/usr/bin/env bash
# servers.sh - throwaway Dovecot (IMAP, LMTP, SASL) and Postfix (SMTP) on loopback for
# cmegw's integration tests and demo.  See tests/servers/README.md.
#
#   servers.sh start DIR          generate CA + certificates and configs under DIR, start both
#                                 servers, wait until they answer, write DIR/env
#   servers.sh stop DIR [--clean] stop both by their pid files; --clean also removes what
#                                 start created under DIR (and DIR itself when then empty)
#
# Ports: $CMEGW_TEST_PORT_BASE (default 20000) + 0 IMAP, +1 IMAPS, +2 SMTP (MX),
# +3 submission (STARTTLS + AUTH), +4 submissions (implicit TLS + AUTH).
# Exit status: 0 ok, 1 failure, 2 usage, 3 a port is already in use.
set -u
umask 022
PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
export PATH
# Never let a caller's locale or config search path leak into the daemons.
unset MAIL_CONFIG
export LC_ALL=C

PROG=servers.sh
MAIL_USER=cmegw-test
# The sample messages (examples/) come from these domains: every one is reserved (RFC 2606).
DOMAINS="medway.example.org kent.example.org school.example.net example.org example.net cme.test riverside-primary.school.example.net oakfield-academy.school.example.net health.example.net"
HOSTNAME_FQDN=mx.cme.test
START_TIMEOUT=10	# seconds to wait for the servers to answer
STOP_TIMEOUT=5		# seconds to wait after TERM before KILL
# What start creates inside DIR; stop --clean removes exactly these.  MARK says DIR is one
# of ours: start refuses to wipe, and --clean to remove, anything in a DIR without it.
MARK=.cmegw-test-servers
OWNED="env password tls dovecot run mail postfix postfix-queue postfix-data log"

die() { echo "$PROG: $*" >&2; exit 1; }
say() { echo "$PROG: $*" >&2; }

usage() {
	echo "usage: $PROG start DIR | $PROG stop DIR [--clean]" >&2
	exit 2
}

# abs_dir DIR - DIR made absolute (need not exist); refuses names the configs cannot hold
abs_dir() {
	local d=$1
	case $d in
	/*) ;;
	*) d=$PWD/$d ;;
	esac
	# strip trailing slashes and "/./"
	while [ "${d%/}" != "$d" ] && [ "$d" != / ]; do d=${d%/}; done
	d=$(printf '%s\n' "$d" | sed -e 's#/\./#/#g' -e 's#/\.$##')
	case $d in
	*[!A-Za-z0-9_./+-]*) die "DIR must consist of [A-Za-z0-9_./+-] only: $d" ;;
	*/../* | */..) die "DIR must not contain '..': $d" ;;
	/) die "DIR must not be /" ;;
	esac
	printf '%s\n' "$d"
}

# ---------------------------------------------------------------------------- processes

# stat_of PID - sets ST (state letter) and SID (session id) of PID; fails if there is none
stat_of() {
	local stat rest
	ST="" SID=""
	read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
	rest=${stat##*) }
	# fields after comm: state ppid pgrp session ...
	set -- $rest
	ST=$1 SID=$4
}

# alive PID - PID exists and is not a zombie
alive() {
	stat_of "$1" || return 1
	[ "$ST" != Z ] && [ "$ST" != X ]
}

# is_server PID - PID runs a Dovecot or Postfix program
is_server() {
	local exe
	exe=$(readlink "/proc/$1/exe" 2>/dev/null) || return 1
	case $exe in
	/usr/sbin/dovecot | /usr/lib/dovecot/* | /usr/lib/postfix/sbin/* | /usr/sbin/post*) return 0 ;;
	esac
	return 1
}

# is_ours PID - PID is this DIR's Dovecot master or Postfix master (guards against pid reuse)
is_ours() {
	local pid=$1 comm a
	read -r comm 2>/dev/null <"/proc/$pid/comm" || return 1
	case $comm in
	dovecot)
		mapfile -d '' -t a 2>/dev/null <"/proc/$pid/cmdline" || return 1
		case " ${a[*]} " in *" -c $DIR/dovecot/dovecot.conf "*) return 0 ;; esac ;;
	master)
		mapfile -d '' -t a 2>/dev/null <"/proc/$pid/environ" || return 1
		for comm in "${a[@]}"; do
			[ "$comm" = "MAIL_CONFIG=$DIR/postfix" ] && return 0
		done ;;
	esac
	return 1
}

# our_pids - sets PIDS: this DIR's servers: masters from the pid files or found in /proc
# (pid files lost), and every Dovecot/Postfix process in the sessions those masters lead
# or led (recorded at start)
our_pids() {
	local p f sids="" masters="" all
	for f in "$DIR/run/master.pid" "$DIR/postfix-queue/pid/master.pid" "$DIR/run/sessions"; do
		[ -r "$f" ] || continue
		while read -r p; do
			p=${p// /}
			case $p in *[!0-9]* | "") continue ;; esac
			if [ "$f" = "$DIR/run/sessions" ]; then
				sids="$sids $p"
			elif alive "$p" && is_ours "$p"; then
				masters="$masters $p"
			fi
		done <"$f"
	done
	for f in /proc/[0-9]*; do
		p=${f#/proc/}
		case " $masters " in *" $p "*) continue ;; esac
		is_ours "$p" && alive "$p" && masters="$masters $p"
	done
	for p in $masters; do stat_of "$p" && sids="$sids $SID"; done
	all=$masters
	if [ -n "${sids// /}" ]; then
		for f in /proc/[0-9]*; do
			p=${f#/proc/}
			case " $all " in *" $p "*) continue ;; esac
			stat_of "$p" || continue
			[ "$ST" = Z ] && continue
			case " $sids " in *" $SID "*) is_server "$p" && all="$all $p" ;; esac
		done
	fi
	PIDS=$all
}

do_stop() {
	local pids p left t=0
	our_pids
	pids=$PIDS
	if [ -n "$pids" ]; then
		for p in $pids; do kill -TERM "$p" 2>/dev/null; done
		while :; do
			left=""
			for p in $pids; do alive "$p" && left="$left $p"; done
			[ -z "$left" ] && break
			if [ "$t" -ge $((STOP_TIMEOUT * 20)) ]; then
				say "still running after ${STOP_TIMEOUT}s, killing:$left"
				for p in $left; do kill -KILL "$p" 2>/dev/null; done
				sleep 0.2
				break
			fi
			sleep 0.05
			t=$((t + 1))
		done
		# Children a dying master did not take along (no new ones can appear now).
		our_pids
		if [ -n "$PIDS" ]; then
			for p in $PIDS; do kill -KILL "$p" 2>/dev/null; done
			sleep 0.2
			our_pids
			[ -n "$PIDS" ] && die "could not stop processes:$PIDS"
		fi
	fi
	rm -f "$DIR/run/master.pid" "$DIR/postfix-queue/pid/master.pid" "$DIR/run/sessions" 2>/dev/null
	return 0
}

# ---------------------------------------------------------------------------- start helpers

ensure_user() {
	id -u "$MAIL_USER" >/dev/null 2>&1 && return 0
	[ "$(id -u)" = 0 ] || die "user $MAIL_USER is missing and only root can create it"
	useradd --system --user-group --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin --comment "cmegw test mail store" "$MAIL_USER" 2>/dev/null ||
		id -u "$MAIL_USER" >/dev/null 2>&1 ||	# created meanwhile by a parallel start
		die "useradd $MAIL_USER failed"
}

# The mail user (Dovecot) and the postfix user (sockets) must be able to reach DIR.
# Checked before DIR is made (ancestors still missing will be created mode 755).
ensure_traversable() {
	local d=${DIR%/*} perm
	while [ -n "$d" ]; do
		[ -d "$d" ] || { d=${d%/*}; continue; }
		perm=$(stat -c %A "$d") || die "cannot stat $d"
		case $perm in
		?????????[xt]) ;;
		*)
			case $d/ in
			/tmp/?* | "${TMPDIR:-/tmp}"/?*)
				chmod o+x "$d" || die "cannot chmod o+x $d"
				say "note: made $d traversable (o+x) for the mail user" ;;
			*) die "$d is not traversable by other users (mode $perm): Dovecot's mail user" \
				"cannot reach $DIR; use a DIR under /tmp or run: chmod o+x $d" ;;
			esac ;;
		esac
		d=${d%/*}
	done
}

# check_ports - every port is free (exit 3 otherwise)
check_ports() {
	local busy
	busy=$(python3 - "$BASE" <<'EOF'
import socket, sys
base = int(sys.argv[1])
busy = []
for off in range(5):
    for host in ("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, base + off))
        except OSError as e:
            busy.append("%s:%d (%s)" % (host, base + off, e.strerror))
            break
        finally:
            s.close()
print(" ".join(busy))
EOF
	) || die "cannot check ports (python3 failed)"
	if [ -n "$busy" ]; then
		echo "$PROG: port(s) already in use: $busy" >&2
		echo "$PROG: another server (or another test run) holds CMEGW_TEST_PORT_BASE=$BASE;" \
			"stop it or set CMEGW_TEST_PORT_BASE to a free base" >&2
		exit 3
	fi
}

make_tls() {
	local t=$DIR/tls
	mkdir -p "$t" && chmod 0755 "$t" || die "cannot create $t"
	cat >"$t/openssl.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = placeholder
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[leaf_common]
[server_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:127.0.0.2
[untrusted_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:localhost, IP:127.0.0.3
[wrong_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:wrong-host.invalid
EOF
	local key="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -noenc"
	# shellcheck disable=SC2086
	{
		openssl req -x509 $key -config "$t/openssl.cnf" -extensions ca_ext -days 30 \
			-subj "/O=cmegw tests/CN=cmegw test CA (trusted)" \
			-keyout "$t/ca.key" -out "$t/ca.crt" &&
		openssl req -x509 $key -config "$t/openssl.cnf" -extensions ca_ext -days 30 \
			-subj "/O=cmegw tests/CN=cmegw test CA (untrusted)" \
			-keyout "$t/untrusted-ca.key" -out "$t/untrusted-ca.crt" &&
		openssl req -x509 $key -config "$t/openssl.cnf" -extensions server_ext -days 30 \
			-CA "$t/ca.crt" -CAkey "$t/ca.key" -subj "/O=cmegw tests/CN=localhost" \
			-keyout "$t/server.key" -out "$t/server.crt" &&
		openssl req -x509 $key -config "$t/openssl.cnf" -extensions untrusted_ext -days 30 \
			-CA "$t/untrusted-ca.crt" -CAkey "$t/untrusted-ca.key" \
			-subj "/O=cmegw tests/CN=127.0.0.3" \
			-keyout "$t/untrusted.key" -out "$t/untrusted.crt" &&
		openssl req -x509 $key -config "$t/openssl.cnf" -extensions wrong_ext -days 30 \
			-CA "$t/ca.crt" -CAkey "$t/ca.key" -subj "/O=cmegw tests/CN=wrong-host.invalid" \
			-keyout "$t/wrong-host.key" -out "$t/wrong-host.crt"
	} >"$DIR/log/openssl.log" 2>&1 || {
		cat "$DIR/log/openssl.log" >&2
		die "certificate generation failed"
	}
	chmod 0600 "$t"/*.key
}

write_dovecot() {
	local uid gid d
	uid=$(id -u "$MAIL_USER") && gid=$(id -g "$MAIL_USER") || die "no user $MAIL_USER"
	mkdir -p "$DIR/dovecot/state" "$DIR/mail" || die "cannot create $DIR/dovecot"
	chown "$MAIL_USER:$MAIL_USER" "$DIR/mail" && chmod 0750 "$DIR/mail" || die "cannot chown $DIR/mail"
	# One passwd-file line per domain, looked up by the domain part (username_format=%d):
	# every local part of a local domain is a user, no other name is.
	: >"$DIR/dovecot/domains"
	for d in $DOMAINS; do
		printf '%s:{PLAIN}%s:%s:%s::%s/mail/%s::\n' "$d" "$PASSWORD" "$uid" "$gid" "$DIR" "$d" \
			>>"$DIR/dovecot/domains"
	done
	# read by Dovecot's auth processes, which run as user dovecot
	chgrp dovecot "$DIR/dovecot/domains" && chmod 0640 "$DIR/dovecot/domains" ||
		die "cannot chgrp $DIR/dovecot/domains"
	cat >"$DIR/dovecot/dovecot.conf" <<EOF
# Generated by tests/servers/servers.sh - throwaway test server, loopback only.
instance_name = cmegw-test-$BASE
base_dir = $DIR/run
state_dir = $DIR/dovecot/state
log_path = $DIR/log/dovecot.log
protocols = imap lmtp
listen = 127.0.0.1, 127.0.0.2, 127.0.0.3, 127.0.0.4
hostname = $HOSTNAME_FQDN
postmaster_address = postmaster@cme.test

ssl = yes
ssl_cert = <$DIR/tls/server.crt
ssl_key = <$DIR/tls/server.key
ssl_min_protocol = TLSv1.2
# Refusal tests: an untrusted CA on 127.0.0.3, a wrong host name on 127.0.0.4.
local 127.0.0.3 {
  ssl_cert = <$DIR/tls/untrusted.crt
  ssl_key = <$DIR/tls/untrusted.key
}
local 127.0.0.4 {
  ssl_cert = <$DIR/tls/wrong-host.crt
  ssl_key = <$DIR/tls/wrong-host.key
}

disable_plaintext_auth = yes
auth_mechanisms = plain login
auth_username_format = %Lu
auth_verbose = yes
auth_failure_delay = 0
auth_cache_size = 0
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%d $DIR/dovecot/domains
}
userdb {
  driver = passwd-file
  args = username_format=%d $DIR/dovecot/domains
  override_fields = home=$DIR/mail/%d/%n
}
first_valid_uid = $uid
last_valid_uid = $uid
first_valid_gid = $gid
last_valid_gid = $gid

mail_location = maildir:~/Maildir
mail_fsync = never
namespace inbox {
  inbox = yes
  separator = /
}
protocol imap {
  mail_max_userip_connections = 100
}

service imap-login {
  inet_listener imap {
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = $IMAPS_PORT
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
  inet_listener pop3s {
    port = 0
  }
}
service submission-login {
  inet_listener submission {
    port = 0
  }
}
service lmtp {
  unix_listener lmtp {
    mode = 0660
    user = postfix
    group = postfix
  }
}
service auth {
  unix_listener auth-postfix {
    mode = 0660
    user = postfix
    group = postfix
  }
}
# No auth penalty: wrong-password tests must be fast and must not slow later tests.
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
EOF
}

write_postfix() {
	local pf=$DIR/postfix no_relay="error:5.7.1 cmegw test servers deliver only to their local domains"
	mkdir -p "$pf" "$DIR/postfix-queue" "$DIR/postfix-data" || die "cannot create $pf"
	chown root:root "$pf" "$DIR/postfix-queue" && chmod 0755 "$pf" "$DIR/postfix-queue"
	chown postfix:postfix "$DIR/postfix-data" && chmod 0700 "$DIR/postfix-data"
	cat >"$pf/main.cf" <<EOF
# Generated by tests/servers/servers.sh - throwaway test server, loopback only.
compatibility_level = 3.6
queue_directory = $DIR/postfix-queue
data_directory = $DIR/postfix-data
maillog_file = $DIR/log/postfix.log
maillog_file_prefixes = $DIR/log
syslog_name = postfix-cmegw-test
myhostname = $HOSTNAME_FQDN
mydomain = cme.test
myorigin = \$myhostname
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.1/32
biff = no
readme_directory = no
append_dot_mydomain = no

# Safety: nothing ever leaves this machine.  There is no smtp transport in master.cf,
# and every route except the virtual domains ends in the error transport.
mydestination =
relay_domains =
relayhost =
local_recipient_maps =
alias_maps =
alias_database =
local_transport = $no_relay
relay_transport = $no_relay
default_transport = $no_relay
virtual_mailbox_domains = ${DOMAINS// /, }
virtual_mailbox_maps = static:ok
virtual_alias_maps =
virtual_transport = lmtp:unix:$DIR/run/lmtp
notify_classes =

smtpd_banner = \$myhostname ESMTP cmegw test MX
smtpd_peername_lookup = no
smtpd_relay_restrictions = reject_unauth_destination
smtpd_recipient_restrictions =
smtpd_tls_chain_files = $DIR/tls/server.key, $DIR/tls/server.crt
smtpd_tls_security_level = may
smtpd_tls_loglevel = 1
smtpd_tls_received_header = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = $DIR/run/auth-postfix
smtpd_sasl_auth_enable = no
smtpd_tls_auth_only = yes
smtpd_sasl_security_options = noanonymous
smtpd_sasl_tls_security_options = noanonymous
lmtp_tls_security_level = none
EOF
	cat >"$pf/master.cf" <<EOF
# Generated by tests/servers/servers.sh.  Deliberately no smtp/relay client service.
# service type  private unpriv  chroot  wakeup  maxproc command + args
127.0.0.1:$SMTP_PORT inet n - n - - smtpd
127.0.0.1:$SUBMISSION_PORT inet n - n - - smtpd
  -o syslog_name=postfix-cmegw-test/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject
127.0.0.1:$SUBMISSIONS_PORT inet n - n - - smtpd
  -o syslog_name=postfix-cmegw-test/submissions
  -o smtpd_tls_wrappermode=yes
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
	# Postfix ignores (waits for) config files younger than a second: back-date them.
	touch -d '-1 minute' "$pf/main.cf" "$pf/master.cf"
}

write_env() {
	local tmp=$DIR/env.tmp
	cat >"$tmp" <<EOF
# cmegw test servers (tests/servers/servers.sh) - shell-sourceable KEY=value lines
DIR=$DIR
HOST=127.0.0.1
TLS_HOST=127.0.0.2
UNTRUSTED_HOST=127.0.0.3
WRONG_NAME_HOST=127.0.0.4
PORT_BASE=$BASE
IMAP_PORT=$IMAP_PORT
IMAPS_PORT=$IMAPS_PORT
SMTP_PORT=$SMTP_PORT
SUBMISSION_PORT=$SUBMISSION_PORT
SUBMISSIONS_PORT=$SUBMISSIONS_PORT
CA_FILE=$DIR/tls/ca.crt
UNTRUSTED_CA_FILE=$DIR/tls/untrusted-ca.crt
SERVER_CERT=$DIR/tls/server.crt
PASSWORD=$PASSWORD
PASSWORD_FILE=$DIR/password
DOMAINS=${DOMAINS// /,}
MAIL_USER=$MAIL_USER
MAIL_DIR=$DIR/mail
DOVECOT_CONF=$DIR/dovecot/dovecot.conf
DOVECOT_LOG=$DIR/log/dovecot.log
DOVECOT_PID=$DOVECOT_PID
LMTP_SOCKET=$DIR/run/lmtp
POSTFIX_CONFIG_DIR=$DIR/postfix
POSTFIX_LOG=$DIR/log/postfix.log
POSTFIX_PID=$POSTFIX_PID
EOF
	mv -f "$tmp" "$DIR/env"
}

# banner HOST PORT PATTERN - the server at HOST:PORT greets with a line matching PATTERN
banner() {
	local line=""
	{ exec 3<>"/dev/tcp/$1/$2"; } 2>/dev/null || return 1
	IFS= read -r -t 2 line <&3
	exec 3>&- 3<&-
	# shellcheck disable=SC2254 # $3 is a glob pattern
	case $line in $3) return 0 ;; esac
	return 1
}

fail_start() {
	say "start failed: $*"
	local f rc=1
	# lost a race for a port with another start: report it as "port busy"
	grep -qs 'Address already in use' "$DIR/log/dovecot.log" "$DIR/log/postfix.log" \
		"$DIR/log/postfix.stderr" && rc=3
	for f in "$DIR/log/dovecot.stderr" "$DIR/log/dovecot.log" "$DIR/log/postfix.stderr" \
		"$DIR/log/postfix.log"; do
		[ -s "$f" ] || continue
		echo "---- $f (last lines)" >&2
		tail -n 15 "$f" >&2
	done
	do_stop
	exit $rc
}

read_pid() {
	local p=""
	[ -r "$1" ] && read -r p <"$1"
	p=${p// /}
	case $p in "" | *[!0-9]*) return 1 ;; esac
	printf '%s\n' "$p"
}

do_start() {
	[ "$(id -u)" = 0 ] || die "must run as root (Dovecot and Postfix drop privileges themselves)"
	local need
	for need in dovecot postfix openssl python3; do
		command -v "$need" >/dev/null 2>&1 || die "$need not found; run scripts/install-deps.sh"
	done
	BASE=${CMEGW_TEST_PORT_BASE:-20000}
	case $BASE in "" | *[!0-9]*) die "CMEGW_TEST_PORT_BASE must be a number: $BASE" ;; esac
	[ "$BASE" -ge 1024 ] && [ "$BASE" -le 65530 ] || die "CMEGW_TEST_PORT_BASE must be 1024..65530"
	IMAP_PORT=$BASE
	IMAPS_PORT=$((BASE + 1))
	SMTP_PORT=$((BASE + 2))
	SUBMISSION_PORT=$((BASE + 3))
	SUBMISSIONS_PORT=$((BASE + 4))
	# unix sockets: sun_path holds 107 bytes; the longest is run/login/imap-... in base_dir
	[ ${#DIR} -le 70 ] || die "DIR path too long for unix sockets (${#DIR} > 70 chars): $DIR"

	# Leftovers of a previous (crashed) run in this DIR: stop them, start fresh.
	if is_our_dir; then
		do_stop
		local o
		for o in $OWNED; do rm -rf "${DIR:?}/$o"; done
	elif [ -d "$DIR" ] && [ -n "$(ls -A "$DIR")" ]; then
		die "$DIR is not empty and was not made by $PROG start; use a new or empty directory"
	elif [ -e "$DIR" ] && [ ! -d "$DIR" ]; then
		die "$DIR exists and is not a directory"
	fi
	check_ports
	ensure_user
	ensure_traversable
	mkdir -p "$DIR" && chmod 0755 "$DIR" || die "cannot create $DIR"
	echo "made by tests/servers/servers.sh; 'servers.sh stop $DIR --clean' removes it" \
		>"$DIR/$MARK" || die "cannot write in $DIR"
	mkdir -p "$DIR/log" "$DIR/run" || die "cannot create $DIR/log"
	: >"$DIR/log/dovecot.log"
	: >"$DIR/log/postfix.log"

	PASSWORD=$(openssl rand -hex 12) || die "openssl rand failed"
	(umask 077 && printf '%s\n' "$PASSWORD" >"$DIR/password") || die "cannot write password file"
	make_tls
	write_dovecot
	write_postfix
	DOVECOT_PID="" POSTFIX_PID=""

	# Both daemonize (setsid) themselves; no stdin, no terminal, output to files.
	setsid -w dovecot -c "$DIR/dovecot/dovecot.conf" \
		</dev/null >"$DIR/log/dovecot.stderr" 2>&1 ||
		fail_start "dovecot exited with status $?"
	setsid -w postfix -c "$DIR/postfix" start \
		</dev/null >"$DIR/log/postfix.stderr" 2>&1 ||
		fail_start "postfix start exited with status $?"

	# Wait (bounded) until both answer.
	local deadline=$((SECONDS + START_TIMEOUT)) ok
	while :; do
		ok=1
		[ -z "$DOVECOT_PID" ] && { DOVECOT_PID=$(read_pid "$DIR/run/master.pid") || ok=0; }
		[ -z "$POSTFIX_PID" ] && { POSTFIX_PID=$(read_pid "$DIR/postfix-queue/pid/master.pid") || ok=0; }
		if [ $ok = 1 ]; then
			banner 127.0.0.1 "$IMAP_PORT" '\* OK*' &&
			banner 127.0.0.1 "$SMTP_PORT" '220 *' &&
			banner 127.0.0.1 "$SUBMISSION_PORT" '220 *' &&
			[ -S "$DIR/run/lmtp" ] && [ -S "$DIR/run/auth-postfix" ] && break
		fi
		if [ -n "$DOVECOT_PID" ] && ! alive "$DOVECOT_PID"; then fail_start "dovecot died"; fi
		if [ -n "$POSTFIX_PID" ] && ! alive "$POSTFIX_PID"; then fail_start "postfix died"; fi
		[ "$SECONDS" -ge "$deadline" ] &&
			fail_start "servers did not answer within ${START_TIMEOUT}s"
		sleep 0.05
	done
	# Record the sessions the masters lead, so stop finds their children even if a master dies.
	{ stat_of "$DOVECOT_PID" && echo "$SID"; stat_of "$POSTFIX_PID" && echo "$SID"; } >"$DIR/run/sessions"
	if grep -q 'Fatal\|Error' "$DIR/log/dovecot.log"; then
		fail_start "dovecot logged errors"
	fi
	write_env
	echo "$PROG: servers running; source $DIR/env (IMAP $IMAP_PORT, IMAPS $IMAPS_PORT," \
		"SMTP $SMTP_PORT, submission $SUBMISSION_PORT, submissions $SUBMISSIONS_PORT)" >&2
}

# is_our_dir - DIR was made by start (the mark, or a config this script generated)
is_our_dir() {
	[ -e "$DIR/$MARK" ] && return 0
	grep -qs '^# Generated by tests/servers/servers.sh' "$DIR/dovecot/dovecot.conf"
}

do_clean() {
	local o
	is_our_dir || { say "not cleaning $DIR: not made by $PROG start"; return 0; }
	for o in $OWNED; do rm -rf "${DIR:?}/$o"; done
	rm -f "${DIR:?}/$MARK"
	rmdir "$DIR" 2>/dev/null
	return 0
}

# ---------------------------------------------------------------------------- main

[ $# -ge 2 ] || usage
cmd=$1
DIR=$(abs_dir "$2") || exit 1
shift 2
case $cmd in
start)
	[ $# = 0 ] || usage
	do_start ;;
stop)
	clean=0
	for a in "$@"; do
		case $a in --clean) clean=1 ;; *) usage ;; esac
	done
	do_stop		# also when DIR is gone: its servers are found by their config path
	[ $clean = 1 ] && do_clean
	exit 0 ;;
*) usage ;;
esac
