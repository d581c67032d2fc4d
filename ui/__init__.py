"""Streamlit glue for bnviz: components and render helpers used by pages/.

Unlike ``bnviz/`` (the pure core), modules here import streamlit.
"""
