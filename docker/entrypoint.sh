#!/bin/sh
# Container entrypoint: serve bnviz on $PORT (default 8501) through ui.serve (streamlit run with
# st.navigation from the first run on; see ui/serve.py). Arguments are passed on to
# `streamlit run`, e.g. `docker run bnviz --server.address 127.0.0.1`.
# `exec` makes streamlit PID 1, so `docker stop` (SIGTERM) reaches it directly: Streamlit closes its
# sessions and exits 0 within a few seconds (tests/docker/test_container_faults.py).
set -eu
# The first log line names the replica, so `docker logs` / `kubectl logs` match what students see.
echo "bnviz: replica ${BNVIZ_REPLICA_ID:-unnamed (BNVIZ_REPLICA_ID unset)}, port ${PORT:-8501}" >&2
exec python -m ui.serve run /app/app.py --server.port "${PORT:-8501}" "$@"
