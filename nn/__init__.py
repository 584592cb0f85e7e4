"""Backprop Lab's neural-network library: PyTorch's habits on top of the scalar engine.

import nn
X, y = nn.datasets.make_moons(100, noise=0.1, seed=0)
model = nn.MLP(2, [16, 16, 1], activation="relu", seed=0)      # last layer linear
history = nn.fit(model, nn.bce_with_logits, nn.Adam(model.parameters(), lr=0.05),
                 nn.DataLoader(X, y, batch_size=20, seed=0), epochs=40)
"""

from nn import datasets
from nn.activations import ACTIVATIONS
from nn.data import DataLoader
from nn.io import load, save, to_torch
from nn.layers import MLP, Layer, Neuron, Perceptron, PerceptronFit
from nn.losses import (
    bce,
    bce_with_logits,
    categorical_cross_entropy,
    cross_entropy,
    hinge,
    l2_penalty,
    log_softmax,
    mse,
    softmax,
)
from nn.metrics import accuracy, confusion_matrix, f1, precision, recall
from nn.module import Module
from nn.optim import SGD, Adam, Optimizer
from nn.plot import plot_decision_boundary, plot_history
from nn.train import evaluate, fit, outputs, predict, to_label

__all__ = [
    "ACTIVATIONS",
    "MLP",
    "SGD",
    "Adam",
    "DataLoader",
    "Layer",
    "Module",
    "Neuron",
    "Optimizer",
    "Perceptron",
    "PerceptronFit",
    "accuracy",
    "bce",
    "bce_with_logits",
    "categorical_cross_entropy",
    "confusion_matrix",
    "cross_entropy",
    "datasets",
    "evaluate",
    "f1",
    "fit",
    "hinge",
    "l2_penalty",
    "load",
    "log_softmax",
    "mse",
    "outputs",
    "plot_decision_boundary",
    "plot_history",
    "precision",
    "predict",
    "recall",
    "save",
    "softmax",
    "to_label",
    "to_torch",
]
