"""Qt views of a training run: the network canvas, the data plane and the plots."""
