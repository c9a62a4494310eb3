import math

import pytest

from nnviz.core.readouts import percent, significant


@pytest.mark.parametrize(
    ("value", "digits", "shown"),
    [
        (0.5, 4, "0.5000"),
        (0.016912, 4, "0.01691"),
        (0.0012345, 4, "0.001234"),
        (3.2104e-5, 4, "3.210e-5"),  # a tiny training loss keeps its digits, not "0.0000"
        (0.00099996, 4, "1.000e-3"),
        (12.3456, 4, "12.35"),
        (99999.0, 4, "99999"),
        (123456.0, 4, "1.235e5"),
        (1e300, 4, "1.000e300"),
        (-3.5e301, 3, "-3.50e301"),
        (0.0, 4, "0"),
        (0.99871, 3, "0.999"),
        (math.nan, 4, "–"),
        (math.inf, 4, "–"),
    ],
)
def test_a_status_number_keeps_its_significant_digits_in_a_short_text(value, digits, shown):
    assert significant(value, digits) == shown
    assert len(significant(-abs(value) if value else value, digits)) <= 11


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


def test_a_split_says_when_its_epoch_values_are_a_sample_of_it():
    from nnviz.core.readouts import evaluation_note, split_label

    assert split_label("train", 2000, 56000) == "train · 2,000 of 56,000"
    assert split_label("test", 900, 900) == "test"
    note = evaluation_note({"train": (2000, 56000), "test": (2000, 14000)})
    assert "2,000 of the 56,000 train and 2,000 of the 14,000 test samples" in note
    assert evaluation_note({"train": (50, 50), "test": (20, 20)}) == ""
