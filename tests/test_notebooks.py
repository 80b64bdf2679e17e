"""Execute the notebooks: every assertion in them (the reproduced trends) must hold, and every figure must show.

A notebook draws its figures with the package's ``edgeopt.reproduce.<problem>.plot_*`` functions (the report
draws the same ones). A cell that draws a figure carries the cell tag ``figure``; executed under the kernel's own
(inline) backend, each such cell must produce an ``image/png`` output. A notebook that forced matplotlib's Agg
backend would show nothing and fail here.
"""

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))
DRAWS = re.compile(r"\bplot_\w+\(|plt\.(subplots|figure)\(")


def _images(cell) -> int:
    return sum("image/png" in output.get("data", {}) for output in cell.get("outputs", []))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes_and_shows_its_figures(path):
    nb = nbformat.read(path, as_version=4)
    assert not any("matplotlib.use(" in "".join(c.source) for c in nb.cells), "a forced backend shows no figure"
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    tagged = [c for c in code if "figure" in c.metadata.get("tags", [])]
    assert tagged, f"{path.name}: no cell tagged 'figure'"
    for cell in code:
        if DRAWS.search(cell.source) or _images(cell):
            assert cell in tagged, f"{path.name}: a cell that draws is not tagged 'figure':\n{cell.source[:200]}"
    for cell in tagged:
        assert _images(cell) >= 1, f"{path.name}: figure cell produced no image:\n{cell.source[:200]}"
