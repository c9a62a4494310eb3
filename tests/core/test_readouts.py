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


@pytest.mark.parametrize(
    ("message", "plain"),
    [
        (
            "loss: cross_entropy needs a softmax output layer (layers[2] uses tanh)",
            "Loss: cross_entropy needs a softmax output layer (layer 3 uses tanh)",
        ),
        ("layers[1].units: must be at most 4096", "Layer 2 units: must be at most 4096"),
        ("dataset.test_fraction: must be below 1", "Dataset test fraction: must be below 1"),
        ("the file is empty", "the file is empty"),
        ("optimizer.beta2: must be below 1", "Optimizer beta2: must be below 1"),
        ("training.schedule.gamma: must be above 0", "Training schedule gamma: must be above 0"),
        ("meta.hide[0]: unknown part", "Meta hide[0]: unknown part"),
        # a message about a data file names the file as it is
        ("iris.data: row 3, column 2: empty cell", "iris.data: row 3, column 2: empty cell"),
        (
            "dataset.csv: row 2, column 'sex': not a number",
            "dataset.csv: row 2, column 'sex': not a number",
        ),
        ("my_table.csv: file is empty", "my_table.csv: file is empty"),
        (
            "training.tsv: no data rows after the header",
            "training.tsv: no data rows after the header",
        ),
        (
            "pets: class folder 'cats' has no readable images",
            "pets: class folder 'cats' has no readable images",
        ),
    ],
)
def test_design_messages_read_as_words_in_the_window(message, plain):
    from nnviz.core.errors import plain_words

    assert plain_words(message) == plain


@pytest.mark.parametrize(
    ("value", "label"),
    [(0.25, "0.25"), (0.0001, "0.0001"), (2000.0, "2000"), (8e300, "8e300"), (1e-5, "1e-5")],
)
def test_tick_labels_stay_short(value, label):
    from nnviz.core.readouts import tick

    assert tick(value) == label
