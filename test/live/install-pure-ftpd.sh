#!/usr/bin/env bash
# Superseded by install-ftp-daemons.sh (pure-ftpd, ProFTPD and vsftpd, the
# same care: nothing apt-get installed that could start a service). Kept so
# that callers of the old name keep working.
exec bash "$(dirname "$0")/install-ftp-daemons.sh" "$@"
