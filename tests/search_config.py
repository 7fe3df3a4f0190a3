"""The small flower search the search tests run, written as a TOML file.

Four trials by default (a 2 x 2 x 2 grid: hidden layers, learning rate, activation), serial.
"""

from __future__ import annotations

from pathlib import Path

TINY = """
[data]
source = "flower"
[split]
dev = 0.25
test = 0.25
seed = 0
[search]
strategy = "{strategy}"
{trials}
seed = 7
epochs = {epochs}
[executor]
kind = "{executor}"
{jobs}
[space]
hidden_layers = [[2], [4]]
learning_rate = {learning_rates}
activation = {activations}
"""


def write_config(folder: Path, strategy="grid", trials=None, epochs=150, executor="serial", jobs=None, extra="",
                 learning_rates="[0.3, 1.2]", activations='["tanh", "relu"]', name=None) -> Path:
    """Write the search to ``folder / name`` (default ``<strategy>-<executor>.toml``); return its path."""
    path = folder / (name or f"{strategy}-{executor}.toml")
    text = TINY.format(
        strategy=strategy,
        trials=f"trials = {trials}" if trials else "",
        epochs=epochs,
        executor=executor,
        jobs=f"jobs = {jobs}" if jobs else "",
        learning_rates=learning_rates,
        activations=activations,
    )
    path.write_text(text + extra)
    return path
