"""bnviz router: page config, the language, and navigation over pages/. Nothing else lives here."""

import os

import streamlit as st

from bnviz.i18n import N_
from ui import i18n, replica

# url_path -> (file, title, icon). The url paths are part of the public surface (links in course notes).
PAGES = {
    "home": ("pages/home.py", N_("Start here"), ":material/school:"),
    "live-lab": ("pages/live_lab.py", N_("Live lab"), ":material/monitoring:"),
    "bn-arithmetic": ("pages/bn_arithmetic.py", N_("BN arithmetic"), ":material/calculate:"),
    "which-axis": ("pages/which_axis.py", N_("Which axis?"), ":material/view_in_ar:"),
    "paper-figure1": ("pages/paper_figure1.py", N_("Paper Figure 1"), ":material/article:"),
    "does-bn-reduce-ics": (
        "pages/does_bn_reduce_ics.py",
        N_("Does BN reduce ICS?"),
        ":material/quiz:",
    ),
    "lr-and-init": ("pages/lr_init_sweeps.py", N_("Learning rate and init"), ":material/tune:"),
    "batch-size": ("pages/batch_size.py", N_("Batch size and BN"), ":material/stacks:"),
}

_ = i18n.translator_now()
st.set_page_config(page_title=_("bnviz — batch norm, visible"), page_icon="📊", layout="wide")
i18n.setup()  # settles the session's language and draws its selector, before the page's words

default = os.environ.get("BNVIZ_DEFAULT_PAGE", "home")
if default not in PAGES:
    default = "home"
pages = [
    st.Page(file, title=_(title), icon=icon, url_path=path, default=(path == default))
    for path, (file, title, icon) in PAGES.items()
]
replica.show()  # which server this is, and a notice after a move to another one
st.navigation(pages).run()
