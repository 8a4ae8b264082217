"""Length-of-stay models for the capacity engine, fitted to stays that may still be running.

Stays of patients still in bed are right-censored: we know only that the stay exceeds the
time elapsed so far. Dropping them biases the length of stay downwards (long stays are the
ones most often still running); treating them as complete does the same. Two fits respect
the censoring:

- empirical: the Kaplan–Meier product-limit estimator of the survival function
  S(t) = P(LOS > t) (Kaplan & Meier 1958), with an exponential tail past the last
  observation when that observation is censored (hazard = events / exposure over the
  longest quarter of stays, a constant-hazard assumption stated in `.description`);
- lognormal: maximum likelihood with censored terms log S(x) beside the density terms.

Every model answers the questions the Monte Carlo engine asks: S(t), samples of LOS, and
residual stays *conditional on time already spent*, drawn by inversion from
P(LOS > e + r | LOS > e) = S(e + r) / S(e), so a census of long-stayers is neither forgotten
nor re-drawn from scratch. `scaled(f)` gives the model of f × LOS (a scenario's los_factor).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, special, stats

from hospital_twin.config import LengthOfStay

MIN_STAY_DAYS = 1.0 / 24  # stays recorded as 0 (same-day) count as an hour: one census day


@dataclass(frozen=True)
class LosModel:
    """Base: subclasses give survival(x) and the inverse survival isf(p)."""

    description: str = field(default="", compare=False)

    def survival(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def isf(self, p: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def scaled(self, factor: float) -> LosModel:
        raise NotImplementedError

    @property
    def mean(self) -> float:
        raise NotImplementedError

    def sample(self, n: int | tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        """LOS draws in days."""
        return self.isf(1.0 - rng.random(n))

    def sample_residual(self, elapsed: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Remaining days for patients in bed `elapsed` days: LOS - e given LOS > e."""
        e = np.asarray(elapsed, dtype=float)
        u = 1.0 - rng.random(e.shape)  # (0, 1]
        return np.maximum(self.isf(u * self.survival(e)) - e, 0.0)

    def mean_residual(self, elapsed: float, upper: float | None = None) -> float:
        """E[LOS - e | LOS > e] = ∫_e^∞ S(x) dx / S(e), by quadrature (for checks)."""
        s_e = float(self.survival(np.array([elapsed]))[0])
        top = upper if upper is not None else float(self.isf(np.array([1e-9]))[0])
        grid = np.linspace(elapsed, max(top, elapsed + 1), 20001)
        return float(np.trapezoid(self.survival(grid), grid) / s_e)


@dataclass(frozen=True)
class ParametricLos(LosModel):
    """Lognormal or gamma LOS (scipy frozen distribution parameters)."""

    dist: str = "lognormal"  # "lognormal": (sigma, scale=exp(mu)); "gamma": (shape, scale)
    shape: float = 1.0
    scale: float = 1.0

    def _frozen(self) -> stats.rv_continuous:
        if self.dist == "lognormal":
            return stats.lognorm(self.shape, scale=self.scale)
        return stats.gamma(self.shape, scale=self.scale)

    def survival(self, x: np.ndarray) -> np.ndarray:
        """S(x) from the special functions directly (scipy.stats' checks cost 5x)."""
        z = np.maximum(np.asarray(x, dtype=float), 0.0) / self.scale
        if self.dist == "lognormal":
            with np.errstate(divide="ignore"):
                return special.ndtr(-np.log(z) / self.shape)
        return special.gammaincc(self.shape, z)

    def isf(self, p: np.ndarray) -> np.ndarray:
        p = np.asarray(p, dtype=float)
        if self.dist == "lognormal":  # exp(mu - sigma * ndtri(p)): exact deep in the tail
            return self.scale * np.exp(-self.shape * special.ndtri(p))
        return self.scale * special.gammainccinv(self.shape, p)

    def scaled(self, factor: float) -> ParametricLos:
        return ParametricLos(
            description=f"{self.description} x {factor:g}",
            dist=self.dist,
            shape=self.shape,
            scale=self.scale * factor,
        )

    @property
    def mean(self) -> float:
        return float(self._frozen().mean())


@dataclass(frozen=True, eq=False)
class EmpiricalLos(LosModel):
    """Kaplan–Meier step survival at event `times`, exponential tail at `tail_rate`."""

    times: np.ndarray = field(default_factory=lambda: np.zeros(0))
    surv: np.ndarray = field(default_factory=lambda: np.zeros(0))  # S just after times[i]
    tail_rate: float = 1.0  # hazard past times[-1] when surv[-1] > 0 (per day)

    def survival(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        i = np.searchsorted(self.times, x, side="right")
        s = np.where(i > 0, self.surv[np.maximum(i - 1, 0)], 1.0)
        past = x > self.times[-1]
        if self.surv[-1] > 0 and past.any():
            s = np.where(past, self.surv[-1] * np.exp(-self.tail_rate * (x - self.times[-1])), s)
        return s

    def isf(self, p: np.ndarray) -> np.ndarray:
        """Smallest event time t with S(t) <= p; in the tail, the exponential's inverse."""
        p = np.asarray(p, dtype=float)
        i = np.searchsorted(-self.surv, -p, side="left")
        out = self.times[np.minimum(i, len(self.times) - 1)]
        tail = i >= len(self.times)
        if tail.any():
            last = max(self.surv[-1], 1e-300)
            extra = np.log(last / np.clip(p, 1e-300, last)) / self.tail_rate
            out = np.where(tail, self.times[-1] + extra, out)
        return out

    def sample_residual(self, elapsed: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """As the base class; past the last stay of a fully observed sample (S(e) = 0) the
        residual is exponential at `tail_rate` rather than zero."""
        e = np.asarray(elapsed, dtype=float)
        u = 1.0 - rng.random(e.shape)
        s_e = self.survival(e)
        inside = np.maximum(self.isf(u * s_e) - e, 0.0)
        return np.where(s_e > 0, inside, -np.log(u) / self.tail_rate)

    def scaled(self, factor: float) -> EmpiricalLos:
        return EmpiricalLos(
            description=f"{self.description} x {factor:g}",
            times=self.times * factor,
            surv=self.surv,
            tail_rate=self.tail_rate / factor,
        )

    @property
    def mean(self) -> float:
        edges = np.concatenate([[0.0], self.times])
        s_before = np.concatenate([[1.0], self.surv[:-1]])
        body = float(np.sum(np.diff(edges) * s_before))
        tail = self.surv[-1] / self.tail_rate
        return body + tail


def _prepare(stays_days: np.ndarray, censored: np.ndarray | None) -> tuple[np.ndarray, ...]:
    x = np.maximum(np.asarray(stays_days, dtype=float), MIN_STAY_DAYS)
    c = np.zeros(len(x), bool) if censored is None else np.asarray(censored, dtype=bool)
    if len(x) == 0 or len(x) != len(c):
        raise ValueError("need one censored flag per stay and at least one stay")
    if np.isnan(x).any():
        raise ValueError("stays must not be NaN")
    if c.all():
        raise ValueError("every stay is censored: no completed stay to fit")
    return x, c


def kaplan_meier(stays_days: np.ndarray, censored: np.ndarray | None = None) -> EmpiricalLos:
    """Kaplan–Meier fit; censored stays are at risk up to and including their time."""
    x, c = _prepare(stays_days, censored)
    times, inverse = np.unique(x, return_inverse=True)
    events = np.bincount(inverse, weights=~c, minlength=len(times))
    leaving = np.bincount(inverse, minlength=len(times))
    at_risk = len(x) - np.concatenate([[0], np.cumsum(leaving)[:-1]])
    keep = events > 0
    surv = np.cumprod(1.0 - events[keep] / at_risk[keep])
    tail = x >= np.quantile(x, 0.75)
    exposure = (x[tail] - x[tail].min()).sum()
    tail_events = (~c[tail]).sum()
    if tail_events > 0 and exposure > 0:
        tail_rate = float(tail_events / exposure)
    else:  # no completed long stay: the overall constant-hazard estimate
        tail_rate = float((~c).sum() / x.sum())
    censor_note = f", exponential tail at {1 / tail_rate:.1f} d" if surv[-1] > 0 else ""
    return EmpiricalLos(
        description=(f"Kaplan-Meier on {len(x)} stays ({int(c.sum())} censored){censor_note}"),
        times=times[keep],
        surv=surv,
        tail_rate=tail_rate,
    )


def lognormal_mle(stays_days: np.ndarray, censored: np.ndarray | None = None) -> ParametricLos:
    """Lognormal by maximum likelihood with right-censoring (log S terms for censored)."""
    x, c = _prepare(stays_days, censored)
    z = np.log(x)

    def nll(theta: np.ndarray) -> float:
        mu, sigma = theta[0], np.exp(theta[1])
        u = (z - mu) / sigma
        ll = np.where(c, stats.norm.logsf(u), stats.norm.logpdf(u) - np.log(sigma))
        return -float(ll.sum())

    start = np.array([z[~c].mean(), np.log(max(z[~c].std(), 0.1))])
    res = optimize.minimize(nll, start, method="Nelder-Mead", options={"xatol": 1e-6})
    mu, sigma = float(res.x[0]), float(np.exp(res.x[1]))
    return ParametricLos(
        description=(
            f"lognormal MLE on {len(x)} stays ({int(c.sum())} censored): "
            f"mu={mu:.3f}, sigma={sigma:.3f}"
        ),
        dist="lognormal",
        shape=sigma,
        scale=float(np.exp(mu)),
    )


def fit_los(
    stays_days: np.ndarray,
    censored: np.ndarray | None = None,
    method: str = "auto",
    min_events_empirical: int = 200,
) -> LosModel:
    """Fit a ward's LOS: "km" (Kaplan–Meier), "lognormal", or "auto" (KM with enough
    completed stays, else lognormal). The choice is in the model's `.description`."""
    x, c = _prepare(stays_days, censored)
    if method == "auto":
        method = "km" if (~c).sum() >= min_events_empirical else "lognormal"
    if method == "km":
        return kaplan_meier(x, c)
    if method == "lognormal":
        return lognormal_mle(x, c)
    raise ValueError(f"unknown LOS method {method!r}: use 'auto', 'km' or 'lognormal'")


def from_config(los: LengthOfStay) -> LosModel:
    """The configured LOS (same parametrisation as the flow simulation's draws)."""
    if los.dist == "empirical":
        model = kaplan_meier(np.asarray(los.values_days, dtype=float))
        return EmpiricalLos(
            description=f"empirical config values ({len(los.values_days or [])} stays)",
            times=model.times,
            surv=model.surv,
            tail_rate=model.tail_rate,
        )
    cv2 = (los.sd_days / los.mean_days) ** 2
    if los.dist == "gamma":
        return ParametricLos(
            description=f"config gamma mean {los.mean_days:g} d, sd {los.sd_days:g} d",
            dist="gamma",
            shape=1 / cv2,
            scale=los.sd_days**2 / los.mean_days,
        )
    sigma2 = np.log1p(cv2)
    return ParametricLos(
        description=f"config lognormal mean {los.mean_days:g} d, sd {los.sd_days:g} d",
        dist="lognormal",
        shape=float(np.sqrt(sigma2)),
        scale=float(np.exp(np.log(los.mean_days) - sigma2 / 2)),
    )


PRIOR_LOG_SD = 0.25  # the configured mean LOS is a planner's figure: trusted to about ±25 %
SHAPE_FROM_DATA = 200  # completed stays before the fitted shape replaces the configured one


@dataclass(frozen=True)
class LosEstimate:
    """A ward's LOS model and how sure we are of its mean: `log_sd` is the standard deviation
    of log E[LOS], drawn once per Monte Carlo run (`scales`) as the arrivals' level is."""

    model: LosModel
    log_sd: float
    data_weight: float  # 0: the configured model alone; 1: the data alone

    def scales(self, runs: int, rng: np.random.Generator) -> np.ndarray | None:
        """One LOS factor per run (mean 1), or None when the mean is known."""
        if self.log_sd <= 0:
            return None
        return np.exp(rng.normal(-(self.log_sd**2) / 2, self.log_sd, runs))


def _cv(model: LosModel) -> float:
    """Coefficient of variation of a parametric model (1, the exponential's, otherwise)."""
    if isinstance(model, ParametricLos):
        if model.dist == "lognormal":
            return float(np.sqrt(np.expm1(model.shape**2)))
        return float(1 / np.sqrt(model.shape))
    return 1.0


def scale_mle(configured: LosModel, stays_days: np.ndarray, censored: np.ndarray) -> LosModel:
    """The configured model stretched by the factor that maximises the censored likelihood:
    with few ended stays only the mean is estimated, the shape (the tail) stays the
    configured one (a free lognormal extrapolates a gamma ward's tail to twice its mean)."""
    if not isinstance(configured, ParametricLos):
        return fit_los(stays_days, censored)
    x, c = _prepare(stays_days, censored)

    def nll(log_f: float) -> float:
        frozen = configured.scaled(float(np.exp(log_f)))._frozen()
        return -float(np.where(c, frozen.logsf(x), frozen.logpdf(x)).sum())

    best = optimize.minimize_scalar(nll, bounds=(-3.0, 3.0), method="bounded")
    model = configured.scaled(float(np.exp(best.x)))
    return dataclasses.replace(
        model, description=f"{configured.description} rescaled by censored MLE on {len(x)} stays"
    )


def blend_los(
    configured: LosModel, stays_days: np.ndarray, censored: np.ndarray | None = None
) -> LosEstimate:
    """The configured model and the fitted one, weighted by the evidence.

    On the log of the mean LOS, the configured value is a prior with sd PRIOR_LOG_SD and the
    fit (censored stays respected) an observation with sd cv / sqrt(completed stays): the
    precision-weighted mean is the estimate and its sd the uncertainty carried into the
    Monte Carlo. The shape is the fit's once SHAPE_FROM_DATA stays have ended, else the
    configured one rescaled to the blended mean.
    """
    x = np.asarray(stays_days, dtype=float)
    c = np.zeros(len(x), bool) if censored is None else np.asarray(censored, bool)
    completed, open_ = int((~c).sum()), int(c.sum())
    if completed == 0:
        why = f"{configured.description} (no completed stay; {open_} open)"
        return LosEstimate(dataclasses.replace(configured, description=why), PRIOR_LOG_SD, 0.0)
    fitted = fit_los(x, c) if completed >= SHAPE_FROM_DATA else scale_mle(configured, x, c)
    # the data's sd of log E[LOS]: sampling (cv / sqrt(n)) plus the share of the mean that
    # lies past the follow-up, which the fit only extrapolates. The follow-up is the longest
    # stay seen, ended or open (the data reach at least that far back); the longest open stay
    # alone made a two-year-old ward with only short stays open half "thin" again.
    tail = 0.0
    if open_:
        window = float(x.max())
        grid = np.linspace(window, window + 50 * configured.mean, 2001)
        tail = float(np.trapezoid(configured.survival(grid), grid)) / configured.mean
    se2 = _cv(configured) ** 2 / completed + tail**2
    shift = float(np.log(fitted.mean / configured.mean))
    weight = (1 / se2) / (1 / se2 + 1 / PRIOR_LOG_SD**2)
    consistent = abs(shift) <= 2 * np.sqrt(se2)  # no evidence against the configured mean
    # a fit on few ended stays can extrapolate wildly (a lognormal tail from censored stays):
    # the data may pull the mean at most 3 prior sds from the configured one
    pull = 0.0 if consistent else weight * np.clip(shift, -3 * PRIOR_LOG_SD, 3 * PRIOR_LOG_SD)
    log_mean = np.log(configured.mean) + pull
    base = fitted if completed >= SHAPE_FROM_DATA else configured
    model = base.scaled(float(np.exp(log_mean)) / base.mean)
    thin = (
        " - too few stays to move it"
        if weight < 0.5
        else " - consistent with the configured mean"
        if consistent
        else ""
    )
    why = (
        f"{base.description}, mean {np.exp(log_mean):.2f} d ({weight:.0%} weight on "
        f"{completed} completed + {open_} open stays, fitted mean {fitted.mean:.2f} d "
        f"± {np.sqrt(se2):.0%}{thin})"
    )
    sd = float(np.sqrt(1 / (1 / se2 + 1 / PRIOR_LOG_SD**2)))
    return LosEstimate(dataclasses.replace(model, description=why), sd, float(weight))
