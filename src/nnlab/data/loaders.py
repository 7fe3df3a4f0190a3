"""Former home of the data readers, kept only so that old imports still work.

lead: delete once ``search/space.py`` and ``tests/test_properties.py`` import from
``nnlab.data.builtin`` / ``nnlab.data.files`` (see the cli branch's report).
"""

from .builtin import BUILTIN_DATASETS, GENERATORS
from .files import DATA_EXTENSIONS, LAYOUTS, load_csv, load_h5, load_npz
from .sources import load_data

__all__ = ["BUILTIN_DATASETS", "DATA_EXTENSIONS", "GENERATORS", "LAYOUTS",
           "load_csv", "load_data", "load_h5", "load_npz"]
