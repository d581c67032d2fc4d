"""Start the Streamlit server for bnviz: ``python -m ui.serve run app.py [streamlit options]``.

The same as ``streamlit run``, with one difference. Streamlit treats a ``pages/`` folder beside the
entrypoint as an old-style (v1) multipage app until the first ``st.navigation`` call, which happens
only inside the first script run. A visitor who opens a deep link such as ``/live-lab`` as the
server's *first* visitor would therefore see a "Page not found" dialog over the right page. bnviz
routes with ``st.navigation`` only, so the launcher switches the v1 mode off before any run.
``make run``, the tests and the Docker image start the app through here.
"""

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

if __name__ == "__main__":
    PagesManager.uses_pages_directory = False
    cli.main(prog_name="streamlit")
