"""Learning-rate and init-scale sweeps: Ioffe & Szegedy (2015) §3.3 claim that batch norm allows much
higher learning rates and less care with initialization, put to a grid of short runs.

``grid`` (the two sweeps, their values, the run specs and their validation), ``trial`` (one short
run of one variant, chunked), ``pool`` (every run of a sweep spread over worker processes),
``result`` (the runs' numbers and their files, readable with numpy alone), ``findings`` (what a
result shows), ``captions`` (the page's words, from those numbers), ``plots`` (heatmaps, largest
stable value, steps to 90%), ``job`` (a bounded live rerun), ``scale_invariance`` (BN's invariance
to the scale of W, §3.3, with autograd) and ``__main__`` (the CLI: ``python -m bnviz.sweep``).
"""
