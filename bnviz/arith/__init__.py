"""Normalization step by step, as data: what the BN arithmetic page shows and checks.

``validate`` (what a student may type), ``normalize`` (steps 1-5 along one axis), ``batchnorm``
(train mode, running statistics, eval mode), ``layernorm``, ``backward`` (the chain rule written
out), ``oracle`` (the same numbers from ``torch.nn``), ``worksheet`` (everything one page view
shows), ``stepper`` (the seven steps' formulas and explanations), ``tensor_input`` (text cells to
tensors, and the tables' row and column labels), ``number_format`` (how a number is written in a
cell, a table or a formula) and ``axis_diagram`` (which axis each norm averages over).

The "Which axis?" page's core: ``nchw`` (an (N, C, H, W) tensor within budget, and its text
table), ``axes`` (batch, layer, instance and group norm of it, step by step), ``element_steps``
(one element's substitution lines) and ``axes_diagram`` (the grid with one statistic's values lit).
"""
