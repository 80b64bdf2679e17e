"""One package per problem (``fog``, ``iscc``, ``cut_selection``, ``dag_split``, ``compression``).

Each has the same files where they apply: ``model.py`` (Params and the paper's
equations), one module per method, ``certificate.py``, ``reference.py``,
``baselines.py``, ``scenarios.py`` (with its TOML beside it) and
``problem.py`` (the Problem subclass and its method table). ``registry.PROBLEMS``
lists them all.
"""
