"""Patient flow through the wards on simulated day D: a SimPy discrete-event simulation.

What is modelled (figures from the config; DESIGN.md §3, seed 002's ward engine):

- Who needs a bed, and where (`admission_candidates`; every figure is in `config.flow`).
  Three routes, each decision drawn on its own stream:
  * `direct`: a visit, to any service, whose condition's department has a ward listed in
    `flow.direct_admission_prob` is admitted straight to that ward with that probability
    (the maternity unit admits women in labour itself, not through the ED).
  * `ED`: other Emergency-room visits finish triage (`triage_minutes` after arrival) and need
    a bed with probability `flow.ed_admission_prob_by_triage[level]`, its odds multiplied by
    the wanted ward's `flow.admission_odds_ratio` (a logistic-model offset: how much more or
    less readily that specialty admits than the ED average at the same triage level). The
    wanted ward is the ward of the condition's department, unless the patient is less urgent
    than `flow.min_triage_by_ward` allows there (ICU takes critical patients only); patients
    whose condition names no ward (or who are not acute enough for it) go to the
    Pediatrics ward when they are children (age ≤ illness.PEDIATRIC_MAX_AGE, as illness.py
    sends children's medical conditions there), else to `flow.ed_routing_by_category` for
    their category (injuries to Surgery), else to a ward drawn from `flow.ed_routing`.
  * `elective`: Specialist-clinic visits with severity ≥ `flow.elective_min_severity` in a
    ward's department are planned admissions with probability `flow.elective_admission_prob`
    (odds × the ward's odds ratio); they queue behind every emergency.
  The default figures are calibrated so that each ward's expected demand in an ordinary
  month is 85-98 % of its capacity at 85 % occupancy, 0.85 × beds / (mean LOS + 0.5 day),
  the step-down inflow included (configs/default.yaml explains each figure;
  tests/day/test_calibration.py checks it).
- Wards are finite beds (`wards[].beds`, or `beds_override` for scenarios). When the wanted
  ward is full, `flow.overflow_policy` decides: `wait` - queue in the ED (most urgent triage
  level first, then first come) for up to `max_wait_hours`, then refused; `overflow` - take a
  bed in the first ward of `overflow_order` with room, else refused; `refuse` - refused at once.
- Length of stay is drawn from the wanted ward's model (lognormal/gamma by mean and sd, or
  empirical) on stream `los:<ward>`, × `los_factor` (scenario). A patient whose ward has
  `step_down_to` moves there with `step_down_prob` at the end of the stay if it has a free
  bed (otherwise they leave), with a new stay drawn from the step-down ward's model.
- The day starts from the census at the end of D-1 and runs to midnight. Patients still in a
  bed form the census for D+1. Requests not settled by midnight (still waiting for a bed)
  are refused at midnight with their wait so far; triage that would end after midnight is
  cut at 23:59:59 so every admission decision belongs to D. Carried-over patients keep their
  beds even when a scenario closes beds (closed beds disappear as they empty); overdue ones
  (expected discharge before D) leave at 00:00.

Admission `source` is the route (`direct`, `ED`, `elective`); `status` is the outcome of the
bed request: `admitted` (a bed in the wanted ward), `overflow` (a bed in another ward),
`refused` (no bed). Discharge is told by `discharged_at`.
Random streams: `direct`, `ed_admission`, `routing`, `elective`, `los:<ward>`, `step_down`,
`warmup`.

Modules: `pathway` (the patient process and `simulate_day`), `admission` (who needs a bed,
where, for how long), `beds` (wards, queues, the log), `los` (length of stay), `census` (the
state a day starts from), `results` (the day's frames). The admitting staff are picked in
hospital_twin.day.staffing.
"""

from hospital_twin.day.flow.admission import (
    LAST_DECISION_HOUR,
    ROUTE_STREAMS,
    admission_candidates,
    bed_requests,
    planned_stays,
    with_odds,
)
from hospital_twin.day.flow.beds import ward_beds
from hospital_twin.day.flow.census import warmup_census
from hospital_twin.day.flow.los import draw_los
from hospital_twin.day.flow.pathway import simulate_day
from hospital_twin.day.flow.results import (
    BED_LOG_COLUMNS,
    DISCHARGE_COLUMNS,
    MOVE_COLUMNS,
    WARD_DAY_COLUMNS,
    FlowResult,
)

__all__ = [
    "BED_LOG_COLUMNS",
    "DISCHARGE_COLUMNS",
    "LAST_DECISION_HOUR",
    "MOVE_COLUMNS",
    "ROUTE_STREAMS",
    "WARD_DAY_COLUMNS",
    "FlowResult",
    "admission_candidates",
    "bed_requests",
    "draw_los",
    "planned_stays",
    "simulate_day",
    "ward_beds",
    "warmup_census",
    "with_odds",
]
