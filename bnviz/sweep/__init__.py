"""Sweeps of short runs: Ioffe & Szegedy (2015) §3.3 claim that batch norm allows much higher
learning rates and less care with initialization (``lr``, ``init``); and how batch norm, layer norm
and group norm fare from batches of 2 to 256 (``batch``).

``grid`` (the sweeps, their values, the run specs and their validation), ``trial`` (one short
run of one variant, chunked), ``pool`` (every run of a sweep spread over worker processes),
``result`` (the runs' numbers and their files, readable with numpy alone), ``findings`` (what a
result shows), ``captions`` (the page's words, from those numbers), ``plots`` (heatmaps, largest
stable value, steps to 90%), ``job`` (a bounded live rerun); for the batch sweep
``batch_measure`` (both modes' accuracy and the noise of BN's batch statistics, per run),
``batch_result``, ``batch_findings``, ``batch_verdict``, ``batch_captions`` and ``batch_plots``;
``scale_invariance`` (BN's invariance to the scale of W, §3.3, with autograd) and ``__main__`` (the CLI: ``python -m bnviz.sweep``).
"""
