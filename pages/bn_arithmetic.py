"""BN arithmetic page (being built)."""

import streamlit as st

st.title("BN arithmetic")
st.info("This page is being built.")
