#!/usr/bin/env bash
# Install what the FTP lab (test/live/lab.live.test.ts) needs on a Debian 12
# machine, as root:
#
#   pure-ftpd   /usr/sbin/pure-ftpd, /usr/sbin/pure-ftpwho, /usr/bin/pure-pw   (Debian's pure-ftpd .deb)
#   ProFTPD     /usr/sbin/proftpd, /usr/bin/ftpwho, /usr/bin/ftpcount,
#               /usr/lib/proftpd/ (its modules)                              (Debian's proftpd-core .deb)
#   vsftpd      /usr/sbin/vsftpd                                             (Debian's vsftpd .deb)
#   tools       curl, procps (ps), util-linux (setpriv, runuser), passwd (useradd, chpasswd),
#               tzdata (a test runs the CLI under TZ=Asia/Kolkata), iproute2 (ip netns, ss),
#               perl-base (crypt() for the virtual users' hashes), libpam-modules + libpam-runtime
#               (vsftpd authenticates through PAM: pam_unix)
#
# No FTP server package is ever "apt-get install"ed: the three conflict with
# each other (Provides/Conflicts: ftp-server), installing one runs maintainer
# scripts that start a server on port 21 of every address, and pure-ftpd pulls
# in openbsd-inetd, which does the same. Instead each .deb is fetched with
# "apt-get download", unpacked with "dpkg-deb -x" into a stage directory, and
# only the binaries the lab runs are copied to their usual paths. Their
# runtime libraries (the lib* entries of each package's Depends) are
# installed with apt. No maintainer script runs, nothing is enabled or
# started, nothing is registered with dpkg. A path that a really installed
# package owns (dpkg -S) is left alone and used as it is.
#
# Idempotent: a second run downloads and installs nothing and only re-checks.
# Needs only Debian's apt repositories. Exits non-zero on any failure, and if
# anything listens on port 21 afterwards.
set -euo pipefail

STAGE=/var/cache/ftpsessions-live          # debs/ (downloaded .debs), stage/<pkg>/ (unpacked)
TOOLS=(curl procps util-linux passwd tzdata iproute2 perl-base libpam-modules libpam-runtime)
# package -> the files the lab uses from it
declare -A FILES=(
  [pure-ftpd]="/usr/sbin/pure-ftpd /usr/sbin/pure-ftpwho /usr/bin/pure-pw"
  [proftpd-core]="/usr/sbin/proftpd /usr/bin/ftpwho /usr/bin/ftpcount"
  [vsftpd]="/usr/sbin/vsftpd"
)
PKGS=(pure-ftpd proftpd-core vsftpd)

t0=$SECONDS
log() { printf '[install-ftp-daemons %3ss] %s\n' "$((SECONDS - t0))" "$*"; }
die() { printf '[install-ftp-daemons] ERROR: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root"
if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then die "apt-get/dpkg-deb not found (Debian only)"; fi
export DEBIAN_FRONTEND=noninteractive

# --- belt and braces: no package may start a service while we run apt -------
# (none of the packages installed with apt below ships a service, but a
# policy-rc.d that exits 101 makes invoke-rc.d / deb-systemd-invoke refuse any start.)
POLICY=/usr/sbin/policy-rc.d
created_policy=0
cleanup() {
  if [ "$created_policy" = 1 ]; then rm -f "$POLICY"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM   # so that the EXIT trap also runs when interrupted
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\n# temporary, created by ftpsessions test/live/install-ftp-daemons.sh\nexit 101\n' >"$POLICY"
  chmod 0755 "$POLICY"
  created_policy=1
fi

# --- apt helpers --------------------------------------------------------------
APTLOG=$(mktemp /tmp/install-ftp-daemons.apt.XXXXXX)
trap 'cleanup; rm -f "$APTLOG"' EXIT
apt_updated=0
apt_update() {
  [ "$apt_updated" = 1 ] && return 0
  log "apt-get update"
  apt-get update -qq >/dev/null || die "apt-get update failed"
  apt_updated=1
}
# apt lists present at all? (a fresh image often has none)
if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then apt_update; fi

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

apt_install() { # install only the missing packages
  local missing=() p
  for p in "$@"; do installed "$p" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]}"
  if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$APTLOG" 2>&1; then
    if [ "$apt_updated" = 0 ]; then      # stale lists: update once and retry
      apt_update
      apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$APTLOG" 2>&1 \
        || { tail -20 "$APTLOG" >&2; die "apt-get install ${missing[*]} failed"; }
    else
      tail -20 "$APTLOG" >&2; die "apt-get install ${missing[*]} failed"
    fi
  fi
}

staged_deb() { # staged_deb PKG: path of its downloaded .deb, if any
  local f
  for f in "$STAGE"/debs/"$1"_*.deb; do [ -e "$f" ] && { echo "$f"; return 0; }; done
  return 1
}

# stage PKG: download + unpack (once); prints the unpacked root
stage() {
  local pkg=$1 deb dir="$STAGE/stage/$1"
  deb=$(staged_deb "$pkg" || true)
  if [ -z "$deb" ] || [ ! -e "$dir/.complete" ]; then
    mkdir -p "$STAGE/debs"
    # apt-get download runs as the _apt sandbox user, which must be able to write here
    if getent passwd _apt >/dev/null; then chown _apt "$STAGE/debs"; fi
    rm -f "$STAGE"/debs/"$pkg"_*.deb
    log "apt-get download $pkg" >&2
    if ! (cd "$STAGE/debs" && apt-get download -qq "$pkg" >/dev/null 2>&1); then
      apt_update >&2
      (cd "$STAGE/debs" && apt-get download -qq "$pkg" >/dev/null) || die "apt-get download $pkg failed"
    fi
    deb=$(staged_deb "$pkg") || die "apt-get download $pkg left no .deb in $STAGE/debs"
    rm -rf "$dir"; mkdir -p "$dir"
    dpkg-deb -x "$deb" "$dir" || die "dpkg-deb -x $deb failed"
    touch "$dir/.complete"
  fi
  echo "$dir"
}

# lib* entries of a .deb's Depends (the rest -- adduser, debconf, lsb-base,
# openbsd-inetd, pure-ftpd-common, proftpd-basic... -- only serve the
# maintainer scripts, which never run here)
deb_libs() {
  dpkg-deb -f "$1" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/[[:space:]]//g' \
    | grep -E '^(lib|zlib)' | grep -vx 'libc6' | sort -u | tr '\n' ' '
}

owned_by_package() { dpkg -S "$1" >/dev/null 2>&1; }

# --- tools the lab uses -------------------------------------------------------
apt_install "${TOOLS[@]}"

# --- the three servers ----------------------------------------------------------
for pkg in "${PKGS[@]}"; do
  if installed "$pkg"; then
    log "package $pkg is installed (dpkg); using its files as they are"
    continue
  fi
  dir=$(stage "$pkg")
  deb=$(staged_deb "$pkg")
  read -r -a libs <<<"$(deb_libs "$deb")"
  [ ${#libs[@]} -gt 0 ] && apt_install "${libs[@]}"
  for f in ${FILES[$pkg]}; do
    [ -f "$dir$f" ] || die "$f is not in $(basename "$deb")"
    if owned_by_package "$f"; then continue; fi
    if ! cmp -s "$dir$f" "$f"; then
      install -D -m 0755 "$dir$f" "$f"
      log "installed $f (from $(basename "$deb"))"
    fi
  done
  if [ "$pkg" = proftpd-core ] && [ -d "$dir/usr/lib/proftpd" ] && ! owned_by_package /usr/lib/proftpd; then
    # its DSO modules: the lab's configuration loads none, but proftpd -l / ftpwho look there
    if ! diff -rq "$dir/usr/lib/proftpd" /usr/lib/proftpd >/dev/null 2>&1; then
      mkdir -p /usr/lib/proftpd && cp -a "$dir/usr/lib/proftpd/." /usr/lib/proftpd/
      log "installed /usr/lib/proftpd/ (modules)"
    fi
  fi
done

# --- checks ---------------------------------------------------------------------
for pkg in "${PKGS[@]}"; do
  for b in ${FILES[$pkg]}; do
    [ -x "$b" ] || die "$b missing"
    if ldd "$b" 2>&1 | grep -q 'not found'; then
      ldd "$b" | grep 'not found' >&2; die "$b: missing shared libraries"
    fi
  done
done
for c in curl ps setpriv runuser useradd usermod chpasswd ip ss perl truncate; do
  command -v "$c" >/dev/null || die "$c not found"
done
[ -e /usr/share/zoneinfo/Asia/Kolkata ] || die "tzdata: /usr/share/zoneinfo/Asia/Kolkata missing"
compgen -G '/usr/lib/x86_64-linux-gnu/security/pam_unix.so' >/dev/null || compgen -G '/lib/*/security/pam_unix.so' >/dev/null \
  || compgen -G '/usr/lib/*/security/pam_unix.so' >/dev/null || die "pam_unix.so not found (libpam-modules)"
# the pure-ftpd scoreboard directory (pure-ftpwho reads it)
mkdir -p /var/run/pure-ftpd

# nothing may listen on port 21 (0x0015) -- read /proc, no ss needed
listen21=$(awk 'FNR > 1 && $4 == "0A" && $2 ~ /:0015$/ {print FILENAME": "$2}' /proc/net/tcp /proc/net/tcp6 2>/dev/null || true)
[ -z "$listen21" ] || die "something listens on port 21: $listen21"

log "ok: $(/usr/sbin/pure-ftpd --help 2>&1 | head -1 | tr -d '\r')"
log "ok: $(/usr/sbin/proftpd -v 2>&1 | head -1)"
log "ok: $( (/usr/sbin/vsftpd -v 0>&1) 2>&1 | head -1)"
log "done; nothing listens on :21"
