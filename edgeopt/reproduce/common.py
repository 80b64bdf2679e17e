"""What a problem's reproduction returns to the report: figures, tables beside the paper's numbers, notes.

Each module ``edgeopt.reproduce.<problem>`` has a function
``reproduce(quick: bool = False, progress: bool = True) -> Reproduction``. It
computes the paper's tables and figures with the package's solvers and draws
them with its own public ``plot_*`` functions, which the notebook of that
paper calls too, so nothing is drawn twice. ``quick`` keeps the same figures
and tables on fewer points (the report's ``--quick`` mode); the report states
which mode ran.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # matplotlib and pandas are the report's optional dependencies (extra "bench")
    import pandas as pd
    from matplotlib.figure import Figure


@dataclass
class ReportFigure:
    """One figure of the report, saved as ``<stem>.png`` beside ``report.md``."""

    stem: str  #: file name without extension, unique within the report, e.g. ``"fog_fig6"``
    figure: Figure
    caption: str  #: one or two sentences: what is plotted, on which instances, what the paper shows


@dataclass
class ReportTable:
    """One table of the report, saved as ``<stem>.csv`` and shown in Markdown.

    A reproduced paper table has the paper's numbers in columns of its own
    (named ``paper ...``) next to ours, so a reader compares them in one row.
    """

    stem: str
    frame: pd.DataFrame
    caption: str


@dataclass
class Reproduction:
    """A problem's reproduced paper results."""

    problem: str  #: a name from ``edgeopt.PROBLEMS`` (the section it belongs to)
    title: str  #: the paper, e.g. ``"paper 004, Kilcioglu et al. 2021"``
    figures: list[ReportFigure] = field(default_factory=list)
    tables: list[ReportTable] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  #: known departures from the paper and limitations
