"""playwithnn: a neural network built by hand in NumPy.

Feedforward, loss gradients and backpropagation are written out by hand, the way
James Loy's tutorial "How to build your own Neural Network from scratch in
Python" derives them, and checked against finite differences and PyTorch.

>>> import numpy as np
>>> from playwithnn import NeuralNetwork
>>> net = NeuralNetwork([3, 4, 1], seed=0)
>>> net.predict(np.zeros((2, 3))).shape
(2, 1)
"""

from .activations import ACTIVATIONS, Activation
from .diagnostics import TrainingWarning
from .io import ModelFileError, load, save
from .layers import Dense
from .losses import LOSSES, Loss
from .model import Model
from .network import NeuralNetwork
from .optimizers import Adam, GradientDescent, Optimizer
from .training import History, TrainingDivergedError

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "Activation",
    "Adam",
    "Dense",
    "GradientDescent",
    "History",
    "Loss",
    "Model",
    "ModelFileError",
    "NeuralNetwork",
    "Optimizer",
    "TrainingDivergedError",
    "TrainingWarning",
    "__version__",
    "load",
    "save",
]
