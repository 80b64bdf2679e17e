"""DNN layer profiles: per-layer operation, parameter and memory-access counts.

A network is described layer by layer with :class:`ProfileBuilder`; the
result is a :class:`DnnProfile`, a ``networkx.DiGraph`` of :class:`Layer`
records in topological order. Chains (every layer feeds the next) and DAGs
(skip connections through :meth:`ProfileBuilder.add`, concatenations through
:meth:`ProfileBuilder.concat`) use the same description.

Counting conventions, kept here and nowhere else
------------------------------------------------
Shapes are ``(channels, height, width)`` for feature maps and ``(n,)`` for
vectors; a batch of one.

``macs``
    Multiply-accumulates of convolutions and fully connected layers only,
    ``C_out H_out W_out (C_in / groups) k_h k_w`` and ``n_in n_out``. This is
    the figure published model tables quote (often mislabelled "FLOPs");
    ``FLOPs = 2 MACs``. Batch normalisation, activations, pooling and
    additions are not MACs.
``mults``, ``adds``
    Scalar multiplications and additions for the arithmetic-energy model of
    paper 000, eq. (1). A convolution or dense layer does ``macs``
    multiplications and ``macs`` additions when it has a bias (``macs -
    outputs`` without). Comparisons (ReLU, max-pooling) are counted as
    additions; batch norm in inference form is one multiplication and one
    addition per element; average pooling ``k*k - 1`` additions and one
    multiplication per output; residual additions one addition per element;
    softmax one exponential (counted as a multiplication), one addition and one
    division (a multiplication) per element.
``params``
    Trainable parameters: weights, biases, and the two affine parameters of
    each batch norm (``gamma``, ``beta``; running statistics are buffers, as in
    PyTorch's parameter count).
``weight_reads``, ``activation_reads``, ``output_elements``
    Memory traffic in elements: every parameter read once per inference, every
    input element read once, every output element written once. How these
    are priced is the energy model's business (:mod:`edgeopt.models.energy`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import networkx as nx
import numpy as np

from edgeopt.core.errors import InvalidParameterError

Shape = tuple[int, ...]

WEIGHT_KINDS = frozenset({"conv", "dense"})
# Layers that keep the channel (or neuron) layout of their input, so a dead
# channel of the weight layer before them is dead in their output too.
_LAYOUT_PRESERVING = frozenset({"activation", "batchnorm", "pool", "flatten", "dropout"})


@dataclass(frozen=True)
class Layer:
    """Counts of one layer (see the module docstring for the conventions)."""

    name: str
    kind: str
    output_shape: Shape
    macs: float = 0.0
    mults: float = 0.0
    adds: float = 0.0
    params: float = 0.0
    activation_reads: float = 0.0

    @property
    def output_elements(self) -> float:
        """Elements of the layer's output tensor."""
        return float(math.prod(self.output_shape))

    @property
    def weight_reads(self) -> float:
        """Parameters read from memory once per inference."""
        return self.params


@dataclass(frozen=True)
class DnnProfile:
    """A network as a DAG of :class:`Layer` records.

    Attributes
    ----------
    name : str
        Short name, e.g. ``"vgg16"``.
    graph : networkx.DiGraph
        Nodes are layer names with attribute ``layer``; an edge ``u -> v``
        means ``v`` consumes ``u``'s output. Exactly one source (the input,
        kind ``"input"``) and one sink (the network output).
    notes : str
        Where the description comes from and which choices it makes.
    output_keep : dict of str to float
        Fraction of each layer's output that survives compression (1 when
        uncompressed); see :func:`compress`.

    """

    name: str
    graph: nx.DiGraph
    notes: str = ""
    output_keep: Mapping[str, float] | None = None

    @property
    def order(self) -> list[str]:
        """Layer names in a topological order (the build order for chains)."""
        return list(nx.lexicographical_topological_sort(self.graph, key=lambda n: self.graph.nodes[n]["index"]))

    @property
    def layers(self) -> list[Layer]:
        """Layers in :attr:`order`, the input first."""
        return [self.graph.nodes[n]["layer"] for n in self.order]

    def layer(self, name: str) -> Layer:
        """The layer called ``name``."""
        if name not in self.graph:
            raise InvalidParameterError(f"profile {self.name!r} has no layer {name!r}")
        layer: Layer = self.graph.nodes[name]["layer"]
        return layer

    @property
    def is_chain(self) -> bool:
        """True when every layer has at most one input and one consumer."""
        return all(self.graph.in_degree(n) <= 1 and self.graph.out_degree(n) <= 1 for n in self.graph)

    @property
    def input_name(self) -> str:
        """Name of the input node."""
        return self.order[0]

    @property
    def output_name(self) -> str:
        """Name of the network's last layer."""
        return self.order[-1]

    def column(self, field: str) -> np.ndarray:
        """One count for every layer in :attr:`order`, as a float array."""
        return np.array([float(getattr(layer, field)) for layer in self.layers])

    def total(self, field: str) -> float:
        """Sum of a count over all layers."""
        return float(self.column(field).sum())

    @property
    def macs(self) -> float:
        """Total multiply-accumulates (FLOPs are twice this)."""
        return self.total("macs")

    @property
    def params(self) -> float:
        """Total trainable parameters."""
        return self.total("params")

    def summary(self) -> str:
        """A plain-text table of the per-layer counts."""
        lines = [f"{'layer':<22}{'kind':<11}{'output':<16}{'MACs':>14}{'params':>12}"]
        for layer in self.layers:
            lines.append(
                f"{layer.name:<22}{layer.kind:<11}{str(layer.output_shape):<16}{layer.macs:>14,.0f}{layer.params:>12,.0f}"
            )
        lines.append(f"{'total':<49}{self.macs:>14,.0f}{self.params:>12,.0f}")
        return "\n".join(lines)


class ProfileBuilder:
    """Describe a network layer by layer and get its :class:`DnnProfile`.

    Every method appends one layer and returns its name. ``src`` names the
    layer it consumes; by default the layer added last, so chains need no
    names at all.

    Examples
    --------
    >>> b = ProfileBuilder("tiny", (1, 28, 28))
    >>> _ = b.conv(8, 3, padding=1); _ = b.relu(); _ = b.maxpool(2)
    >>> _ = b.flatten(); _ = b.dense(10)
    >>> b.build().params
    15762.0

    """

    def __init__(self, name: str, input_shape: Sequence[int], notes: str = "") -> None:
        shape = tuple(int(s) for s in input_shape)
        if not shape or any(s <= 0 for s in shape):
            raise InvalidParameterError(f"input_shape must be positive integers, got {tuple(input_shape)}")
        self.name = name
        self.notes = notes
        self._graph = nx.DiGraph()
        self._counter: dict[str, int] = {}
        self._last = self._add(Layer("input", "input", shape), [])

    # -- plumbing -----------------------------------------------------------
    def _fresh(self, kind: str) -> str:
        self._counter[kind] = self._counter.get(kind, 0) + 1
        return f"{kind}{self._counter[kind]}"

    def _add(self, layer: Layer, sources: Iterable[str]) -> str:
        if layer.name in self._graph:
            raise InvalidParameterError(f"duplicate layer name {layer.name!r}")
        self._graph.add_node(layer.name, layer=layer, index=self._graph.number_of_nodes())
        for s in sources:
            self._graph.add_edge(s, layer.name)
        self._last = layer.name
        return layer.name

    def _source(self, src: str | None) -> tuple[str, Shape]:
        name = self._last if src is None else src
        if name not in self._graph:
            raise InvalidParameterError(f"layer {name!r} does not exist in {self.name!r}")
        return name, self._graph.nodes[name]["layer"].output_shape

    @staticmethod
    def _map(shape: Shape, what: str) -> tuple[int, int, int]:
        if len(shape) != 3:
            raise InvalidParameterError(f"{what} needs a (C, H, W) input, got shape {shape}")
        return shape[0], shape[1], shape[2]

    # -- layers ---------------------------------------------------------------
    def conv(
        self,
        out_channels: int,
        kernel: int,
        stride: int = 1,
        padding: int = 0,
        groups: int = 1,
        bias: bool = True,
        src: str | None = None,
        name: str | None = None,
    ) -> str:
        """2-D convolution (square kernel); ``groups = C_in`` is depthwise."""
        source, shape = self._source(src)
        c, h, w = self._map(shape, "conv")
        if c % groups or out_channels % groups:
            raise InvalidParameterError(f"groups={groups} must divide C_in={c} and C_out={out_channels}")
        ho, wo = (h + 2 * padding - kernel) // stride + 1, (w + 2 * padding - kernel) // stride + 1
        if ho <= 0 or wo <= 0:
            raise InvalidParameterError(f"conv kernel {kernel} does not fit a {h}x{w} input (padding {padding})")
        outputs = out_channels * ho * wo
        macs = outputs * (c // groups) * kernel * kernel
        params = out_channels * (c // groups) * kernel * kernel + (out_channels if bias else 0)
        layer = Layer(
            name or self._fresh("conv"),
            "conv",
            (out_channels, ho, wo),
            macs=macs,
            mults=macs,
            adds=macs if bias else macs - outputs,
            params=params,
            activation_reads=c * h * w,
        )
        return self._add(layer, [source])

    def dense(self, out_features: int, bias: bool = True, src: str | None = None, name: str | None = None) -> str:
        """Fully connected layer on a vector input."""
        source, shape = self._source(src)
        if len(shape) != 1:
            raise InvalidParameterError(f"dense needs a flat input, got shape {shape}; add flatten() first")
        n = shape[0]
        macs = n * out_features
        layer = Layer(
            name or self._fresh("fc"),
            "dense",
            (out_features,),
            macs=macs,
            mults=macs,
            adds=macs if bias else macs - out_features,
            params=macs + (out_features if bias else 0),
            activation_reads=n,
        )
        return self._add(layer, [source])

    def _elementwise(self, kind: str, mults: int, adds: int, src: str | None, name: str | None, params: int = 0) -> str:
        source, shape = self._source(src)
        n = math.prod(shape)
        layer = Layer(
            name or self._fresh(kind if kind != "activation" else "relu"),
            kind,
            shape,
            mults=mults * n,
            adds=adds * n,
            params=params,
            activation_reads=n,
        )
        return self._add(layer, [source])

    def relu(self, src: str | None = None, name: str | None = None) -> str:
        """ReLU: one comparison (counted as an addition) per element."""
        return self._elementwise("activation", 0, 1, src, name)

    def batchnorm(self, src: str | None = None, name: str | None = None) -> str:
        """Inference-time batch norm: ``gamma``, ``beta`` per channel; one mult and add per element."""
        _, shape = self._source(src)
        return self._elementwise("batchnorm", 1, 1, src, name, params=2 * shape[0])

    def softmax(self, src: str | None = None, name: str | None = None) -> str:
        """Softmax: an exponential, an addition and a division per element."""
        return self._elementwise("softmax", 2, 1, src, name)

    def _pool(
        self,
        kind: str,
        kernel: int,
        stride: int | None,
        padding: int,
        ceil_mode: bool,
        src: str | None,
        name: str | None,
    ) -> str:
        source, shape = self._source(src)
        c, h, w = self._map(shape, "pooling")
        s = kernel if stride is None else stride

        def out(size: int) -> int:
            span = size + 2 * padding - kernel
            if span < 0:
                raise InvalidParameterError(f"pooling kernel {kernel} does not fit a {h}x{w} input")
            n = (-(-span // s) if ceil_mode else span // s) + 1
            # PyTorch's rule: the last window must start inside the (left-padded) input.
            if ceil_mode and (n - 1) * s >= size + padding:
                n -= 1
            return n

        ho, wo = out(h), out(w)
        outputs = c * ho * wo
        mults = outputs if kind == "avg" else 0
        layer = Layer(
            name or self._fresh(f"{kind}pool"),
            "pool",
            (c, ho, wo),
            mults=mults,
            adds=outputs * (kernel * kernel - 1),
            activation_reads=c * h * w,
        )
        return self._add(layer, [source])

    def maxpool(
        self,
        kernel: int,
        stride: int | None = None,
        padding: int = 0,
        ceil_mode: bool = False,
        src: str | None = None,
        name: str | None = None,
    ) -> str:
        """Max pooling (``stride`` defaults to ``kernel``; ``ceil_mode`` as in PyTorch)."""
        return self._pool("max", kernel, stride, padding, ceil_mode, src, name)

    def avgpool(
        self,
        kernel: int,
        stride: int | None = None,
        padding: int = 0,
        ceil_mode: bool = False,
        src: str | None = None,
        name: str | None = None,
    ) -> str:
        """Average pooling."""
        return self._pool("avg", kernel, stride, padding, ceil_mode, src, name)

    def global_avgpool(self, src: str | None = None, name: str | None = None) -> str:
        """Average over the spatial dimensions, giving a vector of C elements."""
        source, shape = self._source(src)
        c, h, w = self._map(shape, "global pooling")
        layer = Layer(
            name or self._fresh("gap"),
            "pool",
            (c,),
            mults=c,
            adds=c * (h * w - 1),
            activation_reads=c * h * w,
        )
        return self._add(layer, [source])

    def flatten(self, src: str | None = None, name: str | None = None) -> str:
        """Reshape to a vector (no arithmetic, no memory traffic counted)."""
        source, shape = self._source(src)
        return self._add(Layer(name or self._fresh("flatten"), "flatten", (math.prod(shape),)), [source])

    def add(self, *srcs: str, name: str | None = None) -> str:
        """Elementwise sum of equally shaped tensors (a residual connection)."""
        if len(srcs) < 2:
            raise InvalidParameterError("add() needs at least two inputs")
        shapes = {self._source(s)[1] for s in srcs}
        if len(shapes) != 1:
            raise InvalidParameterError(f"add() inputs {srcs} have different shapes {sorted(shapes)}")
        shape = shapes.pop()
        n = math.prod(shape)
        layer = Layer(
            name or self._fresh("add"), "add", shape, adds=n * (len(srcs) - 1), activation_reads=n * len(srcs)
        )
        return self._add(layer, srcs)

    def concat(self, *srcs: str, name: str | None = None) -> str:
        """Channel concatenation of feature maps with equal height and width."""
        if len(srcs) < 2:
            raise InvalidParameterError("concat() needs at least two inputs")
        shapes = [self._map(self._source(s)[1], "concat") for s in srcs]
        if len({(h, w) for _, h, w in shapes}) != 1:
            raise InvalidParameterError(f"concat() inputs {srcs} differ in height or width: {shapes}")
        c = sum(s[0] for s in shapes)
        layer = Layer(name or self._fresh("concat"), "concat", (c, shapes[0][1], shapes[0][2]))
        return self._add(layer, srcs)

    @property
    def last(self) -> str:
        """Name of the layer added last."""
        return self._last

    def build(self) -> DnnProfile:
        """Check the graph and return the profile."""
        return make_profile(self.name, self._graph.copy(), self.notes)


def make_profile(
    name: str, graph: nx.DiGraph, notes: str = "", output_keep: Mapping[str, float] | None = None
) -> DnnProfile:
    """Validate ``graph`` (layers with ``layer`` and ``index`` attributes) into a :class:`DnnProfile`.

    Raises
    ------
    InvalidParameterError
        If the graph has a cycle, more than one input or output, or a layer
        not connected to the input.

    """
    if graph.number_of_nodes() == 0:
        raise InvalidParameterError(f"profile {name!r} has no layers")
    for node, data in graph.nodes(data=True):
        if not isinstance(data.get("layer"), Layer) or "index" not in data:
            raise InvalidParameterError(f"node {node!r} of profile {name!r} has no Layer record")
    if not nx.is_directed_acyclic_graph(graph):
        raise InvalidParameterError(f"profile {name!r} has a cycle: {nx.find_cycle(graph)}")
    sources = [n for n in graph if graph.in_degree(n) == 0]
    sinks = [n for n in graph if graph.out_degree(n) == 0]
    if len(sources) != 1:
        raise InvalidParameterError(f"profile {name!r} must have one input layer, found {sorted(sources)}")
    if len(sinks) != 1:
        raise InvalidParameterError(
            f"profile {name!r} must have one output layer; layers whose output nobody uses: {sorted(sinks)}"
        )
    unreachable = set(graph) - nx.descendants(graph, sources[0]) - {sources[0]}
    if unreachable:
        raise InvalidParameterError(f"profile {name!r}: layers not connected to the input: {sorted(unreachable)}")
    return DnnProfile(name, graph, notes, dict(output_keep) if output_keep else None)


def compress(profile: DnnProfile, weight_keep: Mapping[str, float], neuron_keep: Mapping[str, float]) -> DnnProfile:
    """Apply magnitude-pruning keep ratios to a chain profile (paper 000, Fig. 3).

    Parameters
    ----------
    profile : DnnProfile
        An uncompressed chain.
    weight_keep : mapping of layer name to float in (0, 1]
        Fraction of a conv/dense layer's weights left non-zero. Pruned weights
        cost neither arithmetic nor memory traffic, so ``macs``, ``mults``,
        ``adds`` and ``params`` scale by it.
    neuron_keep : mapping of layer name to float in (0, 1]
        Fraction of a conv/dense layer's output channels (neurons) left alive.
        A dead neuron's output is not computed, stored or sent: the layer's
        output and that of the activations and pooling after it, up to the
        next weight layer, shrink by this fraction, and so do those layers'
        operations.

    Returns
    -------
    DnnProfile
        Same layers with scaled counts; ``output_keep`` records the output
        fraction of every layer, which the cut-selection energy model uses.

    """
    if not profile.is_chain:
        raise InvalidParameterError(f"compress() needs a chain; {profile.name!r} has branches")
    for label, mapping in (("weight_keep", weight_keep), ("neuron_keep", neuron_keep)):
        for layer_name, ratio in mapping.items():
            kind = profile.layer(layer_name).kind
            if kind not in WEIGHT_KINDS:
                raise InvalidParameterError(f"{label}[{layer_name!r}]: {kind} layers have no weights")
            if not 0.0 < float(ratio) <= 1.0:
                raise InvalidParameterError(f"{label}[{layer_name!r}] must be in (0, 1], got {ratio!r}")
    graph = profile.graph.copy()
    alive = 1.0
    output_keep: dict[str, float] = {}
    for name in profile.order:
        layer: Layer = graph.nodes[name]["layer"]
        if layer.kind in WEIGHT_KINDS:
            w = float(weight_keep.get(name, 1.0))
            scaled = replace(
                layer,
                macs=layer.macs * w,
                mults=layer.mults * w,
                adds=layer.adds * w,
                params=layer.params * w,
                activation_reads=layer.activation_reads * alive,
            )
            alive = float(neuron_keep.get(name, 1.0))
        elif layer.kind in _LAYOUT_PRESERVING:
            scaled = replace(
                layer,
                mults=layer.mults * alive,
                adds=layer.adds * alive,
                activation_reads=layer.activation_reads * alive,
            )
        else:
            alive = 1.0
            scaled = layer
        graph.nodes[name]["layer"] = scaled
        output_keep[name] = alive
    return make_profile(profile.name + "-compressed", graph, profile.notes, output_keep)


def output_elements(profile: DnnProfile) -> np.ndarray:
    """Elements each layer outputs after compression, in :attr:`DnnProfile.order`."""
    keep = profile.output_keep or {}
    return np.array([layer.output_elements * keep.get(layer.name, 1.0) for layer in profile.layers])


def describe(profile: DnnProfile) -> dict[str, Any]:
    """Totals as a plain dict (MACs, FLOPs = 2 MACs, parameters, layers)."""
    return {
        "name": profile.name,
        "layers": profile.graph.number_of_nodes() - 1,
        "macs": profile.macs,
        "flops": 2 * profile.macs,
        "params": profile.params,
        "chain": profile.is_chain,
    }


def layer_flops(macs: Any, outputs: Any, is_pool: Any, keep: Any = 1.0) -> np.ndarray:
    """FLOPs of layers by paper 002's eq. (3), with a fraction ``keep`` of the weights left after pruning.

    A conv or FC layer with ``m`` MACs and ``o`` outputs costs
    ``(2 (m / o) keep - 1) o = 2 m keep - o`` FLOPs: per output, ``fan_in``
    kept multiplications and ``fan_in - 1`` additions (``(2 C_in k^2 p - 1)
    H W C_out`` for a convolution, ``(2 n_in p - 1) n_out`` for an FC layer).
    A max-pool costs one FLOP per output. Arrays broadcast; ``keep`` takes an
    extra trailing axis against the layers when it is an array; the count is
    clipped at 0 for tiny ``keep``.
    """
    macs = np.asarray(macs, dtype=float)
    outputs = np.asarray(outputs, dtype=float)
    keep = np.asarray(keep, dtype=float)
    weighted = 2.0 * macs * (keep[..., None] if keep.ndim else keep) - outputs
    return np.asarray(np.where(np.asarray(is_pool, dtype=bool), outputs, np.maximum(weighted, 0.0)))
