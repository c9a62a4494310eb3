import math

import pytest

from nnviz.core.readouts import fixed, percent


@pytest.mark.parametrize(
    ("value", "decimals", "shown"),
    [
        (0.012345, 4, "0.0123"),
        (123456.0, 2, "123456.00"),
        (1e300, 4, "1.000e+300"),
        (-3.5e301, 3, "-3.50e+301"),
        (math.nan, 4, "–"),
        (math.inf, 4, "–"),
    ],
)
def test_a_status_number_stays_short_however_big(value, decimals, shown):
    assert fixed(value, decimals) == shown


def test_percent():
    assert percent(0.5) == "50.0%" and percent(math.nan) == "–"
