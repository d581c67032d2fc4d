"""Docker HEALTHCHECK: exit 0 when Streamlit's /_stcore/health answers "ok" on this container's port.

Reads the same environment as the entrypoint: PORT (default 8501) and STREAMLIT_SERVER_BASE_URL_PATH.
The probe goes to 127.0.0.1, which the server answers whether it binds 0.0.0.0 or 127.0.0.1.
"""

import os
import sys
import urllib.request

port = os.environ.get("PORT", "8501")
base = os.environ.get("STREAMLIT_SERVER_BASE_URL_PATH", "").strip("/")
url = f"http://127.0.0.1:{port}/{base + '/' if base else ''}_stcore/health"
try:
    with urllib.request.urlopen(url, timeout=4) as response:
        ok = response.status == 200 and response.read().strip() == b"ok"
except OSError as error:
    print(f"{url}: {error}", file=sys.stderr)
    sys.exit(1)
sys.exit(0 if ok else 1)
