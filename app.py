"""bnviz router: page config and navigation over pages/. Nothing else lives here."""

import os

import streamlit as st

from ui import replica

# url_path -> (file, title, icon). The url paths are part of the public surface (links in course notes).
PAGES = {
    "home": ("pages/home.py", "Start here", ":material/school:"),
    "live-lab": ("pages/live_lab.py", "Live lab", ":material/monitoring:"),
    "bn-arithmetic": ("pages/bn_arithmetic.py", "BN arithmetic", ":material/calculate:"),
    "which-axis": ("pages/which_axis.py", "Which axis?", ":material/view_in_ar:"),
    "paper-figure1": ("pages/paper_figure1.py", "Paper Figure 1", ":material/article:"),
    "does-bn-reduce-ics": ("pages/does_bn_reduce_ics.py", "Does BN reduce ICS?", ":material/quiz:"),
}

st.set_page_config(page_title="bnviz — batch norm, visible", page_icon="📊", layout="wide")

default = os.environ.get("BNVIZ_DEFAULT_PAGE", "home")
if default not in PAGES:
    default = "home"
pages = [
    st.Page(file, title=title, icon=icon, url_path=path, default=(path == default))
    for path, (file, title, icon) in PAGES.items()
]
replica.show()  # which server this is, and a notice after a move to another one
st.navigation(pages).run()
