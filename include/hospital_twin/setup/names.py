"""Names and street addresses: the pools people's names and homes are drawn from, and the draws.

Name pools per population group, Black African names per home language with the language's
share of Gauteng's Black African population (Census 2011); suburbs, towns and postal codes are SA
Post Office codes for Gauteng, each tagged with the population group historically at home there.
The pools are packed into flat Arrow arrays once, so drawing a name or an address for each of
millions of people is an index lookup (benchmarks/bench_population.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from faker.providers.address.zu_ZA import Provider as ZuluAddresses
from faker.providers.person.zu_ZA import Provider as ZuluNames

from hospital_twin.setup.strings import as_arrow, take_strings

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


def _codes(values: np.ndarray | pd.Series, names: tuple[str, ...], what: str) -> np.ndarray:
    """Integer codes of `values` in `names`, failing on names we have no data for."""
    arr = as_arrow(values)
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
    names = tuple(sorted(pc.unique(as_arrow(groups)).to_pylist()))
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
