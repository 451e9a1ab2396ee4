#!/usr/bin/env bash
# The local brain's layers (agent/dlg.h): brain_local.c on top, the task
# modules agent/task_*.c below it, agent/dlg.c and agent/spoken.c at the
# bottom.  Includes may only point down: no task module or bottom file
# includes brain_local.h, the bottom includes no task header, and a task
# includes only the task headers listed for it below (identity is below
# the tasks that need a verified caller, booking below appts and answers).
# Prints "layers ok" or each include that points the wrong way; exit 1 then.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top/agent" || exit 1

# task module -> the other task headers it may include
declare -A allowed=(
	[task_guard]=""
	[task_identity]=""
	[task_booking]="task_identity"
	[task_appts]="task_identity task_booking"
	[task_orders]="task_identity"
	[task_contact]="task_identity"
	[task_answers]="task_booking"
	[task_outbound]="task_booking task_appts"
)

bad=0
includes() {            # the quoted includes of a file, one a line
	sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$1"
}
wrong() {
	echo "layers: $1 includes $2: $3"
	bad=1
}

for f in dlg.c dlg.h spoken.c spoken.h; do
	[ -f "$f" ] || { echo "layers: agent/$f is missing"; bad=1; continue; }
	for h in $(includes "$f"); do
		case "$h" in
		brain_local.h|task_*.h)
			wrong "agent/$f" "$h" "the bottom layer includes nothing above it" ;;
		esac
	done
done

for f in task_*.c task_*.h; do
	[ -f "$f" ] || continue
	m=${f%.*}
	if [ -z "${allowed[$m]+set}" ]; then
		echo "layers: agent/$f is not in scripts/check-layers.sh's table"
		bad=1
		continue
	fi
	for h in $(includes "$f"); do
		case "$h" in
		brain_local.h)
			wrong "agent/$f" "$h" "a task module never includes the dispatcher" ;;
		"$m.h")
			;;
		task_*.h)
			case " ${allowed[$m]} " in
			*" ${h%.h} "*) ;;
			*) wrong "agent/$f" "$h" "not below $m (see the table)" ;;
			esac ;;
		esac
	done
done

[ $bad -eq 0 ] && echo "layers ok"
exit $bad
