"""Profiles from a user's own PyTorch model (optional extra ``edgeopt[torch]``: torch + torchinfo).

The core package never imports torch; this module does so only when called.
torchinfo runs one forward pass on a zero tensor and reports, per leaf
module, its output shape, parameter count and multiply-accumulates; we take
the leaf modules in execution order as a chain. Models with skip connections
come out as the chain of their modules in call order, which is not a valid
split structure: describe those with :class:`~edgeopt.models.dnn.ProfileBuilder`
(``add`` / ``concat``) instead.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import networkx as nx

from edgeopt.core.errors import InvalidParameterError
from edgeopt.models.dnn import DnnProfile, Layer, make_profile

_KINDS = {
    "Conv1d": "conv",
    "Conv2d": "conv",
    "Linear": "dense",
    "BatchNorm2d": "batchnorm",
    "BatchNorm1d": "batchnorm",
    "ReLU": "activation",
    "ReLU6": "activation",
    "MaxPool2d": "pool",
    "AvgPool2d": "pool",
    "AdaptiveAvgPool2d": "pool",
    "Flatten": "flatten",
    "Softmax": "softmax",
    "Dropout": "dropout",
}


def profile_from_torch(model: Any, input_shape: Sequence[int], name: str | None = None) -> DnnProfile:
    """A chain :class:`DnnProfile` of a ``torch.nn.Module`` for one input of ``input_shape`` (no batch axis).

    MACs are torchinfo's ``macs`` less the one it counts for each bias
    addition, so that they follow :mod:`edgeopt.models.dnn` (FLOPs = 2 MACs);
    additions and multiplications of conv / linear layers as there, other
    layer kinds get no arithmetic counts.
    """
    try:
        # torchinfo is optional (the "torch" extra): only this function needs it.
        from torchinfo import summary
    except ImportError as exc:  # pragma: no cover - depends on the optional extra
        raise ImportError("profile_from_torch needs the optional extra: pip install 'edgeopt[torch]'") from exc
    shape = tuple(int(s) for s in input_shape)
    stats = summary(model, input_size=(1, *shape), verbose=0)
    graph = nx.DiGraph()
    graph.add_node("input", layer=Layer("input", "input", shape), index=0)
    previous = "input"
    for info in stats.summary_list:
        if not info.is_leaf_layer:
            continue
        out = tuple(int(s) for s in info.output_size[1:])
        kind = _KINDS.get(info.class_name, "other")
        macs = float(info.macs)
        has_bias = getattr(getattr(info, "module", None), "bias", None) is not None
        if kind in ("conv", "dense") and has_bias:
            # torchinfo counts the bias addition of every output as one more MAC; we do not.
            macs -= math.prod(out)
        layer_name = f"{info.var_name}_{graph.number_of_nodes()}"
        layer = Layer(
            layer_name,
            kind,
            out,
            macs=macs,
            mults=macs,
            adds=macs if has_bias else macs - (math.prod(out) if kind in ("conv", "dense") else 0),
            params=float(info.num_params),
            activation_reads=float(math.prod(graph.nodes[previous]["layer"].output_shape)),
        )
        graph.add_node(layer_name, layer=layer, index=graph.number_of_nodes())
        graph.add_edge(previous, layer_name)
        previous = layer_name
    if graph.number_of_nodes() == 1:
        raise InvalidParameterError("the model has no leaf modules to profile")
    return make_profile(name or type(model).__name__, graph, notes="from torchinfo; a chain in call order")
