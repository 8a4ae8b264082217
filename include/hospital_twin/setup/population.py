"""The catchment population: everyone who could walk into the hospital, once, at setup.

Modelled: `config.population.size` people living in `config.population.province`, aged
`min_age`..`max_age` on the simulation start date, split into the census population groups by
`population.group_shares` (seed 000, DESIGN.md §3). Each person has a sex, a birth date, a name
from their group's name pool (Black African names by home language), a Gauteng street address
and a valid 13-digit South African ID number.

Figures that describe the population rather than the hospital live here, with their source:
the age pyramid and the female share are Stats SA mid-year population estimates (2022); the
home-language mix of Black African Gautengers is Census 2011; suburbs, towns and postal codes are
SA Post Office codes for Gauteng. The ID layout is Home Affairs': YYMMDD birth date, SSSS sequence
(0000-4999 female, 5000-9999 male), C citizenship (0 citizen, 1 permanent resident), A filler
(8 since 1986), Z Luhn check digit.

Everything is vectorised: name and address pools are built once, and for each person we only
draw indices into them, so millions of people take seconds (benchmarks/bench_population.py).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from faker.providers.address.zu_ZA import Provider as ZuluAddresses
from faker.providers.person.zu_ZA import Provider as ZuluNames

from hospital_twin.config import HospitalConfig
from hospital_twin.rng import stream

COLUMNS = [
    "person_id", "sa_id", "first_name", "last_name", "population_group", "sex", "birth_date",
    "age", "street_address", "suburb", "city", "postal_code", "province",
]  # fmt: skip
SEXES = np.array(["F", "M"])
DATE_DTYPE = "datetime64[us]"

# Stats SA mid-year estimates 2022: share of people per 5-year band 0-4, 5-9, ..., 80-84, 85+.
AGE_BAND_SHARES = np.array(
    [9.4, 9.3, 9.0, 8.3, 8.2, 8.6, 9.0, 8.4, 6.9, 5.5, 4.6, 3.9, 3.2, 2.5, 1.7, 1.0, 0.5, 0.3]
)
FEMALE_SHARE = 0.511
PERMANENT_RESIDENT_SHARE = 0.02
ID_FILLER_DIGIT = 8
ID_SEQUENCES_PER_SEX = 5000
MAX_HOUSE_NUMBER = 3999
# How much more likely a person lives in a suburb historically home to their population group.
SUBURB_AFFINITY = 8.0


# Name pools per population group; Black African names per home language, with shares of
# Gauteng's Black African population (Census 2011; Ndebele and Swati counted with Zulu).
# "@faker" stands for the Faker zu_ZA list of that kind.
_NAME_DATA = """
[Black African|0.33|Zulu]
M: @faker, Bongani, Sipho, Themba, Sifiso, Mxolisi, Lindani, Nkosinathi, Sabelo, Khulekani
F: Amahle, Busisiwe, Gugu, Gugulethu, Khanyisile, Londiwe, Nobuhle, Nokulunga, Nomalanga,
   Nomathemba, Nomcebo, Nomusa, Nomvula, Nonhlanhla, Nothando, Noxolo, Sibongile, Silondile,
   Simphiwe, Thandeka, Thandiwe, Thembeka, Zinhle, Zanele, Nokuthula, Hlengiwe, Zandile, Lindiwe
S: @faker
[Black African|0.17|Sotho]
M: Thabo, Tumelo, Teboho, Tshepo, Lebohang, Thabang, Mohau, Lehlohonolo, Motlatsi, Kamohelo,
   Tsepang, Mosiuoa, Lefa, Molefi, Tshediso, Katleho
F: Palesa, Lerato, Mpho, Dineo, Nthabiseng, Refiloe, Puleng, Mamello, Lineo, Limakatso,
   Boitumelo, Keneuoe, Masechaba, Matseliso, Nthati, Relebohile
S: Mokoena, Mofokeng, Moloi, Tau, Mohapi, Letsie, Sello, Tsotetsi, Motaung, Makhetha, Mohale,
   Lesia, Mokhele, Nthunya, Sekhonyana, Moeketsi, Ralebitso, Radebe
[Black African|0.14|Pedi]
M: Kgabo, Lesiba, Tebogo, Mahlatse, Matome, Lehlogonolo, Phuti, Sello, Thabiso, Kamogelo,
   Mogale, Koketso
F: Mokgadi, Mologadi, Mahlako, Mmathapelo, Kgaugelo, Lebogang, Morongwa, Tshegofatso, Mosima,
   Raesibe, Mapula, Dikeledi
S: Maponya, Mphahlele, Sekhukhune, Ledwaba, Nkadimeng, Ramokgopa, Mamabolo, Mothapo, Molepo,
   Masemola, Malatji, Kekana, Sebola, Thobejane, Makgoba
[Black African|0.12|Tswana]
M: Kabelo, Tshepo, Onkarabile, Tumisang, Thato, Kgosi, Mothusi, Bakang, Tlotlo, Omphile,
   Olebogeng, Katlego
F: Lesego, Boitumelo, Naledi, Kelebogile, Onalenna, Masego, Keitumetse, Goitseone, Refilwe,
   Dimakatso, Gaone, Tshegofatso
S: Molefe, Mothibi, Sebego, Modise, Moatshe, Tlhabane, Motsepe, Moroka, Pilane, Mangope,
   Letlape, Phiri, Kgosana, Seleka, Mokwena
[Black African|0.10|Xhosa]
M: Luthando, Siyabulela, Athenkosi, Lonwabo, Mzwandile, Xolani, Lukhanyo, Akhona, Sizwe,
   Mthunzi, Monde, Vuyani, Khaya, Ayabonga, Lunga, Songezo
F: Nomvuyo, Noluthando, Asanda, Zintle, Siphokazi, Nosipho, Lulama, Yonela, Babalwa, Nandipha,
   Sinazo, Nomonde, Ziyanda, Anathi, Lwandiswa
S: Mbeki, Sisulu, Tambo, Hani, Mandela, Matanzima, Mgijima, Makeba, Nqakula, Mqhayi, Mabandla,
   Ntshona, Qoboshiyane, Mlambo, Ngcukana, Bikitsha, Sotashe
[Black African|0.10|Tsonga]
M: Hlulani, Nyiko, Tiyiselani, Hlengani, Ntsako, Rhulani, Vutomi, Kulani, Risimati
F: Tsakani, Khensani, Ntsakisi, Hlamalani, Nhlalala, Rirhandzu, Tintswalo, Nyeleti, Amukelani,
   Vongani
S: Baloyi, Maluleke, Mathebula, Chauke, Ngobeni, Mabunda, Rikhotso, Hlungwani, Novela, Nkuna,
   Shivambu, Mkhabela, Manganye
[Black African|0.04|Venda]
M: Rudzani, Khathutshelo, Tshilidzi, Ndivhuwo, Mpfariseni, Livhuwani, Fhatuwani, Takalani,
   Mulalo, Vhutshilo
F: Mashudu, Rotondwa, Lufuno, Thendo, Azwinndini, Phathutshedzo, Tshifhiwa, Khodani, Wavhudi,
   Dakalo
S: Ramaphosa, Mudau, Netshitenzhe, Nemavhola, Ramabulana, Mphephu, Tshivhase, Munyai,
   Nethononda, Mukhuba, Ravele, Madzivhandila, Sikhwivhilu
[Coloured|1.0|Coloured]
M: Ashwin, Clive, Deon, Ebrahim, Faizel, Gerald, Jerome, Keenan, Lionel, Mogamat, Nathan,
   Quinton, Ricardo, Riaan, Shaun, Trevor, Wesley, Zaid, Marlon, Ashley
F: Abigail, Bronwyn, Chantal, Charmaine, Desiree, Faldielah, Geraldine, Jolene, Lee-Ann,
   Michelle, Nadia, Natasha, Ragmat, Shireen, Tasneem, Ursula, Vanessa, Wilma, Yolanda, Zainab
S: Adams, Abrahams, Arendse, Booysen, Cupido, Daniels, Davids, Fortuin, Hendricks, Isaacs,
   Jacobs, Jansen, Januarie, Julies, Koopman, Lakay, Martin, Oliphant, Petersen, Pietersen,
   Salie, Solomons, Swartz, Williams, Witbooi
[Indian/Asian|1.0|Indian/Asian]
M: Anand, Ashok, Dinesh, Devan, Kiran, Nirvesh, Pravin, Rajesh, Ravi, Sanjay, Suresh, Vikash,
   Yusuf, Ahmed, Imran, Feroz, Ismail, Kumaran, Naresh, Yeshen
F: Anusha, Devi, Kavitha, Kamini, Leela, Meera, Nisha, Pooja, Priya, Reshma, Roshni, Saloshni,
   Sharmila, Shanthi, Sunita, Thara, Aisha, Fatima, Zaheera, Yasmin
S: Naidoo, Pillay, Govender, Moodley, Reddy, Chetty, Naicker, Padayachee, Singh, Maharaj,
   Ramlall, Sewpersad, Rampersad, Patel, Desai, Khan, Moosa, Essop, Cassim, Docrat, Bhana,
   Lakhani, Chen, Wong
[White|0.6|Afrikaans]
M: Johan, Pieter, Willem, Jacobus, Hendrik, Gerhard, Francois, Andries, Stefan, Christo, Riaan,
   Marius, Jaco, Wynand, Dirk
F: Anri, Elize, Marelize, Annelie, Carina, Elmarie, Hester, Marietjie, Sonja, Liezel, Mariska,
   Chantelle, Karin, Ilse, Riana
S: van der Merwe, Botha, Pretorius, Nel, du Plessis, Venter, Steyn, Coetzee, Joubert, Fourie,
   Smit, Swanepoel, Kruger, Erasmus, Visser, Potgieter, Bosman, Engelbrecht, van Wyk, le Roux
[White|0.4|English]
M: Michael, David, John, James, Peter, Richard, Mark, Craig, Gavin, Bruce, Andrew, Grant, Brett,
   Ryan, Sean
F: Sarah, Jennifer, Karen, Susan, Nicole, Lisa, Claire, Megan, Lauren, Kim, Tracey, Jessica,
   Emma, Candice, Samantha
S: Smith, Brown, Taylor, Wilson, Jones, Williams, Anderson, Thompson, Clarke, Walker, Evans,
   Roberts, Harris, Hughes, Lewis
"""
_FAKER_NAMES = {  # Faker's zu_ZA female list mixes in male names, so we keep our own
    "M": ZuluNames.first_names_male,
    "S": tuple(dict.fromkeys(ZuluNames.last_names)),
}


@dataclass(frozen=True)
class NamePool:
    """Names of one cultural group: its share within the population group, first names, surnames."""

    group: str
    share: float
    male: tuple[str, ...]
    female: tuple[str, ...]
    surnames: tuple[str, ...]


def _names(kind: str, text: str) -> tuple[str, ...]:
    names = [s.strip() for s in text.split(",") if s.strip()]
    return tuple(n for name in names for n in (_FAKER_NAMES[kind] if name == "@faker" else [name]))


def _parse_name_pools(text: str) -> tuple[NamePool, ...]:
    pools = []
    for section in text.split("[")[1:]:
        header, body = section.split("]", 1)
        group, share, _ = header.split("|")
        lists = {k: v for k, v in re.findall(r"^([MFS]): (.*?)(?=^[MFS]: |\Z)", body, re.M | re.S)}
        pools.append(NamePool(group, float(share), *(_names(k, lists[k]) for k in "MFS")))
    return tuple(pools)


NAME_POOLS = _parse_name_pools(_NAME_DATA)

# Suburb | town | postal code | group historically at home there (B, C, I, W; '-' mixed).
_GAUTENG_SUBURBS = """
Orlando East|Soweto|1804|B  Orlando West|Soweto|1804|B  Diepkloof|Soweto|1864|B
Meadowlands|Soweto|1852|B  Dobsonville|Soweto|1863|B  Protea Glen|Soweto|1819|B
Jabulani|Soweto|1868|B  Naledi|Soweto|1861|B  Pimville|Soweto|1809|B  Chiawelo|Soweto|1818|B
Zola|Soweto|1868|B  Mofolo|Soweto|1801|B  Dube|Soweto|1801|B  Emdeni|Soweto|1861|B
Alexandra|Johannesburg|2090|B  Hillbrow|Johannesburg|2001|-  Yeoville|Johannesburg|2198|-
Berea|Johannesburg|2198|-  Braamfontein|Johannesburg|2001|-  Melville|Johannesburg|2092|W
Rosebank|Johannesburg|2196|-  Sandton|Johannesburg|2196|-  Bryanston|Johannesburg|2191|W
Randburg|Johannesburg|2194|W  Fordsburg|Johannesburg|2092|I  Mayfair|Johannesburg|2092|I
Westbury|Johannesburg|2093|C  Bosmont|Johannesburg|2093|C  Riverlea|Johannesburg|2093|C
Noordgesig|Johannesburg|1804|C  Eldorado Park|Johannesburg|1811|C  Ennerdale|Johannesburg|1830|C
Lenasia|Johannesburg|1827|I  Lenasia South|Johannesburg|1829|I  Orange Farm|Johannesburg|1841|B
Diepsloot|Johannesburg|2189|B  Cosmo City|Johannesburg|2188|B  Turffontein|Johannesburg|2190|-
Mondeor|Johannesburg|2091|W  Northcliff|Johannesburg|2195|W  Parktown|Johannesburg|2193|-
Houghton|Johannesburg|2198|-  Roodepoort|Roodepoort|1724|W  Florida|Roodepoort|1709|W
Midrand|Midrand|1685|-  Ivory Park|Midrand|1689|B  Tembisa|Kempton Park|1632|B
Rabie Ridge|Kempton Park|1632|B  Kempton Park|Kempton Park|1619|W  Germiston|Germiston|1401|-
Katlehong|Germiston|1431|B  Boksburg|Boksburg|1459|W  Reiger Park|Boksburg|1459|C
Vosloorus|Boksburg|1475|B  Benoni|Benoni|1501|W  Actonville|Benoni|1501|I
Daveyton|Benoni|1520|B  Springs|Springs|1559|W  KwaThema|Springs|1575|B
Alberton|Alberton|1449|W  Thokoza|Alberton|1426|B  Edenvale|Edenvale|1609|W
Mamelodi|Pretoria|0122|B  Atteridgeville|Pretoria|0008|B  Soshanguve|Pretoria|0152|B
Hatfield|Pretoria|0083|-  Sunnyside|Pretoria|0132|-  Arcadia|Pretoria|0083|-
Laudium|Pretoria|0037|I  Eersterust|Pretoria|0022|C  Garsfontein|Pretoria|0081|W
Pretoria West|Pretoria|0183|W  Centurion|Centurion|0157|W  Olievenhoutbosch|Centurion|0175|B
Vereeniging|Vereeniging|1939|W  Sebokeng|Vereeniging|1983|B  Evaton|Vereeniging|1984|B
Sharpeville|Vereeniging|1928|B  Vanderbijlpark|Vanderbijlpark|1911|W
Krugersdorp|Krugersdorp|1739|W  Kagiso|Krugersdorp|1754|B  Randfontein|Randfontein|1760|W
Mohlakeng|Randfontein|1766|B  Toekomsrus|Randfontein|1760|C
"""
_SUBURB_GROUP = {"B": "Black African", "C": "Coloured", "I": "Indian/Asian", "W": "White"}
ADDRESS_POOLS = {"Gauteng": _GAUTENG_SUBURBS}
STREET_NAMES = ZuluAddresses.street_names + (
    "Vilakazi", "Beyers Naude", "Louis Botha", "Bram Fischer", "Chris Hani", "Solomon Mahlangu",
    "Moroka", "Mooki", "Kumalo", "Koma", "Pritchard", "Jorissen", "Empire", "Juta", "Helen Joseph",
    "Steve Biko", "Lilian Ngoyi", "Francis Baard", "Winnie Mandela", "Potgieter", "Station",
)  # fmt: skip
STREET_SUFFIXES = ("Street", "Road", "Avenue", "Drive", "Crescent", "Lane", "Close")


@dataclass(frozen=True)
class _NameTables:
    groups: tuple[str, ...]
    group_cells: tuple[tuple[int, np.ndarray], ...]  # first cell, cumulative shares
    first: pa.Array
    first_off: np.ndarray  # [cell, male]
    first_len: np.ndarray
    last: pa.Array
    last_off: np.ndarray  # [cell]
    last_len: np.ndarray


def _packed(lists: list[tuple[str, ...]]) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """One string array holding all lists, with each list's offset and length."""
    lengths = np.array([len(x) for x in lists])
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    return pa.array([s for x in lists for s in x], pa.string()), offsets, lengths


@cache
def _name_tables() -> _NameTables:
    """Pack NAME_POOLS into flat arrays once, so drawing a name is an index lookup."""
    pools = sorted(NAME_POOLS, key=lambda p: p.group)  # each group's pools contiguous
    groups = tuple(dict.fromkeys(p.group for p in pools))
    group_cells, start = [], 0
    for group in groups:
        shares = np.array([p.share for p in pools if p.group == group])
        group_cells.append((start, np.cumsum(shares / shares.sum())[:-1]))
        start += len(shares)
    first, off, length = _packed([n for p in pools for n in (p.female, p.male)])
    last, last_off, last_len = _packed([p.surnames for p in pools])
    return _NameTables(
        groups, tuple(group_cells), first, off.reshape(-1, 2), length.reshape(-1, 2),
        last, last_off, last_len,
    )  # fmt: skip


def take_strings(pool: pa.Array, idx: np.ndarray | pa.Array) -> pd.Series:
    """A `str` column of pool[idx] built in Arrow (no Python objects); null indices give NA."""
    return pd.Series(pool.take(idx if isinstance(idx, pa.Array) else pa.array(idx)), dtype="str")


def _arrow(values: np.ndarray | pd.Series | list[str]) -> pa.Array:
    """Strings as one Arrow array (zero-copy for Arrow-backed pandas columns)."""
    arr = pa.array(values, from_pandas=True)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _codes(values: np.ndarray | pd.Series, names: tuple[str, ...], what: str) -> np.ndarray:
    """Integer codes of `values` in `names`, failing on names we have no data for."""
    arr = _arrow(values)
    codes = pc.index_in(arr, value_set=pa.array(names, arr.type))
    if codes.null_count:
        unknown = pc.unique(arr.filter(pc.is_null(codes))).to_pylist()
        raise ValueError(f"no {what} data for {sorted(map(str, unknown))}; known: {list(names)}")
    return codes.to_numpy().astype(np.intp)


def _pick_within(
    codes: np.ndarray, cells: tuple[tuple[int, np.ndarray], ...], u: np.ndarray
) -> np.ndarray:
    """For each row, a cell of its group drawn with the group's cumulative shares."""
    cell = np.empty(len(codes), np.intp)
    for g, (start, cum) in enumerate(cells):
        rows = codes == g
        cell[rows] = start + np.searchsorted(cum, u[rows], side="right")
    return cell


def draw_names(
    rng: np.random.Generator, groups: np.ndarray | pd.Series, male: np.ndarray
) -> tuple[pd.Series, pd.Series]:
    """First and last names for people of the given population groups and sexes."""
    t = _name_tables()
    n = len(male)
    cell = _pick_within(_codes(groups, t.groups, "name"), t.group_cells, rng.random(n))
    sex = np.asarray(male, dtype=np.intp)
    first = t.first_off[cell, sex] + (rng.random(n) * t.first_len[cell, sex]).astype(np.int64)
    last = t.last_off[cell] + (rng.random(n) * t.last_len[cell]).astype(np.int64)
    return take_strings(t.first, first), take_strings(t.last, last)


@cache
def _suburbs(province: str) -> pd.DataFrame:
    if province not in ADDRESS_POOLS:
        raise ValueError(f"no address data for province {province!r}; known: {list(ADDRESS_POOLS)}")
    rows = [item.split("|") for item in ADDRESS_POOLS[province].replace("\n", "  ").split("  ")]
    rows = [r for r in rows if len(r) == 4]
    frame = pd.DataFrame(rows, columns=["suburb", "city", "postal_code", "group"])
    frame["group"] = frame["group"].map(_SUBURB_GROUP)
    return frame


def draw_addresses(
    rng: np.random.Generator, groups: np.ndarray | pd.Series, province: str
) -> dict[str, pd.Series]:
    """Street address, suburb, city and postal code, suburbs weighted towards the group's own."""
    suburbs = _suburbs(province)
    names = tuple(sorted(pc.unique(_arrow(groups)).to_pylist()))
    cells = []
    for g in names:
        w = np.where(suburbs["group"].to_numpy() == g, SUBURB_AFFINITY, 1.0)
        cells.append((0, np.cumsum(w / w.sum())[:-1]))
    n = len(groups)
    which = _pick_within(_codes(groups, names, "group"), tuple(cells), rng.random(n))
    number = rng.integers(1, MAX_HOUSE_NUMBER + 1, n)
    street = rng.integers(0, len(STREET_NAMES), n) * len(STREET_SUFFIXES)
    street += rng.integers(0, len(STREET_SUFFIXES), n)
    streets = pa.array([f"{s} {x}" for s in STREET_NAMES for x in STREET_SUFFIXES])
    address = pc.binary_join_element_wise(
        pa.array(number).cast(pa.string()), streets.take(pa.array(street)), " "
    )
    out = {"street_address": pd.Series(address, dtype="str")}
    for col in ("suburb", "city", "postal_code"):
        out[col] = take_strings(pa.array(suburbs[col].tolist(), pa.string()), which)
    return out


def draw_ages(rng: np.random.Generator, n: int, min_age: int, max_age: int) -> np.ndarray:
    """Whole-year ages following the SA age pyramid, truncated to min_age..max_age."""
    ages = np.arange(min_age, max_age + 1)
    weights = AGE_BAND_SHARES[np.minimum(ages // 5, len(AGE_BAND_SHARES) - 1)]
    return rng.choice(ages, size=n, p=weights / weights.sum())


def dates_whole_years_before(
    reference: dt.date | pd.Timestamp, years: np.ndarray, u: np.ndarray
) -> np.ndarray:
    """Dates from which exactly `years` whole years have passed on `reference`.

    `u` (uniform in [0, 1)) places each date within its one-year window, so a birth date drawn
    for age k gives age k on the reference date, leap days included.
    """
    years = np.asarray(years, dtype=np.int64)
    ref = pd.Timestamp(reference)
    ks = range(int(years.max(initial=0)) + 2)
    anniversaries = np.array([ref - pd.DateOffset(years=k) for k in ks], dtype="datetime64[D]")
    latest = anniversaries[:-1]
    earliest = anniversaries[1:] + np.timedelta64(1, "D")
    span = (latest - earliest).astype(np.int64) + 1
    return earliest[years] + (np.asarray(u) * span[years]).astype(np.int64)


def _year_monthday(dates: np.ndarray | pd.Series) -> tuple[np.ndarray, np.ndarray]:
    days = np.asarray(dates, dtype="datetime64[D]")
    months = days.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (days - months).astype(np.int64) + 1
    return year, month * 100 + day


def age_on(birth_dates: np.ndarray | pd.Series, when: dt.date | pd.Timestamp) -> np.ndarray:
    """Whole years of age on `when` (a birthday counts from the day itself)."""
    year, monthday = _year_monthday(birth_dates)
    w = pd.Timestamp(when)
    return (w.year - year) - ((w.month * 100 + w.day) < monthday)


def _coprime_stride(size: int) -> int:
    """A stride that visits every residue mod `size`, so sequences spread but never repeat."""
    stride = int(size * 0.618) | 1
    while np.gcd(stride, size) != 1:
        stride += 2
    return stride


def _unique_sequences(
    rng: np.random.Generator, key: np.ndarray, block: int, blocks: int
) -> np.ndarray:
    """Sequence numbers unique within each key, inside block `block` of `blocks` of 0..4999."""
    size = ID_SEQUENCES_PER_SEX // blocks
    order = np.argsort(key, kind="stable")
    ks = key[order]
    new = np.empty(len(ks), bool)
    new[:1] = True
    np.not_equal(ks[1:], ks[:-1], out=new[1:])
    group = np.cumsum(new) - 1
    first = np.flatnonzero(new)
    rank = np.arange(len(ks)) - first[group]
    if len(ks) and rank.max() >= size:
        raise ValueError(f"more than {size} people share a birth date and sex: IDs would repeat")
    offset = rng.integers(0, size, len(first))
    seq = np.empty(len(ks), np.int64)
    seq[order] = block * size + (offset[group] + rank * _coprime_stride(size)) % size
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
    *,
    block: int = 0,
    blocks: int = 1,
) -> pd.Series:
    """Valid, unique 13-digit SA ID numbers for the given birth dates and sexes.

    Sequence numbers are unique per (YYMMDD, sex) within one call; callers that must not collide
    with each other (staff and reserve pool) take different `block`s of the sequence range.
    """
    year, monthday = _year_monthday(birth_dates)
    yymmdd = year % 100 * 10000 + monthday
    male = np.asarray(male, dtype=np.int64)
    seq = _unique_sequences(rng, yymmdd * 2 + male, block, blocks) + ID_SEQUENCES_PER_SEX * male
    citizen = (rng.random(len(male)) < PERMANENT_RESIDENT_SHARE).astype(np.int64)
    body = yymmdd * 1_000_000 + seq * 100 + citizen * 10 + ID_FILLER_DIGIT
    check = (10 - _luhn_sum(body, 12, doubled_parity=1) % 10) % 10
    text = pc.utf8_lpad(pa.array(body * 10 + check).cast(pa.string()), 13, "0")
    return pd.Series(text, dtype="str")


def _id_digits(ids: np.ndarray | pd.Series | list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Rows that are 13 ASCII digits, and those rows' digits as an (n, 13) array."""
    arr = _arrow(ids).cast(pa.string())
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
    year, monthday = _year_monthday(birth_dates)
    yymmdd = (year % 100 * 10000 + monthday)[ok]
    coded = d[:, :6].astype(np.int64) @ (10 ** np.arange(5, -1, -1))
    coded_male = d[:, 6] >= ID_SEQUENCES_PER_SEX // 1000
    result = ok.copy()
    male = pc.equal(_arrow(sexes), "M").to_numpy(zero_copy_only=False)
    result[ok] = (coded == yymmdd) & (coded_male == male[ok])
    return result


def draw_groups(rng: np.random.Generator, shares: dict[str, float], n: int) -> pd.Series:
    """Population group per person, by the configured shares."""
    names = list(shares)
    p = np.array([shares[g] for g in names])
    return take_strings(pa.array(names, pa.string()), rng.choice(len(names), size=n, p=p / p.sum()))


def generate_population(config: HospitalConfig, size: int | None = None) -> pd.DataFrame:
    """The catchment population on the simulation start date: one row per person (COLUMNS)."""
    spec, seed = config.population, config.seed
    n = spec.size if size is None else size
    groups = draw_groups(stream(seed, None, "population.group"), spec.group_shares, n)
    male = stream(seed, None, "population.sex").random(n) >= FEMALE_SHARE
    ages_rng = stream(seed, None, "population.age")
    ages = draw_ages(ages_rng, n, spec.min_age, spec.max_age)
    birth = dates_whole_years_before(config.simulation.start_date, ages, ages_rng.random(n))
    first, last = draw_names(stream(seed, None, "population.names"), groups, male)
    frame = pd.DataFrame(
        {
            "person_id": np.arange(1, n + 1, dtype=np.int64),
            "sa_id": make_sa_ids(stream(seed, None, "population.sa_id"), birth, male),
            "first_name": first,
            "last_name": last,
            "population_group": groups,
            "sex": take_strings(pa.array(SEXES), male.astype(np.int64)),
            "birth_date": birth.astype(DATE_DTYPE),
            "age": ages.astype(np.int64),
            **draw_addresses(stream(seed, None, "population.address"), groups, spec.province),
        }
    )
    frame["province"] = take_strings(pa.array([spec.province]), np.zeros(n, np.int64))
    return frame[COLUMNS]
