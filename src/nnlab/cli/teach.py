"""The teaching commands: ``explain`` (each equation of forward and backward propagation with its
shapes) and ``gradcheck`` (backpropagation against numerical differences)."""

from __future__ import annotations

import click

from ..config import OUTPUTS
from ..engine.gradcheck import gradient_check, random_check_problem
from ..engine.initializers import validate_layer_dims
from ..engine.losses import canonical_loss
from ..engine.optimizers import OPTIMIZERS
from ..engine.schedules import SCHEDULES
from ..text import table
from .options import HIDDEN_ACTIVATIONS
from .types import LayerSizes

__all__ = ["explain", "gradcheck"]

#: The relative difference below which a float64 gradient check passes.
GRADCHECK_THRESHOLD = 1e-7

_ACTIVATION = click.option("--activation", type=click.Choice(HIDDEN_ACTIVATIONS), default="relu",
                           show_default=True, help="Hidden activation.")


def _output_option(help_text: str):
    return click.option("--output", type=click.Choice(OUTPUTS), default="sigmoid", show_default=True, help=help_text)


def _layer_dims(layer_dims, output: str) -> list[int]:
    """The validated ``--layer-dims``; a softmax output needs at least 2 units (a usage error)."""
    dims = validate_layer_dims(layer_dims)
    if output == "softmax" and dims[-1] < 2:
        raise click.BadParameter(
            f"a softmax output needs at least 2 units; the last layer size is {dims[-1]}",
            param_hint="'--layer-dims'",
        )
    return dims


def _renamed_layers(ctx, param, value):
    """The old ``--layers`` of explain/gradcheck: a usage error naming ``--layer-dims``."""
    if value is not None:
        raise click.UsageError(
            f"--layers means the hidden sizes only (as in `nnlab train`); here give every layer size, "
            f"input and output included, with --layer-dims (e.g. --layer-dims {value})", ctx=ctx,
        )
    return value


_OLD_LAYERS = click.option("--layers", "old_layers", default=None, hidden=True, expose_value=False,
                           is_eager=True, callback=_renamed_layers)


def _echo_table(header, rows, align: str, indent: str = "") -> None:
    for line in table(header, rows, align, pad_last=True):
        click.echo(f"{indent}{line}")


# --------------------------------------------------------------------------- gradcheck


@click.command()
@click.option("--layer-dims", "layer_dims", type=LayerSizes(), default="5,4,3,1", show_default=True,
              help="All layer sizes n[0],...,n[L], input and output included.")
@_OLD_LAYERS
@_ACTIVATION
@_output_option("Output activation (its canonical cost is used).")
@click.option("--examples", type=click.IntRange(min=1), default=10, show_default=True, help="m.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of the random network, data and dropout masks.")
@click.option("--l2", type=click.FloatRange(min=0), default=0.0, show_default=True, help="L2 strength lambda.")
@click.option("--keep-prob", type=click.FloatRange(0, 1, min_open=True), default=1.0, show_default=True,
              help="Dropout keep probability of the hidden layers.")
@click.option("--epsilon", type=click.FloatRange(min=0, min_open=True), default=1e-6, show_default=True,
              help="The two-sided difference step. In float64 its rounding error grows like 1e-16 / epsilon "
                   "and its truncation error like epsilon^2: 1e-6 keeps both far below the threshold.")
@click.option("--verbose", "-v", is_flag=True, help="Also list the components that disagree most.")
@click.pass_context
def gradcheck(ctx, layer_dims, activation, output, examples, seed, l2, keep_prob, epsilon, verbose):
    """Check backpropagation against numerical differences on a small random network.

    Prints the relative difference ||g - g_approx|| / (||g|| + ||g_approx||) and PASS (exit 0)
    when it is below 1e-7, FAIL (exit 1) otherwise. Everything is float64.
    """
    dims = _layer_dims(layer_dims, output)
    parameters, X, Y = random_check_problem(dims, activation, output, examples, seed, keep_prob)
    result = gradient_check(
        parameters, X, Y, hidden=activation, output=output, lambd=l2, epsilon=epsilon,
        keep_prob=keep_prob, seed=seed,
    )
    passed = result.difference < GRADCHECK_THRESHOLD
    regularization = ", ".join(
        filter(None, [f"L2 {l2:g}" if l2 else "", f"keep_prob {keep_prob:g}" if keep_prob < 1 else ""])
    )
    click.echo(
        f"gradient check: layer_dims {dims}, {activation} hidden, {output} output, m = {examples}, "
        f"{result.analytic.size} parameters, float64" + (f", {regularization}" if regularization else "")
    )
    _echo_table(None, [
        ["relative difference", f"{result.difference:.3e}", "||g - g_approx|| / (||g|| + ||g_approx||)"],
        ["threshold", f"{GRADCHECK_THRESHOLD:.0e}", ""],
    ], "<><")
    if verbose:
        click.echo("components that disagree most:")
        rows = [[name, f"{g:.6e}", f"{n:.6e}", f"{abs(g - n):.2e}"] for name, g, n in result.worst()]
        _echo_table(["parameter", "backprop", "numerical", "|difference|"], rows, "<>>>", "  ")
    click.echo("PASS" if passed else "FAIL")
    if not passed:
        ctx.exit(1)


# --------------------------------------------------------------------------- explain

_COST_FORMULAS = {  # the text of each cost, as the engine computes it (nnlab.engine.losses)
    "binary_cross_entropy": "J = -(1/m) sum(Y log A[{L}] + (1 - Y) log(1 - A[{L}]))",
    "categorical_cross_entropy": "J = -(1/m) sum(Y * log A[{L}])   (Y one-hot)",
    "mean_squared_error": "J = (1/2m) sum((A[{L}] - Y)^2)",
}


def _shape(*dims) -> str:
    return "(" + ", ".join(str(d) for d in dims) + ")"


def _step(equation: str, shapes: str, note: str = "") -> list[str]:
    return [f"    {equation}", shapes + (f"   {note}" if note else "")]


@click.command()
@click.option("--layer-dims", "layer_dims", type=LayerSizes(), required=True,
              help="All layer sizes n[0],...,n[L], e.g. 12288,20,7,5,1.")
@_OLD_LAYERS
@click.option("--examples", type=click.IntRange(min=1), default=None,
              help="m, the number of examples (default: shapes show the letter m).")
@_ACTIVATION
@_output_option("Output activation.")
@click.option("--l2", "lambd", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="L2 strength lambda: adds its cost term and its gradient.")
@click.option("--keep-prob", type=click.FloatRange(0, 1, min_open=True), default=1.0, show_default=True,
              help="Dropout keep probability: below 1 adds inverted dropout's forward and backward steps.")
@click.option("--optimizer", type=click.Choice(OPTIMIZERS), default="gd", show_default=True,
              help="The update rule shown.")
@click.option("--decay", type=click.Choice([name for name in SCHEDULES if name]), default=None,
              help="A learning-rate decay schedule to show.")
def explain(layer_dims, examples, activation, output, lambd, keep_prob, optimizer, decay):
    """Show each step of forward and backward propagation with its equation and shapes.

    --l2, --keep-prob, --optimizer and --decay add the course sequel's equations (L2, inverted
    dropout, momentum, RMSprop, Adam, learning-rate decay), each naming the engine function that
    computes it.
    """
    n = _layer_dims(layer_dims, output)
    L = len(n) - 1
    m = examples if examples is not None else "m"
    loss = canonical_loss(output)
    g = lambda l: output if l == L else activation  # noqa: E731
    echo = click.echo
    layers = f"L = {L} layer{'s' if L > 1 else ''}"
    echo(f"layer_dims = {n}: {layers}, " + (f"m = {m} examples" if examples else "m examples"))
    hidden = f"hidden activation {activation}" if L > 1 else "no hidden layer"
    echo(f"{hidden}, output {output}, cost {loss.name.replace('_', ' ')}")

    echo("")
    echo(f"Forward propagation   A[0] = X {_shape(n[0], m)}")
    for l in range(1, L + 1):
        echo(f"  layer {l}: {g(l)}")
        _echo_table(None, [
            _step(f"Z[{l}] = W[{l}] A[{l - 1}] + b[{l}]",
                  f"{_shape(n[l], n[l - 1])} @ {_shape(n[l - 1], m)} + {_shape(n[l], 1)} -> {_shape(n[l], m)}"),
            _step(f"A[{l}] = {g(l)}(Z[{l}])", f"{_shape(n[l], m)} -> {_shape(n[l], m)}"),
            *(_dropout_forward(l, n[l], m, keep_prob) if keep_prob < 1 and l < L else []),
        ], "<<")
    echo("  cost")
    echo(f"    {_COST_FORMULAS[loss.name].format(L=L)}   {_shape(n[L], m)}, {_shape(n[L], m)} -> scalar")
    if lambd:
        echo(f"    J = J + (lambd / 2m) sum_l ||W[l]||_F^2   lambd = {lambd:g}   (nnlab.engine.l2_penalty)")

    echo("")
    echo("Backward propagation")
    for l in range(L, 0, -1):
        echo(f"  layer {l}: {g(l)}")
        if l == L:
            first = [_step(f"dZ[{l}] = A[{l}] - Y", f"{_shape(n[l], m)} - {_shape(n[l], m)} -> {_shape(n[l], m)}",
                          f"({output} + {loss.name.replace('_', ' ')})")]
        else:
            first = [_step(f"dZ[{l}] = dA[{l}] * {g(l)}'(Z[{l}])",
                           f"{_shape(n[l], m)} * {_shape(n[l], m)} -> {_shape(n[l], m)}")]
        if l < L and keep_prob < 1:  # dA[l] came through layer l+1's dropout mask
            first = [_step(f"dA[{l}] = dA[{l}] * D[{l}] / keep_prob", f"{_shape(n[l], m)} -> {_shape(n[l], m)}",
                           "(nnlab.engine.inverted_dropout)"), *first]
        _echo_table(None, [
            *first,
            _step(f"dW[{l}] = dZ[{l}] A[{l - 1}].T / m" + (f" + (lambd / m) W[{l}]" if lambd else ""),
                  f"{_shape(n[l], m)} @ {_shape(m, n[l - 1])} -> {_shape(n[l], n[l - 1])}"),
            _step(f"db[{l}] = sum(dZ[{l}], axis=1, keepdims=True) / m", f"{_shape(n[l], m)} -> {_shape(n[l], 1)}"),
            _step(f"dA[{l - 1}] = W[{l}].T dZ[{l}]",
                  f"{_shape(n[l - 1], n[l])} @ {_shape(n[l], m)} -> {_shape(n[l - 1], m)}",
                  "(m * dJ/dX; not used by the update)" if l == 1 else ""),
        ], "<<")

    echo("")
    if optimizer == "gd" and decay is None:
        echo("Update (gradient descent): W[l] = W[l] - learning_rate * dW[l],  b[l] = b[l] - learning_rate * db[l]")
    else:
        echo(f"Update ({_UPDATE_NAMES[optimizer]}, nnlab.engine.optimizer_step), for each W[l] and b[l] alike:")
        for line in _UPDATES[optimizer]:
            echo(f"    {line}")
        if optimizer != "gd":
            echo(f"    moments start at 0 with the shapes of W[l] {_shape('n[l]', 'n[l-1]')} and b[l] {_shape('n[l]', 1)}")
    if decay is not None:
        echo("Learning-rate decay (nnlab.engine.learning_rate_at), epochs counted from 0:")
        echo(f"    {_DECAY[decay]}")
    echo("")
    echo("Parameters")
    counts = [n[l] * n[l - 1] + n[l] for l in range(1, L + 1)]
    rows = [[l, _shape(n[l], n[l - 1]), _shape(n[l], 1), f"{counts[l - 1]:,}"] for l in range(1, L + 1)]
    rows.append(["total", "", "", f"{sum(counts):,}"])
    _echo_table(["layer", "W[l]", "b[l]", "parameters"], rows, "<<<>", "  ")


def _dropout_forward(l: int, units: int, m, keep_prob: float) -> list[list[str]]:
    """Inverted dropout after hidden layer ``l``: the mask and the rescaled activation."""
    return [
        _step(f"D[{l}] = rand{_shape(units, m)} < keep_prob", f"-> {_shape(units, m)} of 0/1",
              f"keep_prob = {keep_prob:g}"),
        _step(f"A[{l}] = A[{l}] * D[{l}] / keep_prob", f"{_shape(units, m)} -> {_shape(units, m)}",
              "(nnlab.engine.inverted_dropout)"),
    ]


_UPDATE_NAMES = {"gd": "gradient descent", "momentum": "momentum", "rmsprop": "RMSprop", "adam": "Adam"}
_UPDATES = {  # the rules as nnlab.engine.optimizers applies them (t counts Adam's steps from 1)
    "gd": ["W[l] = W[l] - alpha * dW[l]"],
    "momentum": ["v = beta v + (1 - beta) dW[l]", "W[l] = W[l] - alpha * v"],
    "rmsprop": ["s = beta2 s + (1 - beta2) dW[l]^2", "W[l] = W[l] - alpha * dW[l] / (sqrt(s) + epsilon)"],
    "adam": ["v = beta1 v + (1 - beta1) dW[l]        v_hat = v / (1 - beta1^t)",
             "s = beta2 s + (1 - beta2) dW[l]^2      s_hat = s / (1 - beta2^t)",
             "W[l] = W[l] - alpha * v_hat / (sqrt(s_hat) + epsilon)"],
}
_DECAY = {
    "inverse_time": "alpha = alpha0 / (1 + decay_rate * epoch)",
    "step": "alpha = alpha0 / (1 + decay_rate * floor(epoch / decay_steps))",
}
