"""Illness profiles: the condition each person would present with, and any chronic condition.

Modelled: a catalogue of conditions (CONDITIONS) with a category, a severity range on the 1-5
scale, the department that treats it, a remedy and relative frequencies per age band. Each person
gets one presenting condition drawn for their age band and sex, a severity within the condition's
range (milder more often), the department (children's medical admissions go to Pediatrics) and,
with a prevalence rising with age, a chronic condition.

Figures: conditions, remedies and the age gradients follow seed 000's age-specific illness table
(chest pain, burns, assault, alcohol, poisoning, malnutrition, TB, HIV, mental health, pregnancy
...); chronic prevalence by age follows its "Chronic Condition" probabilities. Categories match
the seasonal peak keys of `config.visits.seasonal_peaks` so the visit generator can raise them in
their months; departments are checked against the configured wards and outpatient services.

Calibrated against the beds (with config.flow; tests/day/test_calibration.py): sepsis
spans severity 3-5 (septic shock, 5, is the ICU case; milder sepsis is treated on the
wards), chest pain 2-4 (most chest pain is not a heart attack), attempted suicide is
stabilised in Medicine before a psychiatric evaluation, substance use disorder is an
outpatient condition (severity 1-2: detoxification and rehabilitation are referred out),
labour is frequent enough for the maternity unit's beds, and childhood pneumonia and
bronchiolitis belong to the `flu` (respiratory season) category so they peak in winter.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pyarrow as pa

from hospital_twin.config import HospitalConfig
from hospital_twin.rng import stream
from hospital_twin.setup.strings import take_strings

COLUMNS = [
    "person_id", "condition", "category", "severity", "department", "chronic_condition", "remedy",
]  # fmt: skip
# Lower edges of the age bands that the catalogue's weights are given for.
AGE_BANDS = (0, 5, 13, 18, 45, 65)
BAND_COLUMNS = ["w_0_4", "w_5_12", "w_13_17", "w_18_44", "w_45_64", "w_65_plus"]
PEDIATRIC_MAX_AGE = 12  # children up to this age are admitted to Pediatrics
PEDIATRIC_DEPARTMENT = "Pediatrics"
ADULT_MEDICAL_DEPARTMENTS = ("Medicine", "Cardiology", "Neurology")
MATERNAL_CATEGORY = "maternal"
MATERNAL_AGES = (15, 49)
# Share of people with a chronic condition per age band (seed 000's "Chronic Condition").
CHRONIC_PREVALENCE = np.array([0.03, 0.05, 0.08, 0.18, 0.35, 0.50])
# Severity = min + (range) * u**SEVERITY_SKEW: > 1 makes the milder end of a range more common.
SEVERITY_SKEW = 1.5

# condition | category | severity | department | chronic | sex | weights per band | remedy
_CATALOGUE = """
No significant illness reported|general|1-1|General Consultation|||300 350 400 330 220 120|Routine check-up
Gastroenteritis|general|1-3|General Consultation|||120 80 40 30 20 30|Oral rehydration; fluids; observation
High fever|general|2-3|General Consultation|||90 60 30 25 20 20|Antipyretics; fluids; find the source
Acute abdominal pain|general|2-4|Surgery|||15 25 25 25 20 20|Analgesia; imaging; surgical review
Severe infection (sepsis)|general|3-5|ICU|||8 3 2 4 6 12|IV antibiotics; fluids; organ support
Severe shortness of breath|general|3-5|Medicine|||15 8 6 8 15 30|Oxygen; bronchodilators; corticosteroids
Loss of consciousness or fainting|general|2-3|Emergency Room|||2 4 10 8 8 12|Observation; ECG; blood tests
Severe allergic reaction (anaphylaxis)|general|4-5|Emergency Room|||2 1.5 1 1 1 1|Adrenaline; antihistamines; corticosteroids
Diabetic ketoacidosis|general|4-5|High Care|||0.2 1 2 2 2 1|IV insulin; fluids; electrolyte monitoring
Prostate problems|general|2-3|Surgery||M|0 0 0 0.5 8 20|PSA test; urology review; surgery if needed
Gynaecological condition|gynaecology|2-3|Obstetrics & Gynecology||F|0 0 8 15 15 10|Examination; ultrasound; treatment
Tuberculosis (TB)|infectious|2-4|Medicine|||2 3 8 15 12 8|Anti-TB treatment (DOTS); sputum tests; contact tracing
HIV-related opportunistic infection|infectious|3-4|Medicine|||1 1 3 15 10 4|ART review; prophylaxis; treat the infection
Common cold/flu|flu|1-2|General Consultation|||200 160 120 100 90 140|Rest; fluids; antipyretics
Influenza with pneumonia|flu|3-4|Medicine|||15 8 4 5 10 30|Oxygen; antivirals; antibiotics
Road traffic injury|accidents|2-5|Surgery|||8 15 25 25 12 8|Trauma assessment; imaging; surgery if needed
Fracture or joint injury|accidents|2-4|Surgery|||10 25 20 12 10 15|Immobilisation; pain relief; reduction
Hip fracture|accidents|3-4|Surgery|||0 0 0 0.5 4 20|Analgesia; surgical fixation; rehabilitation
Major trauma|accidents|4-5|ICU|||1 2 4 5 3 3|Resuscitation; imaging; emergency surgery
Heavy uncontrollable bleeding|accidents|4-5|Surgery|||1 1 3 5 5 4|Direct pressure; transfusion; surgical control
Burns|burns|2-4|Surgery|||20 12 6 6 6 12|Cooling; burn dressings; pain management
Severe burns|burns|4-5|ICU|||3 2 1 1 1 2|Fluid resuscitation; burn care; skin grafts
Assault injuries|assault|2-4|Surgery|||0 6 20 18 6 2|Wound care; imaging for fractures; psychosocial support
Stab or gunshot wound|assault|4-5|Surgery|||0 0.5 4 6 2 0.5|Haemorrhage control; wound exploration; surgery
Domestic violence injury|assault|2-3|Emergency Room|||1 3 8 15 8 4|Injury care; safety planning; social worker referral
Acute alcohol intoxication|alcohol|1-3|Emergency Room|||0 0 8 25 20 10|Observation; hydration; thiamine
Alcohol-related liver disease|alcohol|3-4|Medicine|||0 0 0 4 12 10|Liver function tests; nutrition; abstinence support
Alcohol withdrawal|alcohol|3-4|Medicine|||0 0 0.5 6 8 4|Benzodiazepines; thiamine; monitoring
Household chemical or paraffin ingestion|poisoning|2-4|Pediatrics|||15 5 0 0 0 0|Observation; airway support; no induced vomiting
Food poisoning|poisoning|1-3|General Consultation|||10 10 10 12 10 12|Rehydration; observation
Overdose or pesticide poisoning|poisoning|4-5|ICU|||0 0.5 3 4 2 1|Decontamination; antidote; ICU monitoring
Severe acute malnutrition|malnutrition|3-4|Pediatrics|||30 10 0 0 0 0|Therapeutic feeding; micronutrients; growth monitoring
Malnutrition|malnutrition|2-3|Medicine|||0 0 8 8 8 12|Nutritional assessment; dietary support; vitamins
Immunisation and growth check|pediatric|1-1|General Consultation|||120 40 0 0 0 0|Vaccination; growth monitoring
Childhood pneumonia|flu|3-4|Pediatrics|||40 12 0 0 0 0|Oxygen; antibiotics; feeding support
Diarrhoea with dehydration|pediatric|2-4|Pediatrics|||40 10 0 0 0 0|IV or oral rehydration; zinc; feeding
Bronchiolitis|flu|2-3|Pediatrics|||25 0 0 0 0 0|Oxygen; nasal suction; feeding support
Febrile convulsions|pediatric|3-4|Pediatrics|||10 2 0 0 0 0|Seizure control; antipyretics; find the infection
Measles|pediatric|2-3|Pediatrics|||3 2 0 0 0 0|Vitamin A; supportive care; isolation
Hypertension|chronic|1-3|General Consultation|yes||0 0 1 40 120 180|Antihypertensives; low-salt diet; monitoring
Diabetes|chronic|1-3|General Consultation|yes||0.2 0.5 2 15 70 90|Glucose monitoring; oral agents or insulin; diet
Asthma|chronic|1-3|General Consultation|yes||30 45 35 20 15 12|Inhaled corticosteroids; bronchodilators; action plan
Arthritis|chronic|1-2|Specialist Clinic|yes||0 0 0.5 5 50 90|Pain management; physiotherapy; joint injections
Chronic kidney disease|chronic|2-4|Medicine|yes||0 0.2 0.5 3 15 30|Blood pressure control; renal monitoring; dialysis if advanced
HIV/AIDS|chronic|1-3|General Consultation|yes||1 2 5 45 30 8|Antiretroviral therapy; viral load monitoring; adherence counselling
Chest pain|cardiac|2-4|Cardiology|||0.1 0.2 1 5 20 45|ECG; troponin; aspirin; nitrates
Heart failure|cardiac|3-4|Cardiology|||0 0.2 0.5 2 10 30|Diuretics; ACE inhibitors; fluid restriction
Heart attack|cardiac|5-5|Cardiology|||0 0 0 1 6 12|Reperfusion; antiplatelets; cardiac monitoring
Stroke symptoms|neuro|4-5|Neurology|||0.05 0.1 0.2 1 5 15|CT imaging; thrombolysis if eligible; antiplatelets
Seizures|neuro|3-4|Neurology|||0 4 5 4 4 6|Anticonvulsants; neurological assessment
Sudden confusion|neuro|3-4|Neurology|||0 0 0.5 1 3 15|Blood tests; imaging; supportive care
Severe headache|neuro|1-3|General Consultation|||0 15 25 30 20 10|Analgesia; rest; review for red flags
Depression|mental|1-3|Specialist Clinic|||0 2 15 25 25 20|Psychotherapy; antidepressants
Anxiety disorder|mental|1-2|Specialist Clinic|||0 3 15 25 20 10|Counselling; CBT; SSRIs
Acute psychosis|mental|3-4|Psychiatry|||0 0 2 5 2 1|Antipsychotics; safe environment; psychiatric assessment
Attempted suicide|mental|4-5|Medicine|||0 0.5 4 3 2 1|Medical stabilisation; psychiatric evaluation; safety planning
Substance use disorder|mental|1-2|Psychiatry|||0 0.5 10 12 5 1|Detoxification; counselling; rehabilitation referral
Cancer under treatment|oncology|3-4|Oncology|||0.2 0.3 0.3 2 8 12|Chemotherapy; radiotherapy; symptom control
Suspected cancer|oncology|2-3|Specialist Clinic|||0.1 0.2 0.3 3 10 14|Biopsy; imaging; oncology referral
Palliative care need|palliative|3-5|Palliative|||0 0 0 0.5 3 10|Symptom control; pain management; end-of-life planning
Antenatal care|maternal|1-2|General Consultation||F|0 0 20 60 5 0|Antenatal check-up; ultrasound; supplements
Labour and delivery|maternal|2-3|Obstetrics & Gynecology||F|0 0 12 45 2 0|Delivery support; fetal monitoring; postnatal care
Pregnancy complications|maternal|3-5|Obstetrics & Gynecology||F|0 0 3 8 1 0|Fetal monitoring; blood pressure control; caesarean if needed
Gestational diabetes|maternal|2-3|Obstetrics & Gynecology||F|0 0 0.5 2 0.5 0|Glucose tolerance test; diet; insulin
"""  # noqa: E501


def _parse_catalogue(text: str) -> pd.DataFrame:
    names = ["condition", "category", "severity", "department", "chronic", "sex", "w", "remedy"]
    raw = pd.read_csv(io.StringIO(text.strip()), sep="|", names=names, dtype=str, na_filter=False)
    low_high = raw["severity"].str.split("-", expand=True).astype(np.int64)
    weights = pd.DataFrame([[float(x) for x in w.split()] for w in raw["w"]], columns=BAND_COLUMNS)
    return pd.concat(
        [
            raw[["condition", "category"]],
            pd.DataFrame({"severity_min": low_high[0], "severity_max": low_high[1]}),
            raw[["department"]],
            pd.DataFrame({"chronic": raw["chronic"] == "yes", "sex": raw["sex"].replace("", None)}),
            raw[["remedy"]],
            weights,
        ],
        axis=1,
    )


CONDITIONS = _parse_catalogue(_CATALOGUE)


def check_catalogue(config: HospitalConfig, catalogue: pd.DataFrame = CONDITIONS) -> None:
    """Fail when a condition names a department the configured hospital does not have."""
    known = {w.department for w in config.wards} | set(config.visits.outpatient_capacity)
    unknown = sorted(set(catalogue["department"]) - known)
    if unknown:
        raise ValueError(f"conditions name department(s) {unknown} not in config: {sorted(known)}")


def age_band(ages: np.ndarray | pd.Series) -> np.ndarray:
    """Index into AGE_BANDS (and BAND_COLUMNS) for each age."""
    return np.searchsorted(AGE_BANDS, np.asarray(ages), side="right") - 1


def _cell_weights(band: int, male: bool, fertile: bool) -> np.ndarray:
    """Condition weights for one age band and sex; pregnancy only for women of maternal age."""
    c = CONDITIONS
    w = c[BAND_COLUMNS[band]].to_numpy(float).copy()
    w[c["sex"].notna().to_numpy() & (c["sex"] != ("M" if male else "F")).to_numpy()] = 0
    if not fertile:
        w[(c["category"] == MATERNAL_CATEGORY).to_numpy()] = 0
    return w / w.sum()


def _draw_conditions(rng: np.random.Generator, ages: np.ndarray, male: np.ndarray) -> np.ndarray:
    """Catalogue row per person: inverse-CDF draws within each (band, sex, fertile) cell."""
    fertile = ~male & (ages >= MATERNAL_AGES[0]) & (ages <= MATERNAL_AGES[1])
    cell = age_band(ages) * 4 + male * 2 + fertile
    order = np.argsort(cell, kind="stable")
    bounds = np.flatnonzero(np.diff(cell[order])) + 1
    u = rng.random(len(ages))
    chosen = np.empty(len(ages), np.int64)
    for rows in np.split(order, bounds):
        if len(rows) == 0:
            continue
        code = int(cell[rows[0]])
        cdf = np.cumsum(_cell_weights(code // 4, bool(code // 2 % 2), bool(code % 2)))
        chosen[rows] = np.minimum(np.searchsorted(cdf, u[rows], side="right"), len(cdf) - 1)
    return chosen


def _draw_chronic(rng: np.random.Generator, condition: np.ndarray, bands: np.ndarray) -> np.ndarray:
    """Catalogue row of each person's chronic condition, or -1 for none."""
    chronic_rows = np.flatnonzero(CONDITIONS["chronic"].to_numpy())
    result = np.where(CONDITIONS["chronic"].to_numpy()[condition], condition, -1)
    extra = (result < 0) & (rng.random(len(condition)) < CHRONIC_PREVALENCE[bands])
    u = rng.random(len(condition))
    for band, column in enumerate(BAND_COLUMNS):
        rows = extra & (bands == band)
        w = CONDITIONS[column].to_numpy(float)[chronic_rows]
        cdf = np.cumsum(w / w.sum())
        pick = np.minimum(np.searchsorted(cdf, u[rows], side="right"), len(cdf) - 1)
        result[rows] = chronic_rows[pick]
    return result


def _departments(config: HospitalConfig, condition: np.ndarray, ages: np.ndarray) -> pd.Series:
    """Condition's department; children's adult-medical admissions go to Pediatrics."""
    names = list(dict.fromkeys([*CONDITIONS["department"], PEDIATRIC_DEPARTMENT]))
    code = pd.Categorical(CONDITIONS["department"], categories=names).codes.astype(np.int64)
    dept = code[condition]
    if PEDIATRIC_DEPARTMENT in {w.department for w in config.wards}:
        remap = np.isin(dept, [names.index(d) for d in ADULT_MEDICAL_DEPARTMENTS if d in names])
        dept[remap & (ages <= PEDIATRIC_MAX_AGE)] = names.index(PEDIATRIC_DEPARTMENT)
    return take_strings(pa.array(names), dept)


def assign_illness_profiles(config: HospitalConfig, population: pd.DataFrame) -> pd.DataFrame:
    """One illness profile per person (COLUMNS), drawn for their age and sex."""
    check_catalogue(config)
    ages = population["age"].to_numpy(np.int64)
    male = (population["sex"] == "M").to_numpy()
    condition = _draw_conditions(stream(config.seed, None, "illness.condition"), ages, male)
    low = CONDITIONS["severity_min"].to_numpy()[condition]
    span = CONDITIONS["severity_max"].to_numpy()[condition] - low + 1
    u = stream(config.seed, None, "illness.severity").random(len(ages))
    chronic = _draw_chronic(stream(config.seed, None, "illness.chronic"), condition, age_band(ages))
    names = pa.array(CONDITIONS["condition"].tolist())
    frame = pd.DataFrame(
        {
            "person_id": population["person_id"].to_numpy(np.int64),
            "condition": take_strings(names, condition),
            "category": take_strings(pa.array(CONDITIONS["category"].tolist()), condition),
            "severity": low + (span * u**SEVERITY_SKEW).astype(np.int64),
            "department": _departments(config, condition, ages),
            "chronic_condition": take_strings(names, pa.array(chronic, mask=chronic < 0)),
            "remedy": take_strings(pa.array(CONDITIONS["remedy"].tolist()), condition),
        }
    )
    return frame[COLUMNS]


def condition_catalogue() -> pd.DataFrame:
    """The catalogue as a table (the warehouse's condition dimension is loaded from it)."""
    return CONDITIONS.copy()
