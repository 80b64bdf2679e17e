"""Layer profiles of the seed papers' networks, built with :class:`~edgeopt.models.dnn.ProfileBuilder`.

All counts are multiply-accumulates (MACs) and parameters for a batch of
one; FLOPs are twice the MACs. The ImageNet networks follow torchvision's
definitions (no conv biases before batch norm; batch-norm ``gamma`` and
``beta`` counted as parameters), and their totals are checked in the tests
against the published figures.

========================  ==============  ===============================
profile                   input           used by
========================  ==============  ===============================
``mnist_cnn``             1 x 28 x 28     paper 000 (cut selection)
``iscc_cnn``              1 x 32 x 32     paper 002 (ISCC), Fig. 6
``nin``                   3 x 32 x 32     paper 003 (NOMA split inference)
``tiny_yolov2``           3 x 32 x 32     paper 003
``vgg16``                 3 x 32 x 32     paper 003 (224 x 224 for the check)
``resnet152``             3 x 224 x 224   paper 001 (offloading)
``densenet201``           3 x 224 x 224   paper 001
``mobilenet_v1``          3 x 224 x 224   paper 001
``resnet18``              3 x 224 x 224   a DAG for the min-cut splitter
========================  ==============  ===============================
"""

from __future__ import annotations

from collections.abc import Callable

from edgeopt.core.errors import InvalidParameterError
from edgeopt.models.dnn import DnnProfile, ProfileBuilder

# Paper 000 does not state the padding. Four unpadded 5x5 convolutions collapse
# a 28x28 input, and the paper's Pool-1 transmission energy (7.98e-4 J at
# 15 kHz, P = 1 mW, N0 = 1e-9, unit gain, 32 bits per element) means about
# 2,300 elements after the first pooling: an unpadded first convolution
# (24x24x16 -> 12x12x16 = 2,304). The other three are "same"-padded (pad 2),
# and the pools round up (TensorFlow's "SAME" pooling), so the last pool maps
# 3x3 to 2x2 and fc1 sees 256 inputs. With that choice fc1 and fc2 hold 61 %
# of the 433 k parameters, as the paper says ("around 60 %").
MNIST_CNN_PADDING = (0, 2, 2, 2)


def mnist_cnn() -> DnnProfile:
    """Paper 000's MNIST CNN: 4 conv 5x5 (16/32/48/64) + ReLU + pool, FC 512/256/128/64/10, softmax.

    Layer names: ``conv1, relu1, pool1, ..., pool4, flatten, fc1, relu5, ...,
    fc4, relu8, fc5, softmax``; 23 layers after the input. Padding: see
    ``MNIST_CNN_PADDING``.
    """
    b = ProfileBuilder(
        "mnist_cnn",
        (1, 28, 28),
        notes="Paper 000, Sec. IV. conv1 unpadded, conv2-4 padded 2, pools 2x2/2 rounding up (MNIST_CNN_PADDING). "
        "Counts are MACs.",
    )
    for i, (channels, pad) in enumerate(zip((16, 32, 48, 64), MNIST_CNN_PADDING, strict=True), start=1):
        b.conv(channels, 5, padding=pad, name=f"conv{i}")
        b.relu(name=f"relu{i}")
        b.maxpool(2, ceil_mode=True, name=f"pool{i}")
    b.flatten(name="flatten")
    for i, width in enumerate((512, 256, 128, 64), start=1):
        b.dense(width, name=f"fc{i}")
        b.relu(name=f"relu{i + 4}")
    b.dense(10, name="fc5")
    b.softmax(name="softmax")
    return b.build()


def iscc_cnn(input_hw: tuple[int, int] = (32, 32), classes: int = 5) -> DnnProfile:
    """Paper 002's network (Fig. 6): two 5x5 conv + ReLU + 2x2 max-pool, FC 120, 60, 5, softmax.

    The figure with the channel counts and input size did not survive the text
    extraction; we take LeNet-5's 6 and 16 channels and a 32x32 single-channel
    spectrogram, and say so here. Counts are MACs.
    """
    b = ProfileBuilder(
        "iscc_cnn",
        (1, *input_hw),
        notes="Paper 002, Fig. 6. Channels 6/16 and a 1x32x32 spectrogram are our choice (not in the text).",
    )
    for i, channels in enumerate((6, 16), start=1):
        b.conv(channels, 5, name=f"conv{i}")
        b.relu(name=f"relu{i}")
        b.maxpool(2, name=f"pool{i}")
    b.flatten(name="flatten")
    b.dense(120, name="fc1")
    b.relu(name="relu3")
    b.dense(60, name="fc2")
    b.relu(name="relu4")
    b.dense(classes, name="fc3")
    b.softmax(name="softmax")
    return b.build()


def nin(classes: int = 10) -> DnnProfile:
    """Network in Network for CIFAR-10 (Lin et al. 2014), 9 convolutions, as in paper 003."""
    b = ProfileBuilder(
        "nin", (3, 32, 32), notes="NiN CIFAR-10 (9 conv layers, global average pooling). Counts are MACs."
    )
    blocks = [((192, 5, 2), (160, 1, 0), (96, 1, 0)), ((192, 5, 2), (192, 1, 0), (192, 1, 0))]
    for i, block in enumerate(blocks):
        for channels, kernel, pad in block:
            b.conv(channels, kernel, padding=pad)
            b.relu()
        if i == 0:
            b.maxpool(3, stride=2, ceil_mode=True)
        else:
            b.avgpool(3, stride=2, ceil_mode=True)
    for channels, kernel, pad in ((192, 3, 1), (192, 1, 0), (classes, 1, 0)):
        b.conv(channels, kernel, padding=pad)
        b.relu()
    b.global_avgpool()
    b.softmax()
    return b.build()


def tiny_yolov2(input_hw: tuple[int, int] = (32, 32), outputs: int = 125) -> DnnProfile:
    """Tiny YOLOv2 (VOC): 9 convolutions with batch norm and 6 max-pools, as in paper 003.

    Darknet's last max-pool (size 2, stride 1) keeps the spatial size; it is
    modelled as a 1x1 pool, which has the same output.
    """
    b = ProfileBuilder(
        "tiny_yolov2", (3, *input_hw), notes="tiny-yolo-voc.cfg; leaky ReLU counted as ReLU. Counts are MACs."
    )
    for i, channels in enumerate((16, 32, 64, 128, 256, 512)):
        b.conv(channels, 3, padding=1, bias=False)
        b.batchnorm()
        b.relu()
        if i < 5:
            b.maxpool(2)
        else:
            b.maxpool(1, stride=1)
    for channels in (1024, 1024):
        b.conv(channels, 3, padding=1, bias=False)
        b.batchnorm()
        b.relu()
    b.conv(outputs, 1)
    return b.build()


VGG16_CONFIG = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M")


def vgg16(input_size: int = 32, classes: int | None = None) -> DnnProfile:
    """VGG16 (configuration D): 13 conv 3x3 + ReLU, 5 max-pools, FC 4096, 4096, classes.

    ``input_size=224`` with 1000 classes is the ImageNet network (138.36 M
    parameters, 15.5 G MACs); the default 32 x 32 with 10 classes is paper
    003's CIFAR-10 setting, whose features collapse to 1 x 1 x 512 before the
    same two 4096-wide FC layers.
    """
    n_classes = classes if classes is not None else (1000 if input_size == 224 else 10)
    b = ProfileBuilder(
        "vgg16" if input_size == 224 else f"vgg16-{input_size}",
        (3, input_size, input_size),
        notes="VGG16 configuration D with biases. Counts are MACs.",
    )
    for item in VGG16_CONFIG:
        if item == "M":
            b.maxpool(2)
        else:
            b.conv(int(item), 3, padding=1)
            b.relu()
    b.flatten()
    for width in (4096, 4096):
        b.dense(width)
        b.relu()
    b.dense(n_classes)
    b.softmax()
    return b.build()


def _stem(b: ProfileBuilder) -> None:
    b.conv(64, 7, stride=2, padding=3, bias=False)
    b.batchnorm()
    b.relu()
    b.maxpool(3, stride=2, padding=1)


def resnet(depth: int = 18) -> DnnProfile:
    """Torchvision's ResNet-18/34 (basic blocks) or ResNet-50/101/152 (bottlenecks), 224 x 224, as a DAG.

    Each residual connection is an ``add`` node, so the profile is a DAG.
    Bottlenecks put the stride on the 3x3 convolution (ResNet v1.5, as
    torchvision does).
    """
    stages = {18: (2, 2, 2, 2), 34: (3, 4, 6, 3), 50: (3, 4, 6, 3), 101: (3, 4, 23, 3), 152: (3, 8, 36, 3)}
    if depth not in stages:
        raise InvalidParameterError(f"depth must be one of {sorted(stages)}, got {depth!r}")
    bottleneck = depth >= 50
    b = ProfileBuilder(f"resnet{depth}", (3, 224, 224), notes="torchvision ResNet; counts are MACs.")
    _stem(b)
    channels = 64
    for stage, blocks in enumerate(stages[depth]):
        width = 64 * 2**stage
        out = width * 4 if bottleneck else width
        for block in range(blocks):
            stride = 2 if stage > 0 and block == 0 else 1
            entry = b.last
            if bottleneck:
                b.conv(width, 1, bias=False, src=entry)
                b.batchnorm()
                b.relu()
                b.conv(width, 3, stride=stride, padding=1, bias=False)
                b.batchnorm()
                b.relu()
                b.conv(out, 1, bias=False)
            else:
                b.conv(width, 3, stride=stride, padding=1, bias=False, src=entry)
                b.batchnorm()
                b.relu()
                b.conv(out, 3, padding=1, bias=False)
            main = b.batchnorm()
            shortcut = entry
            if stride != 1 or channels != out:
                b.conv(out, 1, stride=stride, bias=False, src=entry)
                shortcut = b.batchnorm()
            b.add(main, shortcut)
            b.relu()
            channels = out
    b.global_avgpool()
    b.dense(1000)
    return b.build()


def densenet201(growth: int = 32, blocks: tuple[int, ...] = (6, 12, 48, 32)) -> DnnProfile:
    """Torchvision's DenseNet-201 (growth 32, bottleneck width 4 x growth, compression 0.5), 224 x 224.

    Every dense layer reads the concatenation of all earlier feature maps of
    its block; the profile models it as a chain of ``concat`` nodes, a DAG.
    """
    b = ProfileBuilder("densenet201", (3, 224, 224), notes="torchvision DenseNet-201; counts are MACs.")
    _stem(b)
    channels = 64
    for i, layers in enumerate(blocks):
        features = b.last
        for _ in range(layers):
            b.batchnorm(src=features)
            b.relu()
            b.conv(4 * growth, 1, bias=False)
            b.batchnorm()
            b.relu()
            new = b.conv(growth, 3, padding=1, bias=False)
            features = b.concat(features, new)
            channels += growth
        if i < len(blocks) - 1:
            b.batchnorm()
            b.relu()
            channels //= 2
            b.conv(channels, 1, bias=False)
            b.avgpool(2)
    b.batchnorm()
    b.relu()
    b.global_avgpool()
    b.dense(1000)
    return b.build()


MOBILENET_V1_CONFIG = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), *[(512, 1)] * 5, (1024, 2), (1024, 1))


def mobilenet_v1() -> DnnProfile:
    """MobileNet v1 (width 1.0, 224 x 224): depthwise-separable convolutions with batch norm."""
    b = ProfileBuilder("mobilenet_v1", (3, 224, 224), notes="Howard et al. 2017, Table 1; counts are MACs.")
    b.conv(32, 3, stride=2, padding=1, bias=False)
    b.batchnorm()
    b.relu()
    channels = 32
    for out, stride in MOBILENET_V1_CONFIG:
        b.conv(channels, 3, stride=stride, padding=1, groups=channels, bias=False)
        b.batchnorm()
        b.relu()
        b.conv(out, 1, bias=False)
        b.batchnorm()
        b.relu()
        channels = out
    b.global_avgpool()
    b.dense(1000)
    b.softmax()
    return b.build()


PROFILES: dict[str, Callable[[], DnnProfile]] = {
    "mnist_cnn": mnist_cnn,
    "iscc_cnn": iscc_cnn,
    "nin": nin,
    "tiny_yolov2": tiny_yolov2,
    "vgg16": vgg16,
    "vgg16_imagenet": lambda: vgg16(224),
    "resnet18": lambda: resnet(18),
    "resnet152": lambda: resnet(152),
    "densenet201": densenet201,
    "mobilenet_v1": mobilenet_v1,
}


def profile(name: str) -> DnnProfile:
    """A shipped profile by name (see ``PROFILES``)."""
    try:
        return PROFILES[name]()
    except KeyError:
        raise InvalidParameterError(f"unknown profile {name!r}; available: {', '.join(sorted(PROFILES))}") from None
