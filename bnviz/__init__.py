"""bnviz: make internal covariate shift and batch normalization visible.

The package is a pure core: configuration, the experiment engine (torch), immutable snapshots and plot
builders. It never imports streamlit; the Streamlit glue lives in ``ui/`` and ``pages/``.
"""

__version__ = "0.1.0"
