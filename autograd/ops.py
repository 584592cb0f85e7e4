"""The op table: every operation the engine knows, defined once.

Each entry says how to compute an op's output from its inputs (`forward`), the local
derivative d(out)/d(input) for each input (`local`), and how a student writes that
derivative (`formula`, and `latex` for rendered mathematics). Forward and local are
written as Python expressions over the op's inputs `x`, `y` (or `xs` for an n-ary op),
its parameters (`n`, `slope`) and its output `out`:

    Op("mul", "*", forward="x * y", local=("y", "x"), ...)

The engine compiles each expression once into a function, for floats (the forward pass
caches the local derivatives on every node) and for `Value`s (`grad(..., create_graph=True)`,
where derivatives are differentiated again); `autograd.trace` pastes the same expressions
into straight-line Python. The engine, the step-through, the diagrams and the tracer all
read this table; none of them knows any op by heart.

An `Op` is a `str` equal to its name, so `node.op == "mul"` holds; a parametrised op
(`x ** 3`, `leaky_relu(slope=0.2)`) is a variant of its entry with the values in `params`.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from typing import Any


def _sigmoid(x: float) -> float:
    # Two branches so that exp never sees a large positive argument.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _dot(xs: tuple) -> Any:
    """w1*x1 + ... + wn*xn (+ b): the weights first, then the inputs, then an optional bias."""
    n = len(xs) // 2
    total = sum(map(operator.mul, xs[:n], xs[n : 2 * n]))
    return total + xs[-1] if len(xs) % 2 else total


def _dot_local(xs: tuple) -> tuple:
    """d/dwi = xi, d/dxi = wi, d/db = 1."""
    n = len(xs) // 2
    return (*xs[n : 2 * n], *xs[:n], 1.0) if len(xs) % 2 else (*xs[n : 2 * n], *xs[:n])


# What the expressions may call: for floats, math and the helpers above; for Values
# (create_graph), the same names bound to Value methods by the engine (`Op.compile_for_values`).
FLOAT_FUNCTIONS: dict[str, Callable] = {
    "exp": math.exp, "log": math.log, "sigmoid": _sigmoid, "tanh": math.tanh, "sin": math.sin, "cos": math.cos,
    "dot": _dot, "dot_local": _dot_local, "add_n": sum,
}  # fmt: skip


class Op(str):
    """One operation of the table: a `str` equal to its name, carrying its whole definition.

    `forward` and `local` are the compiled float functions `forward(*inputs)` and
    `local(*inputs, out)`; `forward_source`/`local_source` are the expressions they come
    from. A parametrised op names its parameters in `param_names`; its table entry takes
    their values as trailing arguments (`OPS["pow"].forward(x, n)`), and each variant made by
    `with_params` holds them in `params` (`{"n": 3}` for `x ** 3`) and takes the inputs alone.
    `domain` is the condition on the inputs where the op is defined ("" for everywhere), and
    `errors` says in words, per exception type, what went wrong when the arithmetic fails.
    `finite` says that the forward expression of finite inputs is finite or raises (Python's
    `**`, `math.exp` and `math.log` raise OverflowError or ValueError instead of returning
    inf or nan), so the engine need not check its result; `+`, `*` and `/` overflow to inf
    silently, and their results are checked.
    """

    name: str
    symbol: str
    formula: str
    latex: str
    arity: int  # 1, 2, or 0 for an n-ary op over `xs`
    forward_source: str
    local_source: tuple[str, ...]
    domain: str
    finite: bool
    errors: Mapping[str, str]
    param_names: tuple[str, ...]
    defaults: Mapping[str, float]
    params: Mapping[str, float]
    forward: Callable[..., float]
    local: Callable[..., tuple]

    def __new__(
        cls,
        name: str,
        symbol: str,
        *,
        forward: str,
        local: tuple[str, ...] | str,
        formula: str,
        latex: str,
        micrograd: str,
        arity: int = 1,
        domain: str = "",
        finite: bool = False,
        errors: Mapping[str, str] | None = None,
        param_names: tuple[str, ...] = (),
        defaults: Mapping[str, float] | None = None,
        params: Mapping[str, float] | None = None,
    ) -> Op:
        op = super().__new__(cls, name)
        op.name, op.symbol, op.formula, op.latex, op.arity = name, symbol, formula, latex, arity
        op.forward_source = forward
        op.local_source = (local,) if isinstance(local, str) else tuple(local)
        op.domain, op.finite, op.errors = domain, finite, dict(errors or {})
        op.param_names = param_names
        op.defaults = dict(defaults or {})
        op.params = dict(params or {})
        op._micrograd = micrograd
        op._variants = {}
        op.forward, op.local = op.compile(FLOAT_FUNCTIONS)
        return op

    def compile(self, functions: Mapping[str, Callable]) -> tuple[Callable, Callable]:
        """`forward(*inputs)` and `local(*inputs, out)` as functions, the expressions' names bound to `functions`."""
        values = {**functions, **self.params}
        if self.arity == 0:  # n-ary: the inputs arrive as one tuple `xs`, the output last
            forward = eval(f"lambda *xs: {self.forward_source}", values)
            local = eval(f"lambda *xs_out: (lambda xs, out: {self.local_source[0]})(xs_out[:-1], xs_out[-1])", values)
            return forward, local
        inputs = ", ".join((*self.input_names(), *(name for name in self.param_names if name not in self.params)))
        local_tuple = "(" + "".join(expression + ", " for expression in self.local_source) + ")"
        forward = self.forward_source
        if self.domain:
            values["outside"] = self.outside_domain
            forward = f"{forward} if {self.domain} else outside({inputs})"
        return eval(f"lambda {inputs}: {forward}", values), eval(f"lambda {inputs}, out: {local_tuple}", values)

    def outside_domain(self, *inputs: float) -> float:
        """Raise the ValueError for inputs outside `domain`, in the words of `errors`."""
        raise ValueError(self.explain(ValueError(), inputs))

    def explain(self, error: Exception, inputs: tuple) -> str:
        """What went wrong, in this op's words for `error`'s type (its `errors` entry), else `error`'s own."""
        words = self.errors.get(type(error).__name__)
        if words is None:
            return str(error)
        names = dict(zip(("x", "y") if self.arity else (), inputs))
        return words.format(**names, **self.params)

    def input_names(self) -> tuple[str, ...]:
        """The names the expressions use for the inputs: `x`, `x, y`, or `xs` (a tuple) for an n-ary op."""
        return ("xs",) if self.arity == 0 else ("x", "y")[: self.arity]

    def with_params(self, **values: float) -> Op:
        """This op with its parameters set (`POW.with_params(n=2)`), made once per distinct value and reused."""
        key = tuple(values[name] for name in self.param_names)
        variant = self._variants.get(key)
        if variant is None:
            variant = Op(
                self.name, self.symbol, forward=self.forward_source, local=self.local_source, formula=self.formula,
                latex=self.latex, micrograd=self._micrograd, arity=self.arity, domain=self.domain, finite=self.finite,
                errors=self.errors,
                param_names=self.param_names, defaults=self.defaults, params=dict(zip(self.param_names, key)),
            )  # fmt: skip
            if len(self._variants) < 256:  # new parameter values beyond that are made and not kept
                self._variants[key] = variant
        return variant

    @property
    def key(self) -> tuple:
        """What tells this op from every other, variants included (`==` compares the names alone)."""
        return (self.name, *self.params.items())

    @property
    def micrograd(self) -> str:
        """micrograd's spelling of this op (`'+'`, `'*'`, `'ReLU'`, `'**2'`), as `Value._op` shows it."""
        return self._micrograd.format(**{**{name: name for name in self.param_names}, **self.params})

    @property
    def params_text(self) -> str:
        """The parameters as a student reads them, `n = 3`, or "" for an op without any."""
        return ", ".join(f"{k} = {_number(v)}" for k, v in self.params.items())

    def __reduce__(self) -> tuple:
        # An Op pickles as its name and parameters; unpickling looks the entry up in this table.
        return _op_named, (self.name, tuple(self.params.values()))


def _number(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def _op_named(name: str, values: tuple = ()) -> Op:
    op = OPS[name]
    return op.with_params(**dict(zip(op.param_names, values))) if values else op


# Each entry: name, diagram symbol, the number of inputs (0: any number, as `xs`), forward and local
# expressions, micrograd's name for it, the formula a student reads (text and LaTeX), and for a
# parametrised op its parameter names and defaults.
OPS: dict[str, Op] = {op.name: op for op in [
    Op("add", "+", arity=2, forward="x + y", local=("1.0", "1.0"), micrograd="+",
       formula="d(x+y)/dx = 1, d(x+y)/dy = 1",
       latex=r"\frac{\partial(x+y)}{\partial x} = 1,\ \frac{\partial(x+y)}{\partial y} = 1"),
    Op("mul", "*", arity=2, forward="x * y", local=("y", "x"), micrograd="*",
       formula="d(x*y)/dx = y, d(x*y)/dy = x",
       latex=r"\frac{\partial(xy)}{\partial x} = y,\ \frac{\partial(xy)}{\partial y} = x"),
    Op("neg", "-x", forward="-x", local="-1.0", micrograd="neg", finite=True,
       formula="d(-x)/dx = -1", latex=r"\frac{d(-x)}{dx} = -1"),
    Op("recip", "1/x", forward="1.0 / x", local="-(out * out)", micrograd="**-1",
       errors={"ZeroDivisionError": "division by zero: 1/x is undefined at x = 0"},
       formula="d(1/x)/dx = -1/x^2", latex=r"\frac{d(1/x)}{dx} = -\frac{1}{x^2}"),
    Op("exp", "e^x", forward="exp(x)", local="out", micrograd="exp", finite=True,
       errors={"OverflowError": "e^x overflows a float at x = {x} (the largest x is about 709.78)"},
       formula="d(e^x)/dx = e^x", latex=r"\frac{d e^x}{dx} = e^x"),
    Op("log", "log", forward="log(x)", local="1.0 / x", micrograd="log", domain="x > 0.0", finite=True,
       errors={"ValueError": "log(x) is undefined for x = {x} <= 0; keep the input positive"},
       formula="d(log x)/dx = 1/x", latex=r"\frac{d \log x}{dx} = \frac{1}{x}"),
    Op("pow", "x^n", forward="x ** n", local="0.0 if n == 0 else n * x ** (n - 1)", micrograd="**{n}",
       domain="x >= 0.0 or n == int(n)", finite=True, errors={
           "ValueError": "a negative base ({x}) to the non-integer power {n} is not a real number",
           "ZeroDivisionError": "0 ** {n}, or its slope n*x^(n-1) at 0, is infinite (a division by zero)",
           "OverflowError": "{x} ** {n} overflows a float"},
       param_names=("n",), formula="d(x^n)/dx = n*x^(n-1)", latex=r"\frac{d x^n}{dx} = n x^{n-1}"),
    Op("pow_value", "x^y", arity=2, forward="x ** y", local=("y * x ** (y - 1)", "out * log(x)"), domain="x > 0.0",
       finite=True, errors={
           "ValueError": "x ** y with a Value exponent needs a positive base x, got {x}; use a number exponent",
           "OverflowError": "{x} ** {y} overflows a float"},
       micrograd="**", formula="d(x^y)/dx = y*x^(y-1), d(x^y)/dy = x^y*log(x)",
       latex=r"\frac{\partial x^y}{\partial x} = y x^{y-1},\ \frac{\partial x^y}{\partial y} = x^y \log x"),
    Op("sin", "sin", forward="sin(x)", local="cos(x)", micrograd="sin", finite=True,
       formula="d(sin x)/dx = cos(x)", latex=r"\frac{d \sin x}{dx} = \cos x"),
    Op("cos", "cos", forward="cos(x)", local="-sin(x)", micrograd="cos", finite=True,
       formula="d(cos x)/dx = -sin(x)", latex=r"\frac{d \cos x}{dx} = -\sin x"),
    Op("tanh", "tanh", forward="tanh(x)", local="1.0 - out * out", micrograd="tanh", finite=True,
       formula="d(tanh x)/dx = 1 - tanh(x)^2", latex=r"\frac{d \tanh x}{dx} = 1 - \tanh^2 x"),
    Op("sigmoid", "σ", forward="sigmoid(x)", local="out * (1.0 - out)", micrograd="sigmoid", finite=True,
       formula="dσ(x)/dx = σ(x)*(1 - σ(x))", latex=r"\frac{d \sigma(x)}{dx} = \sigma(x)\,(1 - \sigma(x))"),
    Op("relu", "relu", forward="x if x > 0.0 else 0.0", local="1.0 if x > 0.0 else 0.0", micrograd="ReLU",
       finite=True,
       formula="d relu(x)/dx = 1 if x > 0 else 0",
       latex=r"\frac{d\,\mathrm{relu}(x)}{dx} = \begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases}"),
    Op("leaky_relu", "lrelu", forward="x if x > 0.0 else slope * x", local="1.0 if x > 0.0 else slope",
       micrograd="LeakyReLU", param_names=("slope",), defaults={"slope": 0.01},
       formula="d lrelu(x)/dx = 1 if x > 0 else slope",
       latex=r"\frac{d\,\mathrm{lrelu}(x)}{dx} = \begin{cases} 1 & x > 0 \\ \text{slope} & x \le 0 \end{cases}"),
    Op("sum", "Σ", arity=0, forward="add_n(xs)", local="(1.0,) * len(xs)", micrograd="+",
       formula="d(x1+...+xn)/dxi = 1", latex=r"\frac{\partial (x_1 + \dots + x_n)}{\partial x_i} = 1"),
    Op("dot", "w·x+b", arity=0, forward="dot(xs)", local="dot_local(xs)", micrograd="+",
       formula="d(Σ wi*xi + b)/dwi = xi, d/dxi = wi, d/db = 1",
       latex=r"\frac{\partial(\sum_i w_i x_i + b)}{\partial w_i} = x_i,\ "
             r"\frac{\partial}{\partial x_i} = w_i,\ \frac{\partial}{\partial b} = 1"),
]}  # fmt: skip

LEAF = Op("", "", forward="x", local=(), micrograd="", formula="a leaf: no parents, nothing to pass on", latex="")
"""The op of a leaf (an input, a parameter or a constant): `node.op == ""`."""
