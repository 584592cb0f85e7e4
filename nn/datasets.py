"""The toy datasets under their scikit-learn-like names: `nn.datasets.make_moons(...)`.

They live in `nn.data` next to `DataLoader`; this module is the namespace users import.
"""

from nn.data import make_blobs, make_circles, make_moons, make_spiral, make_xor

__all__ = ["make_blobs", "make_circles", "make_moons", "make_spiral", "make_xor"]
