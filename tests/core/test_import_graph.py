"""The package's import graph has no circles, counting imports inside functions.

import-linter's contracts (``lint-imports``, run by ``make test``) enforce the
layers; this test adds what a layers contract cannot see: two modules of the
same layer (or of one problem package) importing each other.
"""

import grimp
import networkx as nx


def _import_graph(external: bool = False) -> nx.DiGraph:
    graph = grimp.build_graph("edgeopt", cache_dir=None, include_external_packages=external)
    edges = nx.DiGraph()
    for module in graph.modules:
        edges.add_node(module)
        for imported in graph.find_modules_directly_imported_by(module):
            edges.add_edge(module, imported)
    return edges


def test_no_import_circles():
    edges = _import_graph()
    circles = [sorted(c) for c in nx.strongly_connected_components(edges) if len(c) > 1]
    assert circles == [], f"modules that import each other in a circle: {circles}"


def test_graph_sees_imports_inside_functions():
    # The check above is only as good as the graph: scikit-learn is imported only inside the
    # function that loads the digits, and must still be an edge.
    edges = _import_graph(external=True)
    importers = [m for m in edges.predecessors("sklearn") if m.startswith("edgeopt.problems.compression")]
    assert importers
