"""The live lab's engine: twin networks trained in lockstep, recorded, snapshotted and run in the background.

Modules, in the order data flows through them: ``activations``, ``inits``, ``optim`` (registries),
``batches`` (the minibatch stream), ``model`` (the written-out twins), ``stats`` and ``probe`` (what is
measured), ``history`` and ``snapshot`` (bounded records, immutable copies), ``run`` (one run's
state), ``experiment`` (``Experiment``), ``runner`` (``Runner``), ``sessions`` (the server-wide
registry of runs) and ``plots`` (snapshot in, figure dicts out).
"""
