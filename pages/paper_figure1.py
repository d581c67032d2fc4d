"""Paper Figure 1 page (being built)."""

import streamlit as st

st.title("Paper Figure 1")
st.info("This page is being built.")
