#!/usr/bin/env bash
# Install what the live test (test/live/pure-ftpd.live.test.ts) needs on a
# Debian 12 machine, as root:
#
#   /usr/sbin/pure-ftpd, /usr/sbin/pure-ftpwho   (from Debian's pure-ftpd .deb)
#   curl, procps (ps), util-linux (setpriv, runuser), passwd (useradd, chpasswd),
#   tzdata (one test runs the CLI under TZ=Asia/Kolkata; ps needs the zone file)
#
# The pure-ftpd package is never "apt-get install"ed: installing it runs its
# maintainer scripts, which start a server on port 21 of every address (and
# it pulls in openbsd-inetd, which would do the same). Instead the .deb is
# fetched with "apt-get download", unpacked with "dpkg-deb -x" into a stage
# directory, and only the two binaries are copied to /usr/sbin. Their
# runtime libraries (the lib* entries of the package's Depends) are
# installed with apt. No maintainer script runs, nothing is enabled or
# started. If a real pure-ftpd package is already installed, its binaries
# are used as they are.
#
# Idempotent: a second run installs nothing and only re-checks.
# Only needs Debian's apt repositories. Exits non-zero on any failure.
set -euo pipefail

STAGE=/var/cache/ftpsessions-live      # downloaded .deb + unpacked tree
PKG=pure-ftpd
BINARIES=(/usr/sbin/pure-ftpd /usr/sbin/pure-ftpwho)
TOOLS=(curl procps util-linux passwd tzdata)

t0=$SECONDS
log() { printf '[install-pure-ftpd %3ss] %s\n' "$((SECONDS - t0))" "$*"; }
die() { printf '[install-pure-ftpd] ERROR: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root"
if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then die "apt-get/dpkg-deb not found (Debian only)"; fi
export DEBIAN_FRONTEND=noninteractive

# --- belt and braces: no package may start a service while we run apt -------
# (none of the packages installed below ships a service, but a policy-rc.d
# that exits 101 makes invoke-rc.d / deb-systemd-invoke refuse any start.)
POLICY=/usr/sbin/policy-rc.d
created_policy=0
cleanup() {
  if [ "$created_policy" = 1 ]; then rm -f "$POLICY"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM   # so that the EXIT trap also runs when interrupted
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\n# temporary, created by ftpsessions test/live/install-pure-ftpd.sh\nexit 101\n' >"$POLICY"
  chmod 0755 "$POLICY"
  created_policy=1
fi

# --- apt helpers --------------------------------------------------------------
apt_updated=0
apt_update() {
  [ "$apt_updated" = 1 ] && return 0
  log "apt-get update"
  apt-get update -qq >/dev/null || die "apt-get update failed"
  apt_updated=1
}
# apt lists present at all? (a fresh image often has none)
if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then apt_update; fi

staged_deb() { # path of the downloaded .deb, if any
  local f
  for f in "$STAGE"/debs/"${PKG}"_*.deb; do [ -e "$f" ] && { echo "$f"; return 0; }; done
  return 1
}

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

apt_install() { # install only the missing packages
  local missing=() p
  for p in "$@"; do installed "$p" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]}"
  if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/install-pure-ftpd.apt.log 2>&1; then
    if [ "$apt_updated" = 0 ]; then      # stale lists: update once and retry
      apt_update
      apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/install-pure-ftpd.apt.log 2>&1 \
        || { tail -20 /tmp/install-pure-ftpd.apt.log >&2; die "apt-get install ${missing[*]} failed"; }
    else
      tail -20 /tmp/install-pure-ftpd.apt.log >&2; die "apt-get install ${missing[*]} failed"
    fi
  fi
}

# --- tools the test uses ------------------------------------------------------
apt_install "${TOOLS[@]}"

# --- pure-ftpd ------------------------------------------------------------------
if installed "$PKG"; then
  log "package $PKG is installed (dpkg); using its binaries as they are"
else
  deb=$(staged_deb || true)
  if [ -z "$deb" ] || [ ! -e "$STAGE/root/.complete" ]; then
    mkdir -p "$STAGE/debs"
    # apt-get download runs as the _apt sandbox user, which must be able to write here
    if getent passwd _apt >/dev/null; then chown _apt "$STAGE/debs"; fi
    rm -f "$STAGE"/debs/"${PKG}"_*.deb
    log "apt-get download $PKG"
    if ! (cd "$STAGE/debs" && apt-get download -qq "$PKG" >/dev/null 2>&1); then
      apt_update
      (cd "$STAGE/debs" && apt-get download -qq "$PKG" >/dev/null) || die "apt-get download $PKG failed"
    fi
    deb=$(staged_deb) || die "apt-get download $PKG left no .deb in $STAGE/debs"
    rm -rf "$STAGE/root"; mkdir -p "$STAGE/root"
    dpkg-deb -x "$deb" "$STAGE/root" || die "dpkg-deb -x $deb failed"
    touch "$STAGE/root/.complete"
  fi
  # runtime libraries: the lib* entries of Depends (the rest -- lsb-base,
  # openbsd-inetd, pure-ftpd-common -- only serve the maintainer scripts)
  read -r -a libs <<<"$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/[[:space:]]//g' \
                        | grep -E '^lib' | grep -vx 'libc6' | sort -u | tr '\n' ' ')"
  [ ${#libs[@]} -gt 0 ] && apt_install "${libs[@]}"
  for b in "${BINARIES[@]}"; do
    [ -f "$STAGE/root$b" ] || die "$b is not in $deb"
    if ! cmp -s "$STAGE/root$b" "$b"; then
      install -D -m 0755 "$STAGE/root$b" "$b"
      log "installed $b (from $(basename "$deb"))"
    fi
  done
fi

# --- checks ---------------------------------------------------------------------
for b in "${BINARIES[@]}"; do
  [ -x "$b" ] || die "$b missing"
  if ldd "$b" 2>&1 | grep -q 'not found'; then
    ldd "$b" | grep 'not found' >&2; die "$b: missing shared libraries"
  fi
done
for c in curl ps setpriv runuser useradd chpasswd truncate; do
  command -v "$c" >/dev/null || die "$c not found"
done
# the pure-ftpd scoreboard directory (pure-ftpwho reads it)
mkdir -p /var/run/pure-ftpd

# nothing may listen on port 21 (0x0015) -- read /proc, no ss needed
listen21=$(awk 'FNR > 1 && $4 == "0A" && $2 ~ /:0015$/ {print FILENAME": "$2}' /proc/net/tcp /proc/net/tcp6 2>/dev/null || true)
[ -z "$listen21" ] || die "something listens on port 21: $listen21"

log "ok: $(/usr/sbin/pure-ftpd --help 2>&1 | head -1 | tr -d '\r')"
log "done; nothing listens on :21"
