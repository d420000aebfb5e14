#!/usr/bin/env bash
# Run the registry for real on a plain machine against a local PostgreSQL:
# create the database if missing, migrate, seed, then serve with several workers.
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/dtc_registry WORKERS=4 deploy/run-postgres.sh
set -euo pipefail
cd "$(dirname "$0")/.."

: "${DATABASE_URL:=postgres://postgres@127.0.0.1:5432/dtc_registry}"
: "${WORKERS:=$(nproc)}"
: "${REGISTRY_HOST:=127.0.0.1}"
: "${REGISTRY_PORT:=8000}"
export DATABASE_URL REGISTRY_HOST REGISTRY_PORT

case "$DATABASE_URL" in
  postgres://*|postgresql://*) ;;
  *) echo "DATABASE_URL must point at PostgreSQL for several workers (SQLite runs one worker: dtc-registry serve)" >&2; exit 2 ;;
esac

if [ ! -x .venv/bin/dtc-registry ]; then
  python3 -m venv .venv
  .venv/bin/pip install -q -e .
fi

.venv/bin/dtc-registry db create
.venv/bin/dtc-registry db upgrade   # the migration step, before any worker starts
.venv/bin/dtc-registry seed
echo "DTC registry on http://$REGISTRY_HOST:$REGISTRY_PORT with $WORKERS workers (docs: /schema)"
exec .venv/bin/uvicorn registry.asgi:app --host "$REGISTRY_HOST" --port "$REGISTRY_PORT" \
  --workers "$WORKERS" --proxy-headers --no-access-log --no-server-header --date-header --http registry.http.limits:HeaderTimeoutProtocol
