"""`python -m autograd`: the worked example of shared/seeds/002, backward pass printed."""

from autograd import Value


def main() -> None:
    w0, x0, w1, x1, w2 = (Value(v, label=n) for v, n in [(2, "w0"), (-1, "x0"), (-3, "w1"), (-2, "x1"), (-3, "w2")])
    f = 1 / (1 + (-(w0 * x0 + w1 * x1 + w2)).exp())
    f.backward()
    print(f"f = 1 / (1 + exp(-(w0*x0 + w1*x1 + w2))) = {f.data:.4f}")
    for leaf in (w0, x0, w1, x1, w2):
        print(f"  df/d{leaf.label} = {leaf.grad:+.4f}")


if __name__ == "__main__":
    main()
