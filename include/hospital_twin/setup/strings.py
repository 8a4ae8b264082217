"""Text columns built in Arrow: millions of names and IDs without a Python object per row.

Every setup stage draws integer indices into small pools of strings (names, streets, roles) and
turns them into `str` columns here, so the work is one Arrow `take`, not a Python loop.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa


def take_strings(pool: pa.Array, idx: np.ndarray | pa.Array) -> pd.Series:
    """A `str` column of pool[idx] built in Arrow (no Python objects); null indices give NA."""
    return pd.Series(pool.take(idx if isinstance(idx, pa.Array) else pa.array(idx)), dtype="str")


def as_arrow(values: np.ndarray | pd.Series | list[str]) -> pa.Array:
    """Strings as one Arrow array (zero-copy for Arrow-backed pandas columns)."""
    arr = pa.array(values, from_pandas=True)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
