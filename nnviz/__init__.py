"""nnviz: watch a neural network learn, neuron by neuron."""

__version__ = "0.1.0"
