"""The exercises: what each one asks, in which file, and the hint a stub raises."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ASSIGNMENT = Path(__file__).resolve().parent / "assignment"
"""What students get besides their exercise files: the visible tests, conftest.py, the notebook and README.
It ships with the package; nothing in it gives an answer away."""
INSTRUCTOR = Path(__file__).resolve().parents[2] / "instructor"
"""The teacher's folder in a checkout of the repository: the exercise files with the reference
solutions and `hidden/`, the hidden tests. It is not part of the installed package."""


@dataclass(frozen=True)
class Exercise:
    """One exercise: its number, title, the student file it lives in, and a hint per function."""

    number: int
    title: str
    file: str
    hints: dict[str, str]


EXERCISES: tuple[Exercise, ...] = (
    Exercise(1, "Local derivatives of add, mul, neg, recip, exp", "derivatives.py", {
        "local_add": "d(x+y)/dx and d(x+y)/dy: how much does x + y move when x moves by 1?",
        "local_mul": "d(x*y)/dx = y and d(x*y)/dy = x",
        "local_neg": "d(-x)/dx is a constant",
        "local_recip": "d(1/x)/dx = -1/x^2",
        "local_exp": "d(e^x)/dx = e^x, which is already in `out`",
    }),
    Exercise(2, "Local derivatives of tanh and sigmoid", "derivatives.py", {
        "local_tanh": "d tanh(x)/dx = 1 - tanh(x)^2, and tanh(x) is `out`",
        "local_sigmoid": "d sigmoid(x)/dx = s * (1 - s) with s = sigmoid(x) = `out`",
    }),
    Exercise(3, "Topological order", "mini_engine.py", {
        "topological_order": "depth-first with a stack of (node, parents_done) pairs and a `seen` set; "
        "append a node once all its parents are in the order",
    }),
    Exercise(4, "Backward", "mini_engine.py", {
        "backward": "keep a dict of upstream gradients (the root's is 1.0), walk reversed(topological_order(root)), "
        "and give each parent upstream * local",
    }),
    Exercise(5, "A neuron, forward", "neuron.py", {
        "neuron": "start from the bias, add w * x for each pair, then call .tanh(), .sigmoid() or .relu()",
    }),
    Exercise(6, "MSE and cross-entropy", "losses.py", {
        "mse": "sum (p - t) * (p - t) over the pairs, then divide by how many there are",
        "cross_entropy": "subtract max(z.data) from every logit, then log(sum of e^z) - z[target]",
    }),
    Exercise(7, "An SGD step with momentum", "optim.py", {
        "sgd_step": "velocity = momentum * velocity + grad, then param - lr * velocity",
    }),
    Exercise(8, "An Adam step", "optim.py", {
        "adam_step": "update m and v, divide them by (1 - beta^t), then step by lr * m_hat / (sqrt(v_hat) + eps)",
    }),
)  # fmt: skip

STUDENT_FILES: tuple[str, ...] = tuple(dict.fromkeys(exercise.file for exercise in EXERCISES))


def instructor_folder(folder: Path | str | None = None) -> Path | None:
    """The teacher's folder: `folder` when given (it must exist), else the checkout's `instructor/` if there is one."""
    if folder is not None:
        path = Path(folder).resolve()
        if not path.is_dir():
            raise FileNotFoundError(f"the instructor folder {path} does not exist")
        return path
    return INSTRUCTOR if (INSTRUCTOR / "hidden").is_dir() else None


def hints_text(number: int) -> str:
    """Every hint of exercise `number`, one line each, as a stub's message gives them."""
    exercise = next(e for e in EXERCISES if e.number == number)
    return "\n".join(f"Exercise {number}: {hint}" for hint in exercise.hints.values())


def exercise_for_function(name: str) -> Exercise:
    """The exercise a solution inside function `name` belongs to."""
    for exercise in EXERCISES:
        if name in exercise.hints:
            return exercise
    raise KeyError(f"no exercise lists the function {name!r}; add it to autograd/exercises/catalogue.py")


def parse_exercise(which: int | str) -> int:
    """The exercise number in `3`, `"3"`, `"exercise 3"` or `"Exercise 3"`."""
    text = str(which).strip().lower().removeprefix("exercise").strip().lstrip("#")
    if not text.isdigit() or not any(e.number == int(text) for e in EXERCISES):
        numbers = ", ".join(str(e.number) for e in EXERCISES)
        raise ValueError(f"no exercise {which!r}; the exercises are {numbers}")
    return int(text)
