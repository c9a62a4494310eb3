"""The parts of the window a lesson may point at or a teacher may hide, by object name.

A lesson file names its targets with these strings and is checked against this table without
opening a window (`nnviz lessons validate`); a window test checks that every name here is a real
widget of the window. `HIDEABLE` is teacher mode's subset: the canvas always stays.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nnviz.core.validation import fail, read_list, read_str

#: Object name → what it is, in a learner's words.
TARGETS: dict[str, str] = {
    "networkCanvas": "the network: neurons and the links between them",
    "dataView": "the data: the input plane, the decision boundary or the predictions",
    "build_dock": "the Build panel: data, layers, optimizer and training settings",
    "datasetSection": "the Build panel's Data section",
    "layersSection": "the Build panel's Network section: layers, units, activations",
    "optimizerSection": "the Build panel's Loss and optimizer section, learning rate included",
    "trainingSection": "the Build panel's Training section: batch size, epochs",
    "plots_dock": "the training curves",
    "lossPlot": "the loss curve: training and test loss",
    "scorePlot": "the accuracy (or R²) curve",
    "gradNormPlot": "the gradient size of each layer",
    "stuckPlot": "the share of stuck units per layer",
    "training_toolbar": "Play, Step, Epoch and Reset, and what the network animates",
    "statusBar": "the status bar: epoch, step, loss and accuracy",
    "inspectorDock": "the neuron inspector: one neuron's numbers, written out",
    "stepThrough": "the step-through: one training step, phase by phase",
    "activationExplorer": "the activation explorer: f(z), f′(z) and where a layer's z values sit",
    "lossExplorer": "the loss explorer: one sample's loss and its gradient",
    "timelineSlider": "the timeline: any earlier moment of the run",
    "runsDock": "the Runs panel: runs side by side, and races",
    "raceButton": "the Runs panel's Race… button",
    "distributionsDock": "the distributions of weights, activations and gradients",
    "confusionMatrix": "the confusion matrix of the test split",
    "weightImages": "the first layer's weights drawn as pictures",
    "mistakesGallery": "the test pictures the network gets wrong",
    "layerSpace": "the layer space: the data as each layer sees it",
    "optimizerPlayground": "the optimizer playground",
    "playgroundPlot": "the playground's surface and paths",
    "playgroundRate": "the playground's learning-rate slider",
    "playgroundBeta1": "the playground's momentum / β₁ slider",
    "playgroundSurface": "the playground's choice of surface",
    "playgroundStepMode": "the playground's step mode",
}

#: What teacher mode may hide (everything but the network canvas).
HIDEABLE: tuple[str, ...] = (
    "dataView",
    "build_dock",
    "plots_dock",
    "lossPlot",
    "scorePlot",
    "gradNormPlot",
    "stuckPlot",
    "training_toolbar",
    "statusBar",
)

#: The design `meta` key that carries teacher mode's hidden parts.
HIDE_KEY = "hide"


def read_target(value: Any, where: str) -> str:
    name = read_str(value, where, 80)
    if name not in TARGETS:
        fail(where, f"unknown part of the window {name!r} (valid: {', '.join(TARGETS)})")
    return name


def read_targets(value: Any, where: str) -> tuple[str, ...]:
    return tuple(
        read_target(item, f"{where}[{i}]") for i, item in enumerate(read_list(value, where))
    )


def read_hidden(value: Any, where: str) -> tuple[str, ...]:
    """Teacher mode's list of parts to hide; DesignError naming `where` for a bad one."""
    names = []
    for i, item in enumerate(read_list(value, where)):
        name = read_str(item, f"{where}[{i}]", 80)
        if name not in HIDEABLE:
            fail(f"{where}[{i}]", f"cannot hide {name!r} (valid: {', '.join(HIDEABLE)})")
        names.append(name)
    return tuple(names)


def hidden_parts(meta: Mapping[str, Any]) -> tuple[str, ...]:
    """The parts a design's `meta.hide` hides (teacher mode); DesignError if it is malformed."""
    return read_hidden(meta[HIDE_KEY], f"meta.{HIDE_KEY}") if HIDE_KEY in meta else ()
