"""DNN layer profiles: published totals, the paper-000 network, compression, bad descriptions."""

from __future__ import annotations

import networkx as nx
import pytest

from edgeopt.core.errors import InvalidParameterError
from edgeopt.models import zoo
from edgeopt.models.dnn import Layer, ProfileBuilder, compress, make_profile, output_elements
from edgeopt.models.energy import OPERATION_ENERGY, ProcessingEnergyModel

# Published totals for the 224 x 224 ImageNet networks (torchvision's model
# cards, and Howard et al. 2017 for MobileNet v1): parameters, MACs.
PUBLISHED = {
    "vgg16_imagenet": (138.36e6, 15.5e9),
    "resnet152": (60.19e6, 11.5e9),
    "densenet201": (20.01e6, 4.3e9),
    "mobilenet_v1": (4.23e6, 0.569e9),
    "resnet18": (11.69e6, 1.81e9),
}


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_imagenet_totals_match_published_counts(name: str) -> None:
    params, macs = PUBLISHED[name]
    profile = zoo.profile(name)
    assert abs(profile.params / params - 1) <= 0.01
    assert abs(profile.macs / macs - 1) <= 0.03


def test_dag_profiles_are_not_chains() -> None:
    assert not zoo.resnet(18).is_chain
    assert not zoo.densenet201().is_chain
    assert zoo.vgg16().is_chain and zoo.mnist_cnn().is_chain


def test_mnist_cnn_matches_the_papers_description() -> None:
    net = zoo.mnist_cnn()
    # About 2,300 elements after the first pooling (paper 000's Pool-1 E_tr).
    assert net.layer("pool1").output_elements == 2304
    # fc1 and fc2 hold "around 60 %" of the parameters.
    share = (net.layer("fc1").params + net.layer("fc2").params) / net.params
    assert 0.55 <= share <= 0.65
    assert net.layer("softmax").output_elements == 10
    assert len(net.order) == 24


def test_conv_counts_by_hand() -> None:
    b = ProfileBuilder("one", (3, 8, 8))
    b.conv(4, 3, stride=1, padding=1, bias=True)
    conv = b.build().layer("conv1")
    assert conv.output_shape == (4, 8, 8)
    assert conv.macs == 4 * 8 * 8 * 3 * 9
    assert conv.params == 4 * 3 * 9 + 4
    # Depthwise: one 3x3 filter per channel.
    b = ProfileBuilder("dw", (6, 8, 8))
    b.conv(6, 3, padding=1, groups=6, bias=False)
    dw = b.build().layer("conv1")
    assert dw.macs == 6 * 8 * 8 * 9 and dw.params == 54
    assert dw.adds == dw.macs - 6 * 8 * 8


def test_energy_eq1_for_conv1() -> None:
    net = zoo.mnist_cnn()
    model = ProcessingEnergyModel.from_tables("fp32", count_activations=False)
    computation, memory = model.layer_energy(net)
    i = net.order.index("conv1")
    add, mult = OPERATION_ENERGY["fp32"]
    macs = 24 * 24 * 16 * 25
    assert computation[i] == pytest.approx(mult * macs + add * macs, rel=1e-12)
    assert memory[i] == pytest.approx(model.access_energy * 416, rel=1e-12)


def test_compression_scales_counts_and_outputs() -> None:
    net = zoo.mnist_cnn()
    small = compress(net, {"fc1": 0.1}, {"conv1": 0.5})
    assert small.layer("fc1").params == pytest.approx(0.1 * net.layer("fc1").params)
    out = dict(zip(small.order, output_elements(small), strict=True))
    assert out["conv1"] == out["relu1"] == 0.5 * 9216
    assert out["pool1"] == 0.5 * 2304
    assert out["conv2"] == net.layer("conv2").output_elements
    with pytest.raises(InvalidParameterError, match="relu1"):
        compress(net, {"relu1": 0.5}, {})
    with pytest.raises(InvalidParameterError, match=r"fc2.*\(0, 1\]"):
        compress(net, {"fc2": 1.5}, {})


def test_bad_descriptions_name_the_problem() -> None:
    b = ProfileBuilder("bad", (1, 4, 4))
    with pytest.raises(InvalidParameterError, match="does not fit"):
        b.conv(2, 5)
    with pytest.raises(InvalidParameterError, match="flat input"):
        b.dense(3)
    with pytest.raises(InvalidParameterError, match="nope"):
        b.relu(src="nope")
    # Two layers reading the input, one left dangling: two outputs.
    b.conv(2, 3, name="a")
    b.conv(2, 3, src="input", name="b")
    with pytest.raises(InvalidParameterError, match=r"one output layer.*\['a', 'b'\]"):
        b.build()
    # A layer not connected to the input.
    g = nx.DiGraph()
    g.add_node("input", layer=Layer("input", "input", (3,)), index=0)
    g.add_node("fc", layer=Layer("fc", "dense", (3,)), index=1)
    g.add_node("orphan", layer=Layer("orphan", "dense", (3,)), index=2)
    g.add_edge("input", "fc")
    g.add_edge("orphan", "fc")
    with pytest.raises(InvalidParameterError, match="one input layer"):
        make_profile("g", g)
    with pytest.raises(InvalidParameterError, match="unknown profile"):
        zoo.profile("alexnet")


def test_profile_from_torch_matches_the_builder() -> None:
    torch = pytest.importorskip("torch")
    pytest.importorskip("torchinfo")
    from edgeopt.models.dnn_torch import profile_from_torch

    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(1, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16 * 12 * 12, 10))
    ours = profile_from_torch(model, (1, 28, 28))
    b = ProfileBuilder("ref", (1, 28, 28))
    b.conv(16, 5)
    b.relu()
    b.maxpool(2)
    b.flatten()
    b.dense(10)
    ref = b.build()
    assert ours.params == ref.params and ours.macs == ref.macs


def test_layer_flops_eq3_by_hand() -> None:
    from edgeopt.models.dnn import layer_flops

    net = zoo.iscc_cnn()
    conv1 = net.layer("conv1")  # 6 x 28 x 28 outputs, 25 inputs each
    assert layer_flops(conv1.macs, conv1.output_elements, False) == (2 * 25 - 1) * 6 * 28 * 28
    assert layer_flops(conv1.macs, conv1.output_elements, False, 0.5) == (2 * 25 * 0.5 - 1) * 6 * 28 * 28
    pool = net.layer("pool1")
    assert layer_flops(0.0, pool.output_elements, True, 0.3) == 6 * 14 * 14
    assert layer_flops(conv1.macs, conv1.output_elements, False, 1e-6) == 0.0
