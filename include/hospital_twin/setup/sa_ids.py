"""South African ID numbers: made for synthetic people, validated, matched to birth date and sex.

The layout is Home Affairs': YYMMDD birth date, SSSS sequence (0000-4999 female, 5000-9999
male), C citizenship (0 citizen, 1 permanent resident), A filler (8 since 1986), Z Luhn check
digit. Everything is vectorised over NumPy and Arrow, so millions of IDs take well under a second.

The population, the staff and the reserve pool are drawn apart (each from its own seeded stream)
but must never share a number, so each *roll* owns a disjoint range of the sequence digits
(`ID_ROLLS`): two numbers of different rolls differ in SSSS whatever their birth dates, and
within a roll sequences are unique per birth date and sex. Unique by construction, with no
roll needing to see another's draw; the warehouse enforces it too (`dw.sa_id_registry`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hospital_twin.setup.strings import as_arrow

PERMANENT_RESIDENT_SHARE = 0.02
ID_FILLER_DIGIT = 8
ID_SEQUENCES_PER_SEX = 5000
# Sequence numbers (per sex) each roll issues from. The population is large (seed 000: up to
# ~110 people share a birth date and sex); staff and reserve are a few thousand over ~45 birth
# years, so a few share one. The ranges are disjoint and cover 0..4999.
ID_ROLLS = {
    "population": range(0, 4500),
    "staff": range(4500, 4750),
    "reserve": range(4750, 5000),
}


def year_monthday(dates: np.ndarray | pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(year, month * 100 + day) of each date: the parts of an ID's YYMMDD and of ages."""
    days = np.asarray(dates, dtype="datetime64[D]")
    months = days.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (days - months).astype(np.int64) + 1
    return year, month * 100 + day


def _coprime_stride(size: int) -> int:
    """A stride that visits every residue mod `size`, so sequences spread but never repeat."""
    stride = int(size * 0.618) | 1
    while np.gcd(stride, size) != 1:
        stride += 2
    return stride


def _unique_sequences(rng: np.random.Generator, key: np.ndarray, roll: str) -> np.ndarray:
    """Sequence numbers unique within each key, inside the roll's range of 0..4999."""
    sequences = ID_ROLLS[roll]
    size = len(sequences)
    order = np.argsort(key, kind="stable")
    ks = key[order]
    new = np.empty(len(ks), bool)
    new[:1] = True
    np.not_equal(ks[1:], ks[:-1], out=new[1:])
    group = np.cumsum(new) - 1
    first = np.flatnonzero(new)
    rank = np.arange(len(ks)) - first[group]
    if len(ks) and rank.max() >= size:
        raise ValueError(
            f"more than {size} people of the {roll} roll share a birth date and sex: "
            "IDs would repeat"
        )
    offset = rng.integers(0, size, len(first))
    seq = np.empty(len(ks), np.int64)
    seq[order] = sequences.start + (offset[group] + rank * _coprime_stride(size)) % size
    return seq


def _luhn_sum(number: np.ndarray, width: int, doubled_parity: int) -> np.ndarray:
    """Luhn digit sum of `width`-digit numbers; digits at index parity `doubled_parity` double."""
    total = np.zeros(len(number), np.int64)
    for i in range(width):
        digit = number // 10 ** (width - 1 - i) % 10
        if i % 2 == doubled_parity:
            digit = digit * 2
            digit = digit - 9 * (digit > 9)
        total += digit
    return total


def make_sa_ids(
    rng: np.random.Generator,
    birth_dates: np.ndarray | pd.Series,
    male: np.ndarray,
    roll: str = "population",
) -> pd.Series:
    """Valid, unique 13-digit SA ID numbers for the given birth dates and sexes.

    Sequence numbers are unique per (YYMMDD, sex) within one call and drawn from `roll`'s range
    (`ID_ROLLS`), so numbers of different rolls never collide; one call per roll.
    """
    if roll not in ID_ROLLS:
        raise ValueError(f"roll: {roll!r} is not one of {sorted(ID_ROLLS)}")
    year, monthday = year_monthday(birth_dates)
    yymmdd = year % 100 * 10000 + monthday
    male = np.asarray(male, dtype=np.int64)
    seq = _unique_sequences(rng, yymmdd * 2 + male, roll) + ID_SEQUENCES_PER_SEX * male
    citizen = (rng.random(len(male)) < PERMANENT_RESIDENT_SHARE).astype(np.int64)
    body = yymmdd * 1_000_000 + seq * 100 + citizen * 10 + ID_FILLER_DIGIT
    check = (10 - _luhn_sum(body, 12, doubled_parity=1) % 10) % 10
    text = pc.utf8_lpad(pa.array(body * 10 + check).cast(pa.string()), 13, "0")
    return pd.Series(text, dtype="str")


def _id_digits(ids: np.ndarray | pd.Series | list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Rows that are 13 ASCII digits, and those rows' digits as an (n, 13) array."""
    arr = as_arrow(ids).cast(pa.string())
    ok = pc.fill_null(pc.match_substring_regex(arr, r"^[0-9]{13}$"), False)
    ok = ok.to_numpy(zero_copy_only=False)
    fixed = arr.filter(pa.array(ok)).cast(pa.binary(13))
    raw = np.frombuffer(fixed.buffers()[1], np.uint8, len(fixed) * 13, fixed.offset * 13)
    return ok, raw.reshape(-1, 13) - np.uint8(ord("0"))


def validate_sa_id(ids: np.ndarray | pd.Series | list[str]) -> np.ndarray:
    """True where an ID is 13 digits with a real month/day, citizenship 0-2 and a Luhn check."""
    ok, d = _id_digits(ids)
    month = d[:, 2].astype(np.int16) * 10 + d[:, 3]
    day = d[:, 4].astype(np.int16) * 10 + d[:, 5]
    month_days = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    valid_date = (month >= 1) & (month <= 12) & (day >= 1) & (day <= month_days[month.clip(0, 12)])
    doubled_digit_sum = np.array([0, 2, 4, 6, 8, 1, 3, 5, 7, 9], np.uint8)
    luhn = d[:, 0::2].sum(axis=1, dtype=np.int16) + doubled_digit_sum[d[:, 1::2]].sum(
        axis=1, dtype=np.int16
    )
    result = ok.copy()
    result[ok] = valid_date & (d[:, 10] <= 2) & (luhn % 10 == 0)
    return result


def sa_id_matches(
    ids: np.ndarray | pd.Series, birth_dates: np.ndarray | pd.Series, sexes: np.ndarray | pd.Series
) -> np.ndarray:
    """True where an ID's YYMMDD is the birth date and its sequence block matches the sex."""
    ok, d = _id_digits(ids)
    year, monthday = year_monthday(birth_dates)
    yymmdd = (year % 100 * 10000 + monthday)[ok]
    coded = d[:, :6].astype(np.int64) @ (10 ** np.arange(5, -1, -1))
    coded_male = d[:, 6] >= ID_SEQUENCES_PER_SEX // 1000
    result = ok.copy()
    male = pc.equal(as_arrow(sexes), "M").to_numpy(zero_copy_only=False)
    result[ok] = (coded == yymmdd) & (coded_male == male[ok])
    return result
