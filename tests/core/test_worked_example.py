"""The worksheet: every loss and activation has its words, and the numbers are the walk's."""

from __future__ import annotations

import re

import pytest
from design_factory import xor_design

from nnviz.core.activations import ACTIVATIONS
from nnviz.core.design import Design
from nnviz.core.losses import LOSSES
from nnviz.core.trainer import Trainer
from nnviz.core.worked_example import (
    ACTIVATION_TEXT,
    FORMATS,
    LOSS_TEXT,
    MAX_ROWS,
    formatter,
    render,
)

OUTPUT_FOR_LOSS = {
    "mse": ("linear", 1),
    "mae": ("sigmoid", 1),
    "huber": ("tanh", 1),
    "binary_cross_entropy": ("sigmoid", 1),
    "cross_entropy": ("softmax", 2),
}


def walk(loss="mse", hidden="tanh", units=3, dtype="float64", **changes):
    act, outputs = OUTPUT_FOR_LOSS[loss]
    design = xor_design(
        layers=[{"units": units, "activation": hidden}, {"units": outputs, "activation": act}],
        loss=loss,
        training={"dtype": dtype, "batch_size": 4},
        **changes,
    )
    t = Trainer(Design.from_dict(design))
    t.step_batch()
    return t.walkthrough()


def test_every_loss_and_activation_has_its_words():
    assert set(LOSS_TEXT) == set(LOSSES)
    assert set(ACTIVATION_TEXT) == set(ACTIVATIONS)


@pytest.mark.parametrize("loss", LOSSES.names())
@pytest.mark.parametrize("fmt", FORMATS.names())
def test_every_loss_prints_its_value_and_gradients(loss, fmt):
    w = walk(loss)
    f = formatter(w.dtype)
    text = render(w, fmt, "t")
    assert f"= {f(w.sample_loss)}" in text
    out = w.layers[-1]
    for j in range(out.units):
        assert f"= {f(out.dL_da[j])}" in text
        assert f(out.dL_dz[j]) in text
    assert f"{f(w.layers[0].W[0, 0])}·" in text
    assert f(w.layers[-1].W_after[0, 0]) in text


@pytest.mark.parametrize("hidden", [a for a in ACTIVATIONS.names() if a != "softmax"])
def test_every_activation_writes_f_and_its_slope(hidden):
    w = walk(hidden=hidden)
    text = render(w, "text", "t")
    assert ACTIVATION_TEXT.get(hidden)[0] in text and ACTIVATION_TEXT.get(hidden)[1] in text
    f = formatter(w.dtype)
    hid = w.layers[0]
    slopes = ACTIVATIONS.get(hidden).derivative(hid.z[None], hid.a[None])[0]
    for j in range(hid.units):
        assert f(slopes[j]) in text and f(hid.dL_dz[j]) in text


def test_float32_prints_seven_digits_and_text_equals_markdown_in_numbers():
    w = walk(dtype="float32")
    assert formatter("float32")(1 / 3) == "0.3333333"
    numbers = re.compile(r"−?\d+\.\d+(?:e[−+-]?\d+)?")
    text, md = render(w, "text", "t"), render(w, "markdown", "t")
    assert numbers.findall(text) == numbers.findall(md)


def test_wide_layers_are_cut_short_with_a_note():
    w = walk(units=MAX_ROWS + 6)
    text = render(w, "text", "t")
    assert "… and 6 more neurons (see --format json)." in text
    assert "more parameters (see --format json)." in text


def test_regularization_and_the_optimizer_rule_are_written_out():
    w = walk(
        regularization={"kind": "l1", "rate": 0.01},
        optimizer={"name": "adam", "learning_rate": 0.02},
    )
    md = render(w, "markdown", "t")
    assert "l1 penalty on the weights" in md and "+ 0.01·sign(w)" in md
    assert "m̂ = m/(1 − β₁ᵗ)" in md and "| m̂ |" in md.replace(" m̂ ", " m̂ ")
