"""A walkthrough written out as a teacher's worksheet: formulas with the numbers plugged in and
a table per layer, as plain text or Markdown (`render(walk, fmt, title)`).

The document is built once as a list of blocks (headings, paragraphs, formula lines, tables) and
each format only lays the blocks out, so the text and Markdown forms always say the same thing.
Numbers are printed with 9 significant digits for float64 and 7 for float32 (what the dtype
holds), so every printed digit agrees with the engine. Layers wider than `MAX_ROWS` neurons or
weights are cut short with a note; `nnviz explain --format json` has every number.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from nnviz.core.activations import ACTIVATIONS
from nnviz.core.registry import Registry
from nnviz.core.regularizers import REGULARIZERS
from nnviz.core.walkthrough import LayerStep, Walkthrough

MAX_ROWS = 24  # table rows per layer before the rest is summarised
MAX_TERMS = 6  # terms of a written-out sum before it is shortened


@dataclass(frozen=True)
class Block:
    """One piece of the worksheet: kind is "h1", "h2", "h3", "p", "formula" or "table"."""

    kind: str
    text: str = ""
    lines: tuple[str, ...] = ()
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()


# ------------------------------------------------------------------- what each choice means


@dataclass(frozen=True)
class LossText:
    """A loss in the words of a worksheet, for one sample with k outputs."""

    formula: str
    gradient: str
    terms: Callable[[np.ndarray, np.ndarray, Callable[[float], str]], str]
    # ∂ℓ/∂a of output j with the numbers in: (a, y, j, f) → text
    gradient_terms: Callable[[np.ndarray, np.ndarray, int, Callable[[float], str]], str]


def _p(x: float, f: Callable[[float], str]) -> str:
    """A number as a factor: negative ones in parentheses."""
    return f"({f(x)})" if x < 0 else f(x)


def _mean_of(term: str):
    """ℓ written out as the mean over the outputs of `term` (with {a} and {y} filled in)."""

    def terms(a, y, f):
        k = len(a)
        parts = " + ".join(term.format(a=f(ai), y=f(yi)) for ai, yi in zip(a, y, strict=True))
        return f"({parts})/{k}" if k > 1 else parts

    return terms


def _binary(a, y, f):
    k = len(a)
    parts = " + ".join(
        f"{f(yi)}·log {f(ai)} + (1 − {f(yi)})·log(1 − {f(ai)})" for ai, yi in zip(a, y, strict=True)
    )
    return f"−({parts})/{k}" if k > 1 else f"−({parts})"


def _categorical(a, y, f):
    if y.ndim == 0:
        c = int(y)
        return f"−log a_{c + 1} = −log {f(a[c])}"
    parts = " + ".join(f"{f(yi)}·log {f(ai)}" for ai, yi in zip(a, y, strict=True) if yi)
    return f"−({parts})"


def _squared_grad(a, y, j, f):
    return f"2·({f(a[j])} − {_p(y[j], f)})/{len(a)}"


def _absolute_grad(a, y, j, f):
    return f"sign({f(a[j])} − {_p(y[j], f)})/{len(a)}"


def _huber_grad(a, y, j, f):
    return f"clip({f(a[j])} − {_p(y[j], f)}, −1, 1)/{len(a)}"


def _binary_grad(a, y, j, f):
    return f"({f(a[j])} − {f(y[j])})/({len(a)}·{f(a[j])}·(1 − {f(a[j])}))"


def _categorical_grad(a, y, j, f):
    if y.ndim == 0:
        return f"−1/{f(a[j])}" if j == int(y) else "0"
    return f"−{f(y[j])}/{f(a[j])}" if y[j] else "0"


LOSS_TEXT: Registry[LossText] = Registry("loss text")
LOSS_TEXT.add(
    "mse",
    LossText(
        "ℓ = (1/k)·Σⱼ (aⱼ − yⱼ)²",
        "∂ℓ/∂aⱼ = 2·(aⱼ − yⱼ)/k",
        _mean_of("({a} − {y})²"),
        _squared_grad,
    ),
    "Mean squared error over the k outputs.",
)
LOSS_TEXT.add(
    "mae",
    LossText(
        "ℓ = (1/k)·Σⱼ |aⱼ − yⱼ|",
        "∂ℓ/∂aⱼ = sign(aⱼ − yⱼ)/k",
        _mean_of("|{a} − {y}|"),
        _absolute_grad,
    ),
    "Mean absolute error over the k outputs.",
)
LOSS_TEXT.add(
    "huber",
    LossText(
        "ℓ = (1/k)·Σⱼ h(aⱼ − yⱼ), h(d) = d²/2 if |d| ≤ 1, else |d| − 1/2",
        "∂ℓ/∂aⱼ = clip(aⱼ − yⱼ, −1, 1)/k",
        _mean_of("h({a} − {y})"),
        _huber_grad,
    ),
    "Huber loss (delta 1) over the k outputs.",
)
LOSS_TEXT.add(
    "binary_cross_entropy",
    LossText(
        "ℓ = −(1/k)·Σⱼ [yⱼ·log aⱼ + (1 − yⱼ)·log(1 − aⱼ)]",
        "∂ℓ/∂aⱼ = (aⱼ − yⱼ)/(k·aⱼ·(1 − aⱼ)); through the sigmoid, ∂ℓ/∂zⱼ = (aⱼ − yⱼ)/k",
        _binary,
        _binary_grad,
    ),
    "Binary cross-entropy on sigmoid outputs.",
)
LOSS_TEXT.add(
    "cross_entropy",
    LossText(
        "ℓ = −Σⱼ yⱼ·log aⱼ (a class index c as target: ℓ = −log a_c)",
        "∂ℓ/∂aⱼ = −yⱼ/aⱼ (zero but for the target class); through the softmax's Jacobian "
        "∂ℓ/∂zⱼ = aⱼ·(∂ℓ/∂aⱼ − Σₘ aₘ·∂ℓ/∂aₘ) = aⱼ − yⱼ",
        _categorical,
        _categorical_grad,
    ),
    "Cross-entropy on a softmax output.",
)

#: f(z) and f′(z) of every activation, as a worksheet writes them.
ACTIVATION_TEXT: Registry[tuple[str, str]] = Registry("activation text")
for _name, _f, _df in (
    ("linear", "a = z", "f′(z) = 1"),
    ("relu", "a = max(0, z)", "f′(z) = 1 if z > 0, else 0"),
    ("leaky_relu", "a = z if z > 0, else 0.01·z", "f′(z) = 1 if z > 0, else 0.01"),
    ("elu", "a = z if z > 0, else eᶻ − 1", "f′(z) = 1 if z > 0, else eᶻ"),
    (
        "gelu",
        "a = z·(1 + tanh(√(2/π)·(z + 0.044715·z³)))/2",
        "f′(z) = the derivative of that formula",
    ),
    ("sigmoid", "a = 1/(1 + e⁻ᶻ)", "f′(z) = a·(1 − a)"),
    ("tanh", "a = tanh(z)", "f′(z) = 1 − a²"),
    ("softplus", "a = log(1 + eᶻ)", "f′(z) = sigmoid(z)"),
    ("silu", "a = z·sigmoid(z)", "f′(z) = s·(1 + z·(1 − s)), s = sigmoid(z)"),
    (
        "softmax",
        "aⱼ = e^zⱼ / Σₘ e^zₘ",
        "∂aⱼ/∂zₘ = aⱼ·([j = m] − aₘ), so ∂ℓ/∂zⱼ = aⱼ·(∂ℓ/∂aⱼ − Σₘ aₘ·∂ℓ/∂aₘ)",
    ),
):
    ACTIVATION_TEXT.add(_name, (_f, _df), _f)

STATE_NAMES = {
    "momentum_buffer": "momentum buffer v",
    "exp_avg": "m",
    "exp_avg_sq": "v",
    "m_hat": "m̂",
    "v_hat": "v̂",
    "square_avg": "s",
    "sum": "s",
}


# ------------------------------------------------------------------- building the worksheet


def formatter(dtype: str) -> Callable[[float], str]:
    """Numbers with the digits the dtype holds: 9 significant for float64, 7 for float32."""
    digits = 7 if dtype == "float32" else 9

    def fmt(x: float) -> str:
        text = f"{float(x):.{digits}g}"
        return "0" if text == "-0" else text.replace("-", "−")

    return fmt


def _vector(values: Sequence[float], f: Callable[[float], str]) -> str:
    shown = [f(v) for v in values[:MAX_TERMS]]
    if len(values) > MAX_TERMS:
        shown.append(f"… ({len(values)} values)")
    return "(" + ", ".join(shown) + ")"


def _sum(terms: Sequence[tuple[float, float]], f: Callable[[float], str]) -> str:
    """w₁·a₁ + w₂·a₂ + … with the numbers, shortened for long sums."""
    parts = [f"{f(w)}·{_p(a, f)}" for w, a in terms[:MAX_TERMS]]
    if len(terms) > MAX_TERMS:
        parts.append(f"… ({len(terms)} terms)")
    return " + ".join(parts).replace("+ −", "− ")


def _layer_name(walk: Walkthrough, layer: LayerStep) -> str:
    role = "output layer" if layer.index == len(walk.layers) - 1 else "hidden layer"
    return f"Layer {layer.index + 1} ({role}: {layer.units} {layer.activation} units)"


def _input_name(k: int) -> str:
    return "x" if k == 0 else f"a⁽{k}⁾"


def _derivatives(layer: LayerStep) -> np.ndarray | None:
    act = ACTIVATIONS.get(layer.activation)
    if not act.elementwise:
        return None
    return act.derivative(layer.z[None], layer.a[None])[0]


def worksheet(walk: Walkthrough, title: str) -> list[Block]:
    """The whole worked example as blocks, in the order a learner computes it."""
    f = formatter(walk.dtype)
    blocks: list[Block] = [Block("h1", f"Worked example: one training step of {title}")]
    blocks += _setting(walk, f)
    blocks += _forward(walk, f)
    blocks += _loss(walk, f)
    blocks += _backward(walk, f)
    blocks += _gradients(walk, f)
    blocks += _update(walk, f)
    return blocks


def _setting(walk: Walkthrough, f) -> list[Block]:
    sizes = "-".join(
        str(n) for n in (walk.layers[0].fan_in, *(layer.units for layer in walk.layers))
    )
    batch = ", ".join(str(r) for r in walk.batch[:MAX_ROWS])
    if len(walk.batch) > MAX_ROWS:
        batch += ", …"
    if len(walk.batch) == 1 and walk.in_batch:
        where = "the batch's only row"
    else:
        how = "one of" if walk.in_batch else "not in"
        where = f"{how} the batch of {len(walk.batch)} rows: {batch}"
        if not walk.in_batch:
            where += " (its terms are shown, but are no part of the batch's gradient)"
    reg = (
        "no regularization"
        if walk.regularization is None
        else f"{walk.regularization[0]} regularization, rate {f(walk.regularization[1])}"
    )
    target = str(int(walk.target)) if walk.target.ndim == 0 else _vector(walk.target, f)
    target_note = " (a class index, counted from 0)" if walk.target.ndim == 0 else ""
    return [
        Block(
            "p",
            f"Training step {walk.step + 1}: the weights after {walk.step} updates "
            f"(W_{walk.step}) go through the forward and backward pass, and the optimizer turns "
            f"them into W_{walk.step + 1}. Network {sizes}, loss {walk.loss_name}, {reg}, "
            f"{walk.rule.title}, {walk.dtype}.",
        ),
        Block(
            "p",
            f"We follow sample #{walk.sample} (row {walk.sample} of the training set), {where}.",
        ),
        Block("formula", lines=(f"x = {_vector(walk.x, f)}", f"y = {target}{target_note}")),
    ]


def _forward(walk: Walkthrough, f) -> list[Block]:
    blocks = [
        Block("h2", "1. Forward pass"),
        Block(
            "p",
            "Each neuron j adds up its inputs times their weights, plus its bias, then applies "
            "its activation: zⱼ = Σᵢ aᵢ·wᵢⱼ + bⱼ and aⱼ = f(zⱼ).",
        ),
    ]
    for layer in walk.layers:
        k = layer.index
        forward, _ = ACTIVATION_TEXT.get(layer.activation)
        blocks += [
            Block("h3", _layer_name(walk, layer)),
            Block(
                "formula", lines=(f"inputs {_input_name(k)} = {_vector(layer.a_in, f)}", forward)
            ),
        ]
        rows = []
        for j in range(min(layer.units, MAX_ROWS)):
            terms = list(zip(layer.W[:, j], layer.a_in, strict=True))
            written = f"{_sum(terms, f)} + {f(layer.b[j])}".replace("+ −", "− ")
            rows.append((str(j + 1), written, f(layer.z[j]), f(layer.a[j])))
        blocks.append(
            Block("table", header=("neuron", "Σ w·a + b", "z", "a = f(z)"), rows=tuple(rows))
        )
        blocks += _more(layer.units, "neurons")
    return blocks


def _more(total: int, what: str) -> list[Block]:
    if total <= MAX_ROWS:
        return []
    return [Block("p", f"… and {total - MAX_ROWS} more {what} (see --format json).")]


def _loss(walk: Walkthrough, f) -> list[Block]:
    text = LOSS_TEXT.get(walk.loss_name)
    out = walk.output
    lines = [
        text.formula,
        f"ℓ = {text.terms(out, walk.target, f)} = {f(walk.sample_loss)}",
    ]
    blocks = [
        Block("h2", "2. Loss"),
        Block("p", f"The sample's own loss ℓ ({walk.loss_name}), with k = {len(out)} outputs:"),
        Block("formula", lines=tuple(lines)),
    ]
    if walk.loss_name == "mse":
        blocks.append(
            Block(
                "p",
                "This is PyTorch's MSELoss: the mean over the k outputs (and over the batch). "
                "Textbooks often write E = ½·Σⱼ (yⱼ − aⱼ)² instead; E = (k/2)·ℓ, so with two "
                "outputs the two are the same number, and so are their gradients.",
            )
        )
    if walk.regularization is not None:
        kind = walk.regularization[0]
        total = (
            f"L = {f(walk.data_loss)} + {f(walk.penalty)} ({kind} penalty on the weights) "
            f"= {f(walk.loss)}"
        )
    else:
        total = f"L = {f(walk.loss)}"
    if len(walk.batch) == 1:
        how = "The batch is this one sample, so its data loss is ℓ"
    else:
        how = f"The batch's data loss is the mean of ℓ over its {len(walk.batch)} samples"
    extra = ", plus the penalty" if walk.regularization is not None else ""
    blocks.append(Block("p", f"{how}{extra}: {total}."))
    return blocks


def _backward(walk: Walkthrough, f) -> list[Block]:
    text = LOSS_TEXT.get(walk.loss_name)
    blocks = [
        Block("h2", "3. Backward pass (chain rule, for this sample's ℓ)"),
        Block(
            "p",
            "From the output back: ∂ℓ/∂a of the output comes from the loss, ∂ℓ/∂a of a hidden "
            "neuron j is Σₘ wⱼₘ·∂ℓ/∂zₘ over the next layer, and ∂ℓ/∂z = ∂ℓ/∂a · f′(z).",
        ),
    ]
    n = len(walk.layers)
    for layer in reversed(walk.layers):
        k = layer.index
        _, derivative = ACTIVATION_TEXT.get(layer.activation)
        source = text.gradient if k == n - 1 else "∂ℓ/∂aⱼ = Σₘ wⱼₘ·∂ℓ/∂zₘ (next layer)"
        blocks += [
            Block("h3", _layer_name(walk, layer)),
            Block("formula", lines=(source, derivative)),
        ]
        slopes = _derivatives(layer)
        rows = []
        nxt = walk.layers[k + 1] if k + 1 < n else None
        for j in range(min(layer.units, MAX_ROWS)):
            if nxt is None:
                how = f"{text.gradient_terms(layer.a, walk.target, j, f)} = {f(layer.dL_da[j])}"
            else:
                terms = list(zip(nxt.W[j], nxt.dL_dz, strict=True))
                how = f"{_sum(terms, f)} = {f(layer.dL_da[j])}"
            slope = "Jacobian" if slopes is None else f(slopes[j])
            rows.append((str(j + 1), how, slope, f(layer.dL_dz[j])))
        last = "∂ℓ/∂z (Jacobian)" if slopes is None else "∂ℓ/∂z = ∂ℓ/∂a·f′(z)"
        blocks.append(Block("table", header=("neuron", "∂ℓ/∂a", "f′(z)", last), rows=tuple(rows)))
        blocks += _more(layer.units, "neurons")
    return blocks


def _gradients(walk: Walkthrough, f) -> list[Block]:
    batch = len(walk.batch)
    reg = ""
    if walk.regularization is not None:
        kind, rate = walk.regularization
        reg = " + " + REGULARIZERS.get(kind).gradient.format(rate=f(rate))
    blocks = [
        Block("h2", "4. Gradients"),
        Block(
            "p",
            "For this sample, ∂ℓ/∂wᵢⱼ = aᵢ·∂ℓ/∂zⱼ and ∂ℓ/∂bⱼ = ∂ℓ/∂zⱼ (wᵢ→ⱼ is the weight "
            "from input i to neuron j: row i, column j of W). The optimizer uses the batch's "
            f"gradient: the mean of these over {_samples(batch)}"
            + (", plus the penalty's gradient (weights only)" if reg else "")
            + ".",
        ),
        Block(
            "formula",
            lines=(
                f"∂L/∂wᵢⱼ = (1/{batch})·Σ_samples aᵢ·∂ℓ/∂zⱼ{reg}",
                f"∂L/∂bⱼ = (1/{batch})·Σ_samples ∂ℓ/∂zⱼ",
            ),
        ),
    ]
    for layer in walk.layers:
        rows = []
        source = _input_name(layer.index)
        for i, j in _params(layer):
            if i is None:
                rows.append(
                    (
                        f"b{j + 1}",
                        "1",
                        f(layer.dL_dz[j]),
                        f(layer.sample_dL_db[j]),
                        f(layer.dL_db[j]),
                    )
                )
            else:
                rows.append(
                    (
                        f"w{i + 1}→{j + 1}",
                        f(layer.a_in[i]),
                        f(layer.dL_dz[j]),
                        f(layer.sample_dL_dW[i, j]),
                        f(layer.dL_dW[i, j]),
                    )
                )
        blocks += [
            Block("h3", _layer_name(walk, layer)),
            Block(
                "table",
                header=("parameter", f"aᵢ ({source})", "∂ℓ/∂zⱼ", "∂ℓ/∂w (sample)", "∂L/∂w (batch)"),
                rows=tuple(rows),
            ),
        ]
        blocks += _more_params(layer)
    return blocks


def _samples(n: int) -> str:
    return "the batch's one sample" if n == 1 else f"the batch's {n} samples"


def _params(layer: LayerStep) -> list[tuple[int | None, int]]:
    """(input i, neuron j) of every weight, then (None, j) of every bias, cut at MAX_ROWS."""
    every = [(i, j) for j in range(layer.units) for i in range(layer.fan_in)]
    every += [(None, j) for j in range(layer.units)]
    return every[:MAX_ROWS]


def _more_params(layer: LayerStep) -> list[Block]:
    total = layer.units * (layer.fan_in + 1)
    if total <= MAX_ROWS:
        return []
    return [Block("p", f"… and {total - MAX_ROWS} more parameters (see --format json).")]


def _update(walk: Walkthrough, f) -> list[Block]:
    rule = walk.rule
    blocks = [
        Block("h2", "5. Update"),
        Block(
            "p",
            f"{rule.title} changes every weight and bias on its own, g being its ∂L/∂w from "
            "the batch:",
        ),
        Block("formula", lines=(*rule.lines, "with " + ", ".join(rule.values))),
    ]
    for layer in walk.layers:
        keys = list(layer.state)
        header = ("parameter", "w", "g = ∂L/∂w", *(STATE_NAMES.get(k, k) for k in keys), "w after")
        rows = []
        for i, j in _params(layer):
            if i is None:
                name, before, grad, after = (
                    f"b{j + 1}",
                    layer.b[j],
                    layer.dL_db[j],
                    layer.b_after[j],
                )
                state = [f(layer.state[k][1][j]) for k in keys]
            else:
                name = f"w{i + 1}→{j + 1}"
                before, grad, after = layer.W[i, j], layer.dL_dW[i, j], layer.W_after[i, j]
                state = [f(layer.state[k][0][i, j]) for k in keys]
            rows.append((name, f(before), f(grad), *state, f(after)))
        blocks += [
            Block("h3", _layer_name(walk, layer)),
            Block("table", header=header, rows=tuple(rows)),
        ]
        blocks += _more_params(layer)
    if rule.optimizer == "sgd" and len(rule.lines) == 1:
        first = walk.layers[-1]
        blocks.append(
            Block(
                "p",
                f"For example w1→1 of layer {first.index + 1}: {f(first.W[0, 0])} − "
                f"{f(walk.learning_rate)}·{f(first.dL_dW[0, 0])} = {f(first.W_after[0, 0])}.",
            )
        )
    return blocks


# ------------------------------------------------------------------- laying it out


def _markdown(blocks: list[Block]) -> str:
    out: list[str] = []
    for block in blocks:
        if block.kind in ("h1", "h2", "h3"):
            out.append("#" * int(block.kind[1]) + " " + block.text)
        elif block.kind == "p":
            out.append(block.text)
        elif block.kind == "formula":
            out.append("\n".join("    " + line for line in block.lines))
        else:
            cells = [block.header, *block.rows]
            lines = ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in cells]
            lines.insert(1, "|" + "|".join("---" for _ in block.header) + "|")
            out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


def _text(blocks: list[Block]) -> str:
    out: list[str] = []
    underline = {"h1": "=", "h2": "-"}
    for block in blocks:
        if block.kind in underline:
            out.append(f"{block.text}\n{underline[block.kind] * len(block.text)}")
        elif block.kind == "h3":
            out.append(block.text + ":")
        elif block.kind == "p":
            out.append(_wrap(block.text))
        elif block.kind == "formula":
            out.append("\n".join("    " + line for line in block.lines))
        else:
            cells = [block.header, *block.rows]
            widths = [max(len(row[c]) for row in cells) for c in range(len(block.header))]
            lines = [
                "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
                for row in cells
            ]
            lines.insert(1, "  ".join("-" * w for w in widths))
            out.append("\n".join("    " + line for line in lines))
    return "\n\n".join(out) + "\n"


def _wrap(text: str, width: int = 92) -> str:
    return textwrap.fill(text, width, break_on_hyphens=False)


FORMATS: Registry[Callable[[list[Block]], str]] = Registry("format")
FORMATS.add("text", _text, "Plain text: headings underlined, aligned columns.")
FORMATS.add("markdown", _markdown, "Markdown: headings, formula blocks and pipe tables.")


def render(walk: Walkthrough, fmt: str, title: str) -> str:
    """The worked example of `walk` as `fmt` ("text" or "markdown"); `title` names the design."""
    return FORMATS.get(fmt)(worksheet(walk, title))


def markdown_of_next_step(trainer) -> str:
    """The worked example of a trainer's next step, for its traced sample (else the batch's
    first row), as Markdown; call it from the thread that trains."""
    return render(trainer.walkthrough(), "markdown", trainer.design.name)
