"""NOMA (paper 003) scenarios: split units of the zoo networks, the scenario file and the seeded generators.

Expected values are computed here by hand from the networks' definitions and from the scenario file's
numbers, never taken from the code under test.
"""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

from edgeopt.core.errors import InvalidParameterError
from edgeopt.models import zoo
from edgeopt.problems.noma import scenarios as sc
from edgeopt.problems.noma.model import NomaParams

INPUT_BITS = 3 * 32 * 32 * 8  # a CIFAR-10 image, 8-bit RGB

# VGG16 on 32x32 CIFAR-10 (configuration D, 3x3 convolutions, padding 1): (spatial size, C_in, C_out).
VGG16_CONVS = [
    (32, 3, 64),
    (32, 64, 64),
    (16, 64, 128),
    (16, 128, 128),
    (8, 128, 256),
    (8, 256, 256),
    (8, 256, 256),
    (4, 256, 512),
    (4, 512, 512),
    (4, 512, 512),
    (2, 512, 512),
    (2, 512, 512),
    (2, 512, 512),
]
VGG16_POOLS = [64 * 16 * 16, 128 * 8 * 8, 256 * 4 * 4, 512 * 2 * 2, 512 * 1 * 1]  # output elements
VGG16_FCS = [(512, 4096), (4096, 4096), (4096, 10)]

# NiN on CIFAR-10: (spatial size, C_in, C_out, kernel) per convolution; pools after conv3 and conv6, GAP.
NIN_CONVS = [
    (32, 3, 192, 5),
    (32, 192, 160, 1),
    (32, 160, 96, 1),
    (16, 96, 192, 5),
    (16, 192, 192, 1),
    (16, 192, 192, 1),
    (8, 192, 192, 3),
    (8, 192, 192, 1),
    (8, 192, 10, 1),
]
NIN_POOLS = [96 * 16 * 16, 192 * 8 * 8, 10]


# --------------------------------------------------------------------------- split units
def test_vgg16_split_units_by_hand() -> None:
    conv_macs = [s * s * cin * cout * 9 for s, cin, cout in VGG16_CONVS]
    fc_macs = [a * b for a, b in VGG16_FCS]
    assert sum(conv_macs) == 313_196_544  # the conv part: 313.2 M MACs
    assert sum(conv_macs) + sum(fc_macs) == 332_111_872  # with the three FC layers
    # Unit order: conv conv pool | conv conv pool | conv conv conv pool (x 3) | fc fc fc.
    flops: list[float] = []
    outputs: list[float] = []
    convs = iter(zip(conv_macs, VGG16_CONVS, strict=True))
    for block, pool in zip((2, 2, 3, 3, 3), VGG16_POOLS, strict=True):
        for _ in range(block):
            macs, (s, _, cout) = next(convs)
            flops.append(2.0 * macs)
            outputs.append(s * s * cout)
        flops.append(float(pool))  # one FLOP per output element
        outputs.append(pool)
    for (_, b), macs in zip(VGG16_FCS, fc_macs, strict=True):
        flops.append(2.0 * macs)
        outputs.append(b)
    units = sc.split_profile(zoo.profile("vgg16"))
    assert len(units.unit_names) == 21 == units.layer_flops.shape[0] == units.feature_bits.shape[0]
    assert units.unit_names[:3] == ("conv1", "conv2", "maxpool1") and units.unit_names[-3:] == ("fc1", "fc2", "fc3")
    np.testing.assert_array_equal(units.layer_flops, flops)
    assert units.layer_flops.sum() == 2 * 332_111_872 + sum(VGG16_POOLS)
    expected_bits = [INPUT_BITS] + [32.0 * o for o in outputs[:-1]]
    np.testing.assert_array_equal(units.feature_bits, expected_bits)
    assert units.feature_bits[0] == 24_576 and units.feature_bits[-1] == 4096 * 32  # fc2's output


def test_nin_and_tiny_yolov2_split_units_by_hand() -> None:
    nin = sc.split_profile(zoo.profile("nin"))
    conv_macs = [s * s * cin * cout * k * k for s, cin, cout, k in NIN_CONVS]
    assert len(nin.unit_names) == 12  # 9 conv + max-pool + avg-pool + global average pool
    assert nin.layer_flops.sum() == 2 * sum(conv_macs) + sum(NIN_POOLS)
    assert nin.feature_bits[0] == INPUT_BITS and nin.feature_bits[1] == 192 * 32 * 32 * 32
    assert nin.feature_bits[-1] == 10 * 8 * 8 * 32  # conv9's output, before the global pooling
    yolo = sc.split_profile(zoo.profile("tiny_yolov2"), input_bits_per_element=16, feature_bits_per_element=8)
    channels = [16, 32, 64, 128, 256, 512]
    sizes = [32, 16, 8, 4, 2, 1]
    cins = [3, *channels[:-1]]
    conv = [s * s * ci * co * 9 for s, ci, co in zip(sizes, cins, channels, strict=True)]
    conv += [1024 * 512 * 9, 1024 * 1024 * 9, 125 * 1024]  # conv7, conv8 (3x3 on 1x1) and conv9 (1x1)
    pools = [c * (s // 2) ** 2 for c, s in zip(channels[:5], sizes[:5], strict=True)] + [512]
    assert len(yolo.unit_names) == 15  # 9 conv + 6 max-pools (batch norm and ReLU folded)
    assert yolo.layer_flops.sum() == 2 * sum(conv) + sum(pools)
    assert yolo.feature_bits[0] == 3 * 32 * 32 * 16 and yolo.feature_bits[1] == 16 * 32 * 32 * 8


def test_split_profile_rejects_a_dag_and_bad_bit_widths() -> None:
    with pytest.raises(InvalidParameterError, match="chain"):
        sc.split_profile(zoo.profile("resnet18"))
    with pytest.raises(InvalidParameterError, match="feature_bits_per_element"):
        sc.split_profile(zoo.profile("nin"), feature_bits_per_element=0)
    with pytest.raises(InvalidParameterError, match="input_bits_per_element"):
        sc.split_profile(zoo.profile("nin"), input_bits_per_element=float("nan"))


# --------------------------------------------------------------------------- named scenarios
def _counts(p: NomaParams) -> np.ndarray:
    """Users per AP, associating each user with its nearest AP (computed here, not by the model)."""
    d = np.linalg.norm(p.user_positions[:, None, :] - p.ap_positions[None, :, :], axis=2)
    return np.bincount(np.argmin(d, axis=1), minlength=p.n_aps)


def test_every_scenario_builds_as_its_table_says() -> None:
    cfg = sc.config()
    assert sc.names()[0] == "yuan2023-paper-scale" and "defaults" not in sc.names()
    for name in sc.names():
        entry = {**cfg["defaults"], **cfg[name]}
        p = sc.params(name)
        assert isinstance(p, NomaParams)
        assert (p.n_aps, p.n_users, p.n_subchannels) == (entry["n_aps"], entry["n_users"], entry["n_subchannels"])
        assert p.access == entry["access"] and p.profile_name == entry["profile"]
        assert p.device_power_max == pytest.approx(10 ** (entry["device_power_max_dbm"] / 10) / 1000, rel=1e-12)
        assert p.noise_psd == pytest.approx(10 ** (entry["noise_psd_dbm_per_hz"] / 10) / 1000, rel=1e-12)
        assert p.reference_gain == pytest.approx(10 ** (-entry["reference_loss_db"] / 10), rel=1e-12)
        lo, hi = entry["device_speed_range"]
        assert np.all((p.device_speed >= lo) & (p.device_speed <= hi))
        d_own = np.min(np.linalg.norm(p.user_positions[:, None] - p.ap_positions[None], axis=2), axis=1)
        assert np.all((d_own >= entry["min_distance"] - 1e-9) & (d_own <= entry["cell_radius"] + 1e-9))


def test_paper_scale_sizes_and_link_budget() -> None:
    p = sc.params("yuan2023-paper-scale")
    assert (p.n_aps, p.n_users, p.n_subchannels, p.n_units) == (5, 1250, 250, 21)
    assert p.fading_up.shape == p.fading_dn.shape == (1250, 5, 250)
    assert p.bandwidth == 10e6 and p.pathloss_exponent == 5.0 and p.cluster_cap == 3 and p.profile_name == "vgg16"
    assert np.all(_counts(p) == 250)
    # Rayleigh: unit-mean exponential power gains, independent up and down.
    assert p.fading_up.mean() == pytest.approx(1.0, abs=0.005) and p.fading_dn.mean() == pytest.approx(1.0, abs=0.005)
    assert abs(np.corrcoef(p.fading_up.ravel(), p.fading_dn.ravel())[0, 1]) < 0.005
    d = sc.config()["defaults"]
    noise_dbm = d["noise_psd_dbm_per_hz"] + 10 * math.log10(d["bandwidth"] / d["n_subchannels"])
    assert noise_dbm == pytest.approx(-127.98, abs=0.01)
    loss_db = d["reference_loss_db"] + 10 * d["pathloss_exponent"] * math.log10(d["cell_radius"])
    edge_snr_db = d["device_power_max_dbm"] - loss_db - noise_dbm
    assert 0.0 < edge_snr_db < 10.0  # about 4.2 dB on one 40 kHz subchannel
    v_star = (d["w_T"] / (2 * d["w_E"] * d["edge_kappa"])) ** (1 / 3)
    lam = d["edge_unit_speed"] * np.array([d["r_min"], d["r_max"]]) ** d["speedup_exponent"]
    assert lam[0] < v_star < lam[1]


def test_paper_scale_offloading_beats_device_only_by_hand() -> None:
    # One user at the median distance of its cell on one subchannel of its own, full power, no interference,
    # the fastest device: Edge-Only (split 0) has a lower utility than Device-Only.
    d = sc.config()["defaults"]
    units = sc.split_profile(zoo.profile("vgg16"))
    flops = float(units.layer_flops.sum())
    c_dev = d["device_speed_range"][1]
    u_dev = d["w_T"] * flops / c_dev + d["w_E"] * d["device_kappa"] * c_dev**2 * flops
    v_star = (d["w_T"] / (2 * d["w_E"] * d["edge_kappa"])) ** (1 / 3)
    u_srv = d["w_T"] * flops / v_star + d["w_E"] * d["edge_kappa"] * v_star**2 * flops
    b = d["bandwidth"] / d["n_subchannels"]
    noise = 10 ** (d["noise_psd_dbm_per_hz"] / 10) / 1000 * b
    distance = d["cell_radius"] / math.sqrt(2)  # median of the uniform disc (the annulus' is a little above)
    gain = 10 ** (-d["reference_loss_db"] / 10) * distance ** -d["pathloss_exponent"]
    p_up, p_dn = 10 ** (d["device_power_max_dbm"] / 10) / 1000, 10 ** (d["ap_power_max_dbm"] / 10) / 1000
    rate_up = b * math.log2(1 + p_up * gain / noise)
    rate_dn = b * math.log2(1 + p_dn * gain / noise)
    u_link = (
        INPUT_BITS * (d["w_T"] + d["w_E"] * p_up) / rate_up + d["result_bits"] * (d["w_T"] + d["w_E"] * p_dn) / rate_dn
    )
    assert u_srv + u_link < u_dev


def test_figure_scenarios_and_their_sweeps_fit_the_cap() -> None:
    cfg = sc.config()
    for name in sc.names():
        entry = {**cfg["defaults"], **cfg[name]}
        sizes = [{}]
        sizes += [{"n_users": u} for u in entry.get("sweep_n_users", [])]
        sizes += [{"n_subchannels": m} for m in entry.get("sweep_n_subchannels", [])]
        for over in sizes:
            p = sc.params(name, **over)
            cap = 1 if p.access == "oma" else p.cluster_cap
            if p.access == "oma":
                assert p.n_users <= p.n_subchannels, (name, over)
            else:
                assert _counts(p).max() <= cap * p.n_subchannels, (name, over, _counts(p))
    users = sc.params("yuan2023-users")
    assert _counts(users).max() == 18 == users.cluster_cap * users.n_subchannels  # the binding point


def test_seeds_reproduce_and_overrides_apply() -> None:
    a, b = sc.params("yuan2023-users"), sc.params("yuan2023-users")
    assert pickle.dumps(a) == pickle.dumps(b)
    c = sc.params("yuan2023-users", seed=7)
    assert not np.array_equal(a.user_positions, c.user_positions)
    assert pickle.dumps(c) == pickle.dumps(sc.params("yuan2023-users", seed=7))
    # A sweep over M keeps the geometry and the device speeds of the draw.
    m4 = sc.params("yuan2023-subchannels", n_subchannels=4)
    m8 = sc.params("yuan2023-subchannels", n_subchannels=8)
    np.testing.assert_array_equal(m4.user_positions, m8.user_positions)
    np.testing.assert_array_equal(m4.device_speed, m8.device_speed)
    assert m8.n_subchannels == 8
    q = sc.params("tiny-noma", n_users=6, profile="vgg16", access="oma", n_subchannels=6, w_T=0.25, w_E=0.75)
    assert (q.n_users, q.n_units, q.access, q.w_T) == (6, 21, "oma", 0.25)
    heavy = sc.params("yuan2023-workload", workload=3.0)
    np.testing.assert_allclose(heavy.layer_flops, 3.0 * sc.params("yuan2023-workload").layer_flops, rtol=1e-15)
    fading = np.ones((4, 2, 2))
    assert np.all(sc.params("tiny-noma", fading_up=fading).fading_up == 1.0)  # a NomaParams field passed on


def test_unknown_names_and_bad_values_are_rejected() -> None:
    with pytest.raises(InvalidParameterError, match="unknown noma scenario"):
        sc.params("nope")
    with pytest.raises(InvalidParameterError, match="unknown NOMA scenario key"):
        sc.params("tiny-noma", n_user=3)
    with pytest.raises(InvalidParameterError, match="n_users"):
        sc.params("tiny-noma", n_users=2.5)
    with pytest.raises(InvalidParameterError, match="layout"):
        sc.params("tiny-noma", layout="hexagon")
    with pytest.raises(InvalidParameterError, match="cross"):
        sc.params("tiny-noma", n_aps=6)
    with pytest.raises(InvalidParameterError, match="placement"):
        sc.params("tiny-noma", placement="clustered")
    with pytest.raises(InvalidParameterError, match="unknown profile"):
        sc.params("tiny-noma", profile="alexnet")
    with pytest.raises(InvalidParameterError, match="device_speed_range"):
        sc.params("tiny-noma", device_speed_range=[2e9, 1e9])


def test_layouts_keep_aps_one_site_apart() -> None:
    for layout, n in (("cross", 5), ("line", 4), ("grid", 7)):
        aps = sc.ap_layout(n, 250.0, layout)
        d = np.linalg.norm(aps[:, None] - aps[None], axis=2)
        assert aps.shape == (n, 2) and d[~np.eye(n, dtype=bool)].min() == pytest.approx(250.0)


# --------------------------------------------------------------------------- random instances
def test_random_params_stay_in_their_ranges() -> None:
    r = sc.RANGES
    for seed in range(30):
        p = sc.random_params(seed)
        assert p.n_aps == 2 and p.access == "noma" and p.profile_name == "nin"
        assert r["n_users"][0] <= p.n_users <= r["n_users"][1]
        assert r["n_subchannels"][0] <= p.n_subchannels <= r["n_subchannels"][1]
        assert _counts(p).max() <= math.ceil(p.n_users / 2)
        assert r["bandwidth"][0] <= p.bandwidth <= r["bandwidth"][1]
        assert r["pathloss_exponent"][0] <= p.pathloss_exponent <= r["pathloss_exponent"][1]
        dbm = 10 * np.log10(np.array([p.device_power_min, p.device_power_max, p.ap_power_min, p.ap_power_max]) * 1e3)
        assert r["device_power_min_dbm"][0] - 1e-9 <= dbm[0] <= r["device_power_min_dbm"][1] + 1e-9
        assert r["device_power_max_dbm"][0] - 1e-9 <= dbm[1] <= r["device_power_max_dbm"][1] + 1e-9
        assert r["ap_power_min_dbm"][0] - 1e-9 <= dbm[2] <= r["ap_power_min_dbm"][1] + 1e-9
        assert r["ap_power_max_dbm"][0] - 1e-9 <= dbm[3] <= r["ap_power_max_dbm"][1] + 1e-9
        assert np.all((p.device_speed >= r["device_speed"][0]) & (p.device_speed <= r["device_speed"][1]))
        assert r["device_kappa_log10"][0] <= math.log10(p.device_kappa) <= r["device_kappa_log10"][1]
        assert r["edge_kappa_log10"][0] <= math.log10(p.edge_kappa) <= r["edge_kappa_log10"][1]
        assert r["edge_unit_speed"][0] <= p.edge_unit_speed <= r["edge_unit_speed"][1]
        assert p.r_min == 1.0 and r["r_max"][0] <= p.r_max <= r["r_max"][1]
        assert r["speedup_exponent"][0] <= p.speedup_exponent <= r["speedup_exponent"][1]
        assert r["w_T"][0] <= p.w_T <= r["w_T"][1] and p.w_T + p.w_E == pytest.approx(1.0, abs=1e-12)
        assert r["result_bits"][0] <= p.result_bits <= r["result_bits"][1]
        assert pickle.dumps(p) == pickle.dumps(sc.random_params(seed))
    big = sc.random_params(3, n_aps=3, n_users=9, n_subchannels=5, profile="vgg16")
    assert (big.n_aps, big.n_users, big.n_subchannels, big.n_units) == (3, 9, 5, 21)
    oma = sc.random_params(3, access="oma")
    assert oma.access == "oma" and oma.n_users <= oma.n_subchannels <= oma.n_users + 4


def test_small_noma_and_oma_generators() -> None:
    seen_unequal = False
    for seed in range(60):
        p = sc.small_noma_params(seed)
        assert p.n_aps == 2 and 3 <= p.n_users <= 6 and 2 <= p.n_subchannels <= 3 and p.access == "noma"
        counts = _counts(p)
        assert counts.max() <= p.cluster_cap * p.n_subchannels
        seen_unequal |= bool(abs(counts[0] - counts[1]) > 1)
        q = sc.oma_params(seed)
        assert q.access == "oma" and q.n_aps == 2 and 2 <= q.n_users <= 6
        assert q.n_users <= q.n_subchannels <= q.n_users + 4
        assert np.all(_counts(q) >= 1)  # users in both cells
    assert seen_unequal
    assert pickle.dumps(sc.small_noma_params(5)) == pickle.dumps(sc.small_noma_params(5))
    assert pickle.dumps(sc.oma_params(5)) == pickle.dumps(sc.oma_params(5))


def test_wide_params_are_valid_small_and_varied() -> None:
    infeasible = 0
    access: set[str] = set()
    profiles: set[str] = set()
    isd: list[float] = []
    for seed in range(200):
        p = sc.wide_params(seed)
        assert isinstance(p, NomaParams)
        assert p.n_users <= 40 and p.n_subchannels <= 16 and p.n_aps <= 4
        if p.access == "oma":
            assert p.n_users <= p.n_subchannels
        else:
            assert p.n_aps * p.cluster_cap * p.n_subchannels >= p.n_users
            infeasible += int(_counts(p).max() > p.cluster_cap * p.n_subchannels)
        access.add(p.access)
        profiles.add(p.profile_name)
        spacing = np.linalg.norm(p.ap_positions[:, None] - p.ap_positions[None], axis=2)
        if p.n_aps > 1:
            isd.append(float(spacing[~np.eye(p.n_aps, dtype=bool)].min()))
    assert access == {"noma", "oma"} and profiles == set(sc.NETWORKS)
    assert infeasible < 40  # a minority: only an AP over cap x M
    assert min(isd) < 30.0 and max(isd) > 3000.0  # dense and sparse cells
    assert pickle.dumps(sc.wide_params(11)) == pickle.dumps(sc.wide_params(11))
