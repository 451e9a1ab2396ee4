#!/usr/bin/env bash
# datastore.sh - the project-local PostgreSQL 15 and Redis 7 that crm-tools
# uses.  Everything lives under $FRONTDESK_VAR (data) and $FRONTDESK_RUNDIR
# (sockets, pidfiles), so a test can run its own isolated pair by setting
# those two and the ports.  Idempotent: start on a running pair says so and
# succeeds; stop on a stopped pair succeeds.
#
#   datastore.sh start|stop [pg|redis]|status|psql [args]|reset
#
# Environment (defaults):
#   FRONTDESK_VAR        <repo>/var       pg data in pg/, redis files in redis/
#   FRONTDESK_RUNDIR     /tmp/frontdesk   unix sockets (.s.PGSQL.<port>, redis.sock)
#   FRONTDESK_PG_PORT    5544             PostgreSQL on 127.0.0.1
#   FRONTDESK_REDIS_PORT 6544             Redis on 127.0.0.1
#   FRONTDESK_REDIS_BIND 127.0.0.1        Redis's listen addresses (several
#                                         hosts: add this host's address,
#                                         and FRONTDESK_REDIS_PROTECTED=no
#                                         on a private network only)
#   FRONTDESK_PGBIN      /usr/lib/postgresql/15/bin
#
# Dev install: trust authentication on the unix socket and on 127.0.0.1.
# initdb refuses to run as root, so as root the PostgreSQL side runs as the
# `postgres` user (which then must be able to reach $FRONTDESK_VAR).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
VAR=${FRONTDESK_VAR:-$repo/var}
RUNDIR=${FRONTDESK_RUNDIR:-/tmp/frontdesk}
PG_PORT=${FRONTDESK_PG_PORT:-5544}
REDIS_PORT=${FRONTDESK_REDIS_PORT:-6544}
PGBIN=${FRONTDESK_PGBIN:-/usr/lib/postgresql/15/bin}
PGDATA=$VAR/pg
RDIR=$VAR/redis
RSOCK=$RUNDIR/redis.sock
RPID=$RUNDIR/redis-$REDIS_PORT.pid
DB=frontdesk
ROLE=frontdesk

say() { printf 'datastore: %s\n' "$*"; }
die() { printf 'datastore: %s\n' "$*" >&2; exit 1; }

# Run a PostgreSQL program as the user that owns the cluster.
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_running() {
	[ -f "$PGDATA/PG_VERSION" ] && as_pg "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1
}

pg_ready() {
	"$PGBIN/pg_isready" -q -h "$RUNDIR" -p "$PG_PORT" -t 1 >/dev/null 2>&1
}

redis_ready() {
	[ "$(redis-cli -s "$RSOCK" ping 2>/dev/null)" = "PONG" ]
}

redis_pid() {
	local p
	[ -f "$RPID" ] || return 1
	p=$(cat "$RPID" 2>/dev/null) || return 1
	[ -n "$p" ] && kill -0 "$p" 2>/dev/null && echo "$p"
}

prepare_dirs() {
	mkdir -p "$VAR" "$RDIR" "$RUNDIR"
	if [ "$(id -u)" -eq 0 ]; then
		id postgres >/dev/null 2>&1 || die "no 'postgres' user (apt-get install postgresql)"
		mkdir -p "$PGDATA"
		chown postgres:postgres "$PGDATA"
		chmod 700 "$PGDATA"
		# postgres creates its socket and lock file here; other
		# frontdesk daemons keep theirs beside it
		chgrp postgres "$RUNDIR" && chmod 1775 "$RUNDIR"
		runuser -u postgres -- test -w "$PGDATA" ||
		    die "user postgres cannot reach $PGDATA (set FRONTDESK_VAR to a path it can traverse)"
	else
		mkdir -p "$PGDATA"
		chmod 700 "$PGDATA"
	fi
}

pg_init() {
	[ -f "$PGDATA/PG_VERSION" ] && return 0
	say "initdb $PGDATA"
	as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres -E UTF8 --locale=C.UTF-8 \
	    --auth-local=trust --auth-host=trust >"$VAR/initdb.log" 2>&1 ||
	    { cat "$VAR/initdb.log" >&2; die "initdb failed"; }
	cat >>"$PGDATA/postgresql.conf" <<-EOF
	# frontdesk dev install (port, sockets and listen address come from
	# datastore.sh on the command line so isolated instances can differ)
	shared_buffers = 64MB
	max_connections = 200
	log_min_messages = warning
	log_min_error_statement = panic
	log_line_prefix = '%m [%p] '
	EOF
}

pg_start() {
	if pg_running; then
		say "postgresql already running ($PGDATA)"
	else
		local log=$VAR/postgresql.log
		touch "$log"
		[ "$(id -u)" -eq 0 ] && chown postgres "$log"
		as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$log" -w -t 60 \
		    -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$RUNDIR" \
		    start >/dev/null || { tail -20 "$log" >&2; die "postgresql did not start"; }
	fi
	local i
	for i in $(seq 1 100); do
		pg_ready && break
		sleep 0.1
	done
	pg_ready || die "postgresql does not answer on $RUNDIR port $PG_PORT"
	pg_provision
}

# Role, database and extensions; safe to run on every start.
pg_provision() {
	local psql=(env PGOPTIONS="-c client_min_messages=warning" "$PGBIN/psql" -h "$RUNDIR" -p "$PG_PORT" -U postgres -qtA -v ON_ERROR_STOP=1)
	if [ "$("${psql[@]}" -d postgres -c "SELECT 1 FROM pg_roles WHERE rolname='$ROLE'")" != 1 ]; then
		"${psql[@]}" -d postgres -c "CREATE ROLE $ROLE LOGIN" >/dev/null
	fi
	if [ "$("${psql[@]}" -d postgres -c "SELECT 1 FROM pg_database WHERE datname='$DB'")" != 1 ]; then
		"${psql[@]}" -d postgres -c "CREATE DATABASE $DB OWNER $ROLE" >/dev/null
	fi
	"${psql[@]}" -d "$DB" -c "CREATE EXTENSION IF NOT EXISTS btree_gist; CREATE EXTENSION IF NOT EXISTS pg_trgm; CREATE EXTENSION IF NOT EXISTS fuzzystrmatch;" >/dev/null
}

redis_start() {
	if redis_pid >/dev/null && redis_ready; then
		say "redis already running (pid $(redis_pid))"
		return 0
	fi
	command -v redis-server >/dev/null || die "redis-server not installed"
	cat >"$RDIR/redis.conf" <<-EOF
	# generated by deploy/datastore.sh - a cache only, nothing persisted
	bind ${FRONTDESK_REDIS_BIND:-127.0.0.1}
	protected-mode ${FRONTDESK_REDIS_PROTECTED:-yes}
	port $REDIS_PORT
	unixsocket $RSOCK
	unixsocketperm 777
	daemonize yes
	pidfile $RPID
	logfile $RDIR/redis.log
	dir $RDIR
	save ""
	appendonly no
	maxmemory 64mb
	maxmemory-policy allkeys-lru
	EOF
	rm -f "$RSOCK"
	redis-server "$RDIR/redis.conf" || die "redis-server failed (see $RDIR/redis.log)"
	local i
	for i in $(seq 1 100); do
		redis_ready && return 0
		sleep 0.1
	done
	tail -5 "$RDIR/redis.log" >&2 || true
	die "redis does not answer on $RSOCK"
}

redis_stop() {
	local p i
	if p=$(redis_pid); then
		redis-cli -s "$RSOCK" shutdown nosave >/dev/null 2>&1 || kill "$p" 2>/dev/null || true
		for i in $(seq 1 50); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$p" 2>/dev/null && kill -9 "$p" 2>/dev/null || true
		say "redis stopped"
	else
		say "redis not running"
	fi
	rm -f "$RPID"
}

pg_stop() {
	if pg_running; then
		as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w -t 60 stop >/dev/null
		say "postgresql stopped"
	else
		say "postgresql not running"
	fi
}

conninfo() {
	echo "database: host=$RUNDIR port=$PG_PORT dbname=$DB user=$ROLE"
	echo "database (tcp): host=127.0.0.1 port=$PG_PORT dbname=$DB user=$ROLE"
	echo "redis: unix:$RSOCK"
	echo "redis (tcp): 127.0.0.1:$REDIS_PORT"
}

cmd=${1:-status}
[ $# -gt 0 ] && shift
case $cmd in
start)
	[ -x "$PGBIN/pg_ctl" ] || die "PostgreSQL 15 not found in $PGBIN"
	prepare_dirs
	pg_init
	pg_start
	redis_start
	say "ready"
	conninfo
	;;
stop)
	# "stop pg" or "stop redis" stops one side (tests of degraded modes)
	case ${1:-all} in
	pg) pg_stop ;;
	redis) redis_stop ;;
	*) redis_stop; pg_stop ;;
	esac
	;;
status)
	rc=0
	if pg_ready; then say "postgresql up ($RUNDIR port $PG_PORT)"; else say "postgresql down"; rc=1; fi
	if redis_ready; then say "redis up ($RSOCK)"; else say "redis down"; rc=1; fi
	exit $rc
	;;
psql)
	exec "$PGBIN/psql" -h "$RUNDIR" -p "$PG_PORT" -U "$ROLE" "$DB" "$@"
	;;
reset)
	"$0" stop
	rm -rf "$PGDATA" "$RDIR"
	say "data removed ($PGDATA, $RDIR)"
	"$0" start
	;;
*)
	echo "usage: $0 start|stop [pg|redis]|status|psql [args]|reset" >&2
	exit 2
	;;
esac
