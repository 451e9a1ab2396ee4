#!/usr/bin/env bash
# SIGTERM to each daemon in the middle of a booking call: it drains and
# exits 0 (the supervisor records the status), its successor takes over and
# the call's record is whole: the kill_midcall.sh checks with SIGNAL=TERM.
#   tests/faults/sigterm.sh [DAEMON...]
SIGNAL=TERM exec "$(dirname "$0")/kill_midcall.sh" "$@"
