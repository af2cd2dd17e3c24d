"""The tutorial "How to build your own Neural Network from scratch in Python", end to end.

Run it with ``python examples/PlaywithNN.py``. It trains a 3-4-1 sigmoid network on
the tutorial's four samples for 1500 iterations, prints the actual and predicted
values, and writes ``1500iter.png``: the loss per iteration beside the predictions.

The article's network has no biases and starts from weights drawn from U[0, 1);
pass ``bias=False, init="uniform"`` below to train exactly that one.
"""

import numpy as np

from playwithnn import NeuralNetwork
from playwithnn.plotting import plot_tutorial, save_figure

# The data: y is the XOR of the first two inputs; the third input is always 1.
X = np.array([[0, 0, 1],
              [0, 1, 1],
              [1, 0, 1],
              [1, 1, 1]])
y = np.array([[0],
              [1],
              [1],
              [0]])

# A network with 3 inputs, a hidden layer of 4 sigmoid units and 1 sigmoid output:
#   layer1 = σ(X W1 + b1),  output = σ(layer1 W2 + b2)
# trained on the sum of squared errors, Loss = Σ (y - output)².
net = NeuralNetwork([3, 4, 1], activation="sigmoid", loss="sse", seed=1)

# 1500 iterations of gradient descent on all four samples at once, learning rate 1.
# Each iteration is a feedforward, backpropagation (the chain rule), and the update
#   W ← W - learning_rate · dLoss/dW.
iterations = 1500
history = net.fit(X, y, epochs=iterations, learning_rate=1.0)
predicted = net.predict(X)

print(" x1 x2 x3 | actual | predicted")
for inputs, actual, guess in zip(X, y[:, 0], predicted[:, 0]):
    print(f"  {inputs[0]}  {inputs[1]}  {inputs[2]} |   {actual}    |  {guess:.4f}")
print(f"final loss {history.loss[-1]:.6f} after {iterations} iterations ({history.seconds:.3f} s)")

# The figure: the loss per iteration beside the predictions against the targets.
figure = plot_tutorial({f"{iterations} iterations": (history.loss, predicted)}, y)
path = save_figure(figure, f"{iterations}iter.png")
print(f"wrote {path}")
