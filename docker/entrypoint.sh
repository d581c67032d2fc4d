#!/bin/sh
# Container entrypoint: serve bnviz on $PORT (default 8501) through ui.serve (streamlit run with
# st.navigation from the first run on; see ui/serve.py). Arguments are passed on to
# `streamlit run`, e.g. `docker run bnviz --server.address 127.0.0.1`.
# `exec` makes streamlit PID 1, so `docker stop` (SIGTERM) reaches it directly.
set -eu
exec python -m ui.serve run /app/app.py --server.port "${PORT:-8501}" "$@"
