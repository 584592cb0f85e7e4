"""Exercise 6: two loss functions, built from your mini-engine's `Value`s.

A loss turns "how wrong is the model" into one number whose gradient says how to fix it.

- Mean squared error, for regression: the mean of (prediction - target)^2.
- Cross-entropy, for classification: -log of the probability the model gives the right
  class, where the probabilities are the softmax of the logits. A confident right answer
  costs little, -log(0.9) = 0.105; a confident wrong one costs a lot, -log(0.1) = 2.303.
"""

from __future__ import annotations

from mini_engine import Value


def mse(predictions: list[Value], targets: list[float]) -> Value:
    """Exercise 6a: the mean over items of (prediction - target)^2, as one `Value`."""
    ### BEGIN SOLUTION
    if len(predictions) != len(targets):
        raise ValueError(f"{len(predictions)} predictions but {len(targets)} targets")
    total = Value(0.0)
    for prediction, target in zip(predictions, targets):
        error = prediction - target
        total = total + error * error
    return total / len(predictions)
    ### END SOLUTION


def cross_entropy(logits: list[Value], target: int) -> Value:
    """Exercise 6b: -log(softmax(logits)[target]) for one sample, as one `Value`.

    softmax(z)_i = e^(z_i) / sum_j e^(z_j). Logits of 1000 must give a finite loss:
    subtracting the same number from every logit leaves the softmax unchanged, so take
    the largest logit's `.data` (a plain number) off every logit before `.exp()`.
    """
    ### BEGIN SOLUTION
    if not 0 <= target < len(logits):
        raise IndexError(f"target {target} is not a class index for {len(logits)} logits")
    largest = max(logit.data for logit in logits)
    shifted = [logit - largest for logit in logits]
    total = shifted[0].exp()
    for z in shifted[1:]:
        total = total + z.exp()
    return total.log() - shifted[target]
    ### END SOLUTION
