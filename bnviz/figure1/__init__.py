"""Figure 1 of Ioffe & Szegedy (2015), reproduced with the live lab's engine.

``job`` (the bounded run), ``result`` (its curves and files, readable with numpy alone), ``plots``
(the three panels), ``export`` (CSV, HTML, PNG, provenance), ``progress`` (a terminal bar) and
``__main__`` (the CLI: ``python -m bnviz.figure1``).
"""
