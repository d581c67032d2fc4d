"""Live lab page (being built)."""

import streamlit as st

st.title("Live lab")
st.info("This page is being built.")
