import numpy as np
from scipy.special import lambertw

from edgeopt.models import channel, compute
from edgeopt.solvers.lambert import priced_spectral_efficiency, priced_transmission_lhs


def test_db_helpers_round_trip():
    assert np.isclose(channel.dbm_to_watt(30.0), 1.0)
    assert np.isclose(channel.watt_to_dbm(0.001), 0.0)
    assert np.isclose(channel.db_to_linear(10.0), 10.0)
    assert np.isclose(channel.linear_to_db(100.0), 20.0)
    assert np.isclose(channel.dbm_per_hz_to_watt_per_hz(-174), 3.981e-21, rtol=1e-3)


def test_rates_nats_and_bits():
    r_nats = channel.shannon_rate_nats(1.0, 1e-6, 1e6, 1e-15)
    assert np.isclose(r_nats, 1e6 * np.log(1 + 1e-6 / 1e-9))
    assert np.isclose(channel.shannon_rate_bits(1.0, 1e-6, 1e6, 1e-15), r_nats / np.log(2))


def test_perspective_rate_matches_rate_times_time():
    t, e = 0.01, 0.002
    expected = t * channel.shannon_rate_nats(e / t, 1e-7, 2e5, 4e-21)
    assert np.isclose(channel.perspective_rate_nats(t, e, 1e-7, 2e5, 4e-21), expected)
    assert channel.perspective_rate_nats(0.0, 0.0, 1e-7, 2e5, 4e-21) == 0.0


def test_power_for_rate_inverts_rate():
    p = channel.power_for_rate_nats(1000.0, 1e-3, 1e-7, 1e6, 4e-21)
    assert np.isclose(1e-3 * channel.shannon_rate_nats(p, 1e-7, 1e6, 4e-21), 1000.0)


def test_cmos_energy_eq12():
    assert np.isclose(compute.cmos_energy(1e-28, 1e9, 0.5), 1e-28 * 1e27 / 0.25)
    assert compute.cmos_energy(1e-28, 0.0, 0.0) == 0.0
    assert np.isclose(compute.cmos_energy_per_cycle(1e-28, 1e9), 1e-10)


def test_priced_spectral_efficiency_matches_lambert_w():
    y = np.logspace(-10, 12, 400)
    x = priced_spectral_efficiency(y)
    assert np.max(np.abs(priced_transmission_lhs(x) - y) / y) < 1e-12
    mid = y[(y > 1e-3) & (y < 1e8)]
    ref = 1.0 + lambertw((mid - 1.0) / np.e).real
    assert np.allclose(priced_spectral_efficiency(mid), ref, rtol=1e-12)
    assert priced_spectral_efficiency(0.0) == 0.0
