#!/bin/sh
# The read replica: on first start, clone the primary with pg_basebackup -R (which writes
# standby.signal and primary_conninfo), then run as a hot standby streaming from the primary.
# To rebuild it, remove its volume (pgreplica) and start it again.
set -eu
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h postgres -q; do sleep 1; done
  PGPASSWORD="$REPLICATION_PASSWORD" pg_basebackup -h postgres -U replicator -D "$PGDATA" -X stream -R
  chmod 700 "$PGDATA"
fi
exec docker-entrypoint.sh postgres -c hot_standby=on
