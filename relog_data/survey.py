"""Satisfaction survey: shares with their uncertainty, wave comparisons,
breakdowns with small groups suppressed, response rates and timing.

Shares follow the dictionary's `satisfied_share` (sql/satisfaction.sql and
codes.SATISFIED_ANSWERS). Intervals are 95 % Wilson score intervals; the
difference between two waves is tested with Fisher's exact test (two-sided),
which stays exact for the small samples of a survey wave.
"""

from __future__ import annotations

import math

import pandas as pd

from . import fmt
from .codes import SATISFIED_ANSWERS
from .db import Database
from .indicators import Scope, satisfaction
from .model import SURVEY_QUESTIONS

MIN_GROUP = 5  # groups with fewer respondents are not shown ("effectif trop faible")
Z95 = 1.959963984540054
SIGNIFICANCE = 0.05
TIMING_GAP_MONTHS = 6  # waves whose median delay since the move differ more are not comparable

QUESTION_LABELS = {name: wording for name, _, wording in SURVEY_QUESTIONS}

DIMENSIONS = {
    "operation": "Opération",
    "on_site": "Sur site / hors site",
    "destination_landlord": "Bailleur de destination",
    "composition": "Composition du ménage",
}


# -- statistics ----------------------------------------------------------------------------
def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float | None, float | None]:
    """Wilson score interval of a proportion; (None, None) when n = 0."""
    if n <= 0:
        return None, None
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def fisher_exact(a: int, b: int, c: int, d: int) -> float:
    """Two-sided p-value of Fisher's exact test on [[a, b], [c, d]]: the sum of
    the probabilities of all tables with the same margins that are no more
    likely than the observed one."""
    row1, row2, col1 = a + b, c + d, a + c
    n = row1 + row2
    if n == 0 or row1 == 0 or row2 == 0 or col1 == 0 or col1 == n:
        return 1.0
    low, high = max(0, col1 - row2), min(row1, col1)
    log_total = _log_comb(n, col1)

    def log_p(x: int) -> float:
        return _log_comb(row1, x) + _log_comb(row2, col1 - x) - log_total

    observed = log_p(a)
    p = 0.0
    for x in range(low, high + 1):
        lp = log_p(x)
        if lp <= observed + 1e-7:  # relative tolerance for ties, as usual
            p += math.exp(lp)
    return min(1.0, p)


# -- data -----------------------------------------------------------------------------------
def answers(db: Database, scope: Scope = Scope()) -> pd.DataFrame:
    """One row per household, wave and question (empty answers included)."""
    frame = db.query("survey_long", **scope.params())
    frame["satisfied"] = frame["answer"].isin(SATISFIED_ANSWERS)
    return frame


def shares(db: Database, scope: Scope = Scope()) -> pd.DataFrame:
    """Per question and wave: n_answers, n_empty, n_satisfied, satisfied_share and
    its 95 % Wilson interval (ci_low, ci_high)."""
    frame = satisfaction(db, scope).copy()
    bounds = [wilson_interval(int(k), int(n))
              for k, n in zip(frame["n_satisfied"], frame["n_answers"])]
    frame["ci_low"] = [b[0] for b in bounds]
    frame["ci_high"] = [b[1] for b in bounds]
    frame["label"] = frame["question"].map(QUESTION_LABELS)
    return frame


def distribution(db: Database, scope: Scope = Scope()) -> pd.DataFrame:
    """Per question, wave and answer value (None = no answer): count."""
    frame = db.query("survey_distribution", **scope.params())
    frame["answer"] = frame["answer"].astype("object").where(frame["answer"].notna(), None)
    frame["count"] = frame["count"].astype("int64")
    return frame


def compare(shares_frame: pd.DataFrame, question: str, wave_a: int, wave_b: int) -> dict:
    """The change of the satisfied share of `question` from wave_a to wave_b."""
    rows = shares_frame[shares_frame["question"] == question].set_index("wave")
    if wave_a not in rows.index or wave_b not in rows.index:
        return {"defined": False, "text": "comparaison impossible (vague absente)"}
    a, b = rows.loc[wave_a], rows.loc[wave_b]
    counts = (a["n_answers"], b["n_answers"], a["n_satisfied"], b["n_satisfied"])
    if any(fmt.is_missing(v) for v in counts):  # small counts masked (elected officials)
        return {"defined": False, "text": "comparaison impossible (effectif masqué)"}
    na, nb = int(a["n_answers"]), int(b["n_answers"])
    ka, kb = int(a["n_satisfied"]), int(b["n_satisfied"])
    if na < MIN_GROUP or nb < MIN_GROUP:
        return {"defined": False, "text": "effectif trop faible pour comparer"}
    points = (kb / nb - ka / na) * 100
    p_value = fisher_exact(ka, na - ka, kb, nb - kb)
    significant = p_value < SIGNIFICANCE
    sign = "+" if points > 0 else ("\u2212" if points < 0 else "±")
    verdict = "écart significatif" if significant else "écart non significatif"
    text = (f"{sign}{fmt.number(abs(points), 0)} points entre la vague {wave_a} et la vague "
            f"{wave_b} ({verdict}, n = {fmt.integer(na)} et {fmt.integer(nb)})")
    return {"defined": True, "points": points, "p_value": p_value, "significant": significant,
            "n_a": na, "n_b": nb, "text": text}


def comparison_table(shares_frame: pd.DataFrame, wave_a: int, wave_b: int) -> pd.DataFrame:
    """Every question: both waves' shares with n and interval, the change, the test
    (a single wave when wave_a == wave_b: no change to show, no test)."""
    rows = []
    for question, _, wording in SURVEY_QUESTIONS:
        record = {"question": question, "Question": wording}
        for wave in dict.fromkeys((wave_a, wave_b)):
            cell = shares_frame[(shares_frame["question"] == question)
                                & (shares_frame["wave"] == wave)]
            if not cell.empty and fmt.is_missing(cell["n_answers"].iloc[0]):
                record[f"Vague {wave}"] = "effectif masqué"  # elected officials
                continue
            if cell.empty or int(cell["n_answers"].iloc[0]) < MIN_GROUP:
                n = 0 if cell.empty else int(cell["n_answers"].iloc[0])
                record[f"Vague {wave}"] = "effectif trop faible" if n else "—"
                continue
            c = cell.iloc[0]
            record[f"Vague {wave}"] = (
                f"{fmt.share(c['satisfied_share'], 0)} [{fmt.share(c['ci_low'], 0)} – "
                f"{fmt.share(c['ci_high'], 0)}] (n = {fmt.integer(c['n_answers'])})")
        if wave_a == wave_b:
            rows.append(record)
            continue
        result = compare(shares_frame, question, wave_a, wave_b)
        if result.get("defined"):
            points = result["points"]
            sign = "+" if points > 0 else ("\u2212" if points < 0 else "±")
            record["Écart"] = f"{sign}{fmt.number(abs(points), 0)} points"
            record["Écart significatif ?"] = (
                f"{'oui' if result['significant'] else 'non'} "
                f"({fmt.p_value(result['p_value'])})")
        else:
            record["Écart"] = result["text"]
            record["Écart significatif ?"] = "—"
        rows.append(record)
    return pd.DataFrame(rows)


def breakdown(db: Database, scope: Scope, dimension: str, labels: dict | None = None
              ) -> pd.DataFrame:
    """Satisfied share per question, wave and group of `dimension`; groups with
    fewer than MIN_GROUP respondents to the question have no figure at all
    (n and share None, `suppressed` True)."""
    if dimension not in DIMENSIONS:
        raise ValueError(dimension)
    frame = answers(db, scope)
    group = frame["operation_code" if dimension == "operation" else dimension]
    if dimension == "on_site":
        group = group.map({True: "sur site", False: "hors site"}).fillna("non renseigné")
    else:
        group = group.astype("object").fillna("non renseigné")
        if labels:
            group = group.map(lambda g: labels.get(g, g))
    frame = frame.assign(group=group)
    answered = frame[frame["answer"].notna()]
    table = (answered.groupby(["question", "wave", "group"])
             .agg(n_answers=("satisfied", "size"), n_satisfied=("satisfied", "sum"))
             .reset_index())
    table["satisfied_share"] = table["n_satisfied"] / table["n_answers"]
    small = table["n_answers"] < MIN_GROUP
    table["suppressed"] = small
    table.loc[small, ["n_answers", "n_satisfied", "satisfied_share"]] = None
    table["label"] = table["question"].map(QUESTION_LABELS)
    return table


def waves(db: Database, scope: Scope = Scope()) -> pd.DataFrame:
    """Per wave: dates, eligible households (definitive move on or before the
    wave's last survey date), eligible respondents, answers from households not
    eligible (out_of_scope_respondents), response rate = respondents / eligible,
    median months between the move and the survey."""
    return db.query("survey_waves", **scope.params())


def timing_warning(waves_frame: pd.DataFrame, wave_a: int, wave_b: int) -> str | None:
    rows = waves_frame.set_index("wave")
    if wave_a not in rows.index or wave_b not in rows.index:
        return None
    a = rows.loc[wave_a, "median_months_since_move"]
    b = rows.loc[wave_b, "median_months_since_move"]
    if pd.isna(a) or pd.isna(b) or abs(a - b) <= TIMING_GAP_MONTHS:
        return None
    return (f"Attention : les ménages de la vague {wave_a} ont été interrogés en médiane "
            f"{fmt.number(a, 0)} mois après leur relogement, ceux de la vague {wave_b} "
            f"{fmt.number(b, 0)} mois après : les deux vagues ne sont pas comparables dans le "
            "temps.")
