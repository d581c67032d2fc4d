"""Does batch norm reduce internal covariate shift? Santurkar, Tsipras, Ilyas & Madry (NeurIPS 2018),
"How Does Batch Normalization Help Optimization?", reproduced with the live lab's engine.

Three experiments on the paper's net (``RunConfig()``), for plain, bn and noisy_bn side by side:
noise injected after BN (the engine's ``noisy_bn`` variant), internal covariate shift measured as
gradient change, and the smoothness of the loss landscape along the gradient.

``net`` (a twin as ``torch.nn`` + autograd, on copies), ``gradient_change`` and ``smoothness`` (the
measurements), ``job`` (the bounded run) and ``assemble`` (its records and measurements joined),
``result`` (the series and files, readable with numpy alone), ``panels`` and ``plots`` (the
figures), ``captions`` (the page's words, from the numbers), ``export`` (CSV, HTML, PNG) and
``__main__`` (the CLI: ``python -m bnviz.ics``).
"""
