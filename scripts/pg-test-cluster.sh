#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for tests.
#
#   scripts/pg-test-cluster.sh start DIR PORT   # prints the DSN on stdout
#   scripts/pg-test-cluster.sh stop  DIR [PORT]
#
# start: initdb (trust auth, no fsync) into DIR/data unless it is already there,
# starts the server on 127.0.0.1:PORT with its Unix socket in DIR/sock (or a
# short /tmp directory when that path is too long for a socket), creates the
# database sisterline_test and prints
#   postgres://postgres@127.0.0.1:PORT/sisterline_test?sslmode=disable
# Running it again on a started cluster only prints the DSN.
#
# stop: stops the server (immediate shutdown: nothing in it is worth keeping).
# It leaves DIR in place; remove it yourself.
#
# PostgreSQL refuses to run as root, so when this runs as root DIR is chowned
# to the `postgres` user (Debian's postgresql package creates it) and the server
# tools run through runuser. Every directory above DIR must be searchable by
# that user (mktemp -d makes 0700 directories: chmod 755 them first).
#
# Never use the data in such a cluster for anything: fsync is off.
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
DBNAME=sisterline_test

usage() {
	echo "usage: $0 start DIR PORT | stop DIR [PORT]" >&2
	exit 2
}

[[ $# -ge 2 ]] || usage
cmd=$1
dir=$2
port=${3:-}

log() { echo "pg-test-cluster: $*" >&2; }

# as_pg CMD... runs CMD as the cluster owner: `postgres` when we are root,
# ourselves otherwise. It runs from / so that the tools never complain about a
# working directory they cannot read.
as_pg() {
	if [[ $(id -u) -eq 0 ]]; then
		(cd / && runuser -u postgres -- "$@")
	else
		(cd / && "$@")
	fi
}

case "$cmd" in
start)
	[[ -n "$port" && "$port" =~ ^[0-9]+$ ]] || usage
	if [[ ! -x "$PGBIN/initdb" ]]; then
		log "no $PGBIN/initdb: apt-get install -y postgresql (or set PGBIN)"
		exit 1
	fi
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	if [[ $(id -u) -eq 0 ]]; then
		if ! id postgres >/dev/null 2>&1; then
			log "running as root but there is no 'postgres' user"
			exit 1
		fi
		chown postgres: "$dir"
		chmod 700 "$dir"
		if ! as_pg test -w "$dir"; then
			log "user postgres cannot write $dir: a directory above it is not searchable by others"
			exit 1
		fi
	fi

	# A Unix socket path is limited to 107 bytes.
	sock="$dir/sock"
	if ((${#sock} + 20 > 107)); then
		if [[ -s "$dir/sockdir" ]]; then
			sock=$(cat "$dir/sockdir")
		else
			sock=$(mktemp -d /tmp/pgsock.XXXXXX)
		fi
	fi
	mkdir -p "$sock"
	[[ $(id -u) -eq 0 ]] && chown postgres: "$sock"
	echo "$sock" >"$dir/sockdir"

	if [[ ! -s "$dir/data/PG_VERSION" ]]; then
		as_pg "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
			--no-sync --no-instructions >"$dir/initdb.log" 2>&1 || {
			log "initdb failed:"
			cat "$dir/initdb.log" >&2
			exit 1
		}
	fi

	if as_pg "$PGBIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
		# postmaster.pid line 4 is the port the server listens on.
		running=$(sed -n 4p "$dir/data/postmaster.pid" 2>/dev/null || true)
		if [[ -n "$running" && "$running" != "$port" ]]; then
			log "already running in $dir on port $running, not $port"
			exit 1
		fi
		log "already running in $dir"
	else
		# The log goes inside DIR: it must be writable by postgres.
		if ! as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
			-o "-p $port -k $sock -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
			start >/dev/null; then
			log "server did not start; end of $dir/server.log:"
			tail -n 30 "$dir/server.log" >&2 || true
			exit 1
		fi
	fi

	exists=$(as_pg "$PGBIN/psql" -h "$sock" -p "$port" -U postgres -d postgres -XAtq \
		-c "SELECT 1 FROM pg_database WHERE datname = '$DBNAME'")
	if [[ "$exists" != 1 ]]; then
		as_pg "$PGBIN/createdb" -h "$sock" -p "$port" -U postgres "$DBNAME"
	fi
	echo "postgres://postgres@127.0.0.1:$port/$DBNAME?sslmode=disable"
	;;
stop)
	if [[ ! -d "$dir/data" ]]; then
		log "nothing in $dir"
		exit 0
	fi
	dir=$(cd "$dir" && pwd)
	if as_pg "$PGBIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
		as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w -t 60 stop >/dev/null
	fi
	sock=$(cat "$dir/sockdir" 2>/dev/null || true)
	if [[ "$sock" == /tmp/pgsock.* ]]; then
		rm -rf "$sock"
	fi
	;;
*)
	usage
	;;
esac
