"""The Model's file: a fitted :class:`~nnlab.model.Model` as NumPy arrays and JSON metadata.

:meth:`Model.to_arrays <nnlab.model.Model.to_arrays>` / :meth:`~nnlab.model.Model.from_arrays`
call these; :mod:`nnlab.io` writes and reads them (an ``.npz`` with a checksum, never pickle).
Stored: ``W{l}``, ``b{l}``, the standardization (``scaler_*``), the classes, the preprocessing of
a DataFrame (``preprocess_*`` + its metadata), the history (``history_*``), the hyperparameters,
the task and output, and the split the model was trained with.
"""

from __future__ import annotations

import numpy as np

from .config import Hyperparameters
from .data.scaling import Standardizer
from .engine import network
from .engine.scoring import History
from .engine.validation import check_finite
from .errors import ModelFileError
from .labels import TASK_OUTPUT, Targets

__all__ = ["from_arrays", "to_arrays"]

HISTORY_FIELDS = tuple(History().as_dict())


def to_arrays(model) -> tuple[dict, dict]:
    """The fitted model as ``(arrays, metadata)``: NumPy arrays and JSON-ready values, what
    :meth:`~nnlab.model.Model.save` writes and :func:`from_arrays` reads back. ``model`` is fitted."""
    arrays = dict(model.parameters_)
    if model.scaler_ is not None:
        arrays.update({f"scaler_{name}": value for name, value in model.scaler_.to_arrays().items()})
    if model.targets_.classes is not None:
        arrays["classes"] = model.targets_.classes
    if model.preprocessor_ is not None:
        pre_arrays, pre_metadata = model.preprocessor_.to_arrays()
        arrays.update({f"preprocess_{name}": value for name, value in pre_arrays.items()})
    if model.history_ is not None:
        arrays.update({f"history_{name}": np.asarray(values, dtype=np.float64) for name, values in model.history_.as_dict().items()})
    metadata = {
        "kind": "nnlab.Model",
        "layer_dims": model.layer_dims,
        "hidden_activation": model.hyperparameters.activation,
        "output": model.targets_.output,
        "task": model.targets_.task,
        "hyperparameters": model.hyperparameters.to_dict(),
        "best_epoch": model.best_epoch_,
        "stopped_early": model.stopped_early_,
    }
    if model.preprocessor_ is not None:
        metadata["preprocess"] = pre_metadata
    if model.split_ is not None:
        metadata["split"] = dict(model.split_)
    return arrays, metadata


def from_arrays(model_class, arrays: dict, metadata: dict, source="the model"):
    """The model that :func:`to_arrays` described, an instance of ``model_class``; ``ModelFileError``
    (naming ``source``) if the arrays and metadata do not make one."""
    try:
        if metadata.get("kind") != "nnlab.Model":
            raise KeyError("kind")
        model = model_class(Hyperparameters.from_dict(metadata["hyperparameters"]))
        L = len(metadata["layer_dims"]) - 1
        model.parameters_ = {f"{p}{l}": arrays[f"{p}{l}"] for l in range(1, L + 1) for p in "Wb"}
        network.n_layers(model.parameters_)
        for name, value in model.parameters_.items():  # checked once here; predictions trust them
            if np.asarray(value).dtype.kind != "f":
                raise ValueError(f"{name} must be a floating-point array; got dtype {np.asarray(value).dtype}")
            check_finite(value, name)
        if model.layer_dims != list(metadata["layer_dims"]) or len(
            [name for name in arrays if name[:1] in "Wb" and name[1:].isdigit()]
        ) != 2 * L:
            raise ValueError(f"layer_dims {metadata['layer_dims']} do not match the stored W and b arrays")
        if metadata["task"] not in TASK_OUTPUT or metadata["output"] != TASK_OUTPUT[metadata["task"]]:
            raise ValueError(f"unknown task/output {metadata['task']!r}/{metadata['output']!r}")
        classes = arrays.get("classes")
        if (classes is None) != (metadata["task"] == "regression"):
            raise ValueError("classes must be stored exactly for classification models")
        model.targets_ = Targets(metadata["task"], classes, metadata["layer_dims"][-1])
        scaler = {name[len("scaler_"):]: value for name, value in arrays.items() if name.startswith("scaler_")}
        model.scaler_ = Standardizer.from_arrays(scaler) if scaler else None
        if "preprocess" in metadata:
            from .data.preprocess import Preprocessor

            pre = {name[len("preprocess_"):]: value for name, value in arrays.items() if name.startswith("preprocess_")}
            model.preprocessor_ = Preprocessor.from_arrays(pre, metadata["preprocess"])
            if model.preprocessor_.n_outputs != model.layer_dims[0]:
                raise ValueError("the preprocessing's inputs do not match the first layer")
        model.split_ = dict(metadata["split"]) if "split" in metadata else None
        if all(f"history_{name}" in arrays for name in HISTORY_FIELDS):
            model.history_ = History(**{name: arrays[f"history_{name}"].tolist() for name in HISTORY_FIELDS})
        model.best_epoch_ = metadata.get("best_epoch")
        model.stopped_early_ = bool(metadata.get("stopped_early", False))
    except (KeyError, TypeError, ValueError) as error:
        raise ModelFileError(f"{source}: not a valid nnlab model file ({error.__class__.__name__}: {error})") from None
    return model
