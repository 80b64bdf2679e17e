"""The paper reproductions and the one-command report (``edgeopt reproduce``).

``edgeopt.reproduce.<problem>`` computes a paper's tables and figures; its
``plot_*`` functions are the ones the paper's notebook calls, so nothing is
drawn twice. :mod:`edgeopt.reproduce.report` runs every benchmark and every
reproduction and writes ``report.md`` with its figures and tables. Nothing is
imported here, so that a notebook importing one reproduction keeps its own
matplotlib backend (the report switches to Agg when it runs).
"""
