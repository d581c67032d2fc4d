"""Figure 1 of Ioffe & Szegedy (2015), reproduced with the live lab's engine.

``job`` (the bounded run, one seed or several), ``result`` (its curves and files, readable with
numpy alone), ``findings`` (what a result shows, as numbers), ``captions`` (the page's words, from
those numbers), ``plots`` (the three panels), ``export`` (CSV, HTML, PNG, provenance), ``progress``
(a terminal bar) and ``__main__`` (the CLI: ``python -m bnviz.figure1``).
"""
