"""Every file a whole-run export writes for a 2-D classification design."""

RUN_FILES = {
    f"{stem}{suffix}"
    for stem in ("loss", "accuracy", "grad_norm", "stuck")
    for suffix in (".png", ".svg", ".csv")
} | {
    "network.png",
    "network.svg",
    "plane.png",
    "plane.svg",
    "layer_space.png",
    "layer_space.svg",
    "history.csv",
    "design.json",
    "weights.npz",
    "model.py",
}
