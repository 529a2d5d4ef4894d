"""Synthèse: the programme at a glance."""

import pandas as pd
import streamlit as st

from pages import _common as ui
from relog_data import charts, fmt, privacy, wording

scope = ui.current_scope()
elu = ui.is_elu()  # aggregates at publication dates, hidden cells shown « s »
reference = scope.at(ui.reference_date())
as_of = ui.as_of_text()

ui.header("Synthèse du programme",
          since=f"comparée à la séance du {fmt.day(reference.as_of)}", note=True)

overview = ui.call("operations_overview", scope)
per_op = ui.call("kpis", scope, "operation")  # its total row is the whole scope
total = per_op[per_op["is_total"]].iloc[0]
before = ui.call("kpis", reference, "total").query("is_total").iloc[0]

ui.require_households(total["households_total"])


def ratio(numerator, denominator) -> str:
    """"312 / 490", each part « s » when hidden."""
    return f"{ui.count(numerator)} / {ui.count(denominator)}"


def share(value, decimals: int = 1) -> str:
    """A share in French; « s » for elected officials when it is hidden."""
    if elu and fmt.is_missing(value):
        return privacy.HIDDEN
    return fmt.share(value, decimals)


def joined(*parts: str) -> str:
    return " · ".join(p for p in parts if p)


# -- the situation in one sentence ---------------------------------------------------------
projection = ui.call("projection", scope)
projected = projection[projection["is_total"]]
sentence = wording.headline(total, projected.iloc[0] if len(projected) else None)
if sentence:
    st.subheader(fmt.md_escape(sentence), anchor=False)

# -- headline figures ------------------------------------------------------------
n = total["households_total"]
planned = overview["households_planned"].sum(min_count=1)
if elu and overview["households_planned"].isna().any():
    planned = None  # a sum that skips hidden operations would be wrong: « s »
cols = st.columns(6)
# (label, value, note, the households behind it: relog_data/household_filters.py key, count)
headline = [
    ("Ménages concernés", ui.count(n), f"prévus : {ui.count(planned)}", ("concernes", n)),
    ("Relogés", ui.count(total["rehoused"]), joined(f"{ratio(total['rehoused'], n)} ménages",
     ui.change(total["rehoused"], before["rehoused"])), ("reloges", total["rehoused"])),
    ("Relogés provisoires", ui.count(total["temporary"]),
     joined("solution définitive due", ui.change(total["temporary"], before["temporary"])),
     ("provisoires", total["temporary"])),
    ("Sorties sans relogement", ui.count(total["exits"]),
     joined("départs autonomes et autres", ui.change(total["exits"], before["exits"])),
     ("sorties", total["exits"])),
    ("Restant à reloger", ui.count(total["remaining"]),
     joined("y compris provisoires", ui.change(total["remaining"], before["remaining"])),
     ("restant", total["remaining"])),
    ("Avancement", share(total["progress_rate"]),
     f"(relogés + sorties) : {ratio(total['progress_rate_num'], total['progress_rate_den'])}",
     None),
]
if elu:  # officials read the share first
    headline = headline[-1:] + headline[:-1]
for col, (label, value, note, households) in zip(cols, headline):
    with col:
        st.metric(label, value)
        st.caption(note)
        if households:  # never for elected officials (ui.to_households)
            ui.to_households(*households, compact=True)

# -- points of attention --------------------------------------------------------------
points = ui.call("attention_points", scope)
st.subheader(f"Points d'attention ({len(points)})")
if not points:
    st.success("Aucun point d'attention à cette date.")
SHOWN_POINTS = 10


def show_point(point) -> None:
    # names in the text are data: shown literally, never as Markdown
    st.markdown(f"- **{fmt.md_escape(point['kind'].capitalize())}** — "
                f"{fmt.md_escape(point['text'])}")
    if point.get("filter"):  # the households it counts (not for elected officials)
        ui.to_households(point["filter"], point.get("count"))


for point in points[:SHOWN_POINTS]:
    show_point(point)
if len(points) > SHOWN_POINTS:
    with st.expander(f"Les {len(points) - SHOWN_POINTS} autres points d'attention"):
        for point in points[SHOWN_POINTS:]:
            show_point(point)

# -- status per operation ------------------------------------------------------------
counts, left_out = ui.largest_groups(ui.call("status_counts", scope, "operation"),
                                     "group_key", "households")
labels = dict(zip(overview["operation_code"], overview["name"]))
if elu:  # shares of each operation's households, counts on hover, hidden ones « s »
    figure = charts.status_shares(counts, dict(zip(overview["operation_code"],
                                                   overview["households_total"])),
                                  labels, as_of, hidden=privacy.HIDDEN)
else:
    figure = charts.status_bars(counts, labels, as_of)
st.plotly_chart(figure, width="stretch", config=ui.PLOTLY_CONFIG)
if left_out:
    st.caption(left_out)

# -- per operation table ------------------------------------------------------------
st.subheader("Avancement par opération")
if elu:
    # shares first, with their numerator and denominator; hidden cells « s »
    table = pd.DataFrame({
        "Opération": overview["name"],
        "Avancement": [share(v, 0) for v in overview["progress_rate"]],
        "Relogés + sorties / concernés": [
            ratio(a, b) for a, b in zip(overview["progress_rate_num"],
                                        overview["progress_rate_den"])],
        "Restant à reloger": [ui.count(v) for v in overview["remaining"]],
        "Concernés": [ui.count(v) for v in overview["households_total"]],
        "Prévus": [ui.count(v) for v in overview["households_planned"]],
    })
    ui.table(table, hide_index=True, width="stretch")
    st.caption(privacy.NOTE + " Par opération, les élus voient l'avancement ; le détail "
               "(relogés, provisoires, sorties) est publié pour l'ensemble du programme, "
               "en tête de page.")
else:
    table = pd.DataFrame({
        "Opération": overview["name"],
        "Prévus": [fmt.integer(v) for v in overview["households_planned"]],
        "Concernés": [fmt.integer(v) for v in overview["households_total"]],
        "Relogés": [fmt.integer(v) for v in overview["rehoused"]],
        "Provisoires": [fmt.integer(v) for v in overview["temporary"]],
        "Sorties": [fmt.integer(v) for v in overview["exits"]],
        "Restant à reloger": [fmt.integer(v) for v in overview["remaining"]],
        "Avancement": [
            None if pd.isna(v) else round(float(v) * 100, 1) for v in overview["progress_rate"]
        ],
        "Relogés + sorties / concernés": [
            fmt.ratio(a, b)
            for a, b in zip(overview["progress_rate_num"], overview["progress_rate_den"])
        ],
    })
    ui.table(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "Avancement": st.column_config.ProgressColumn(
                "Avancement", min_value=0, max_value=100, format="%.0f %%"
            ),
        },
    )
st.caption(
    "Prévus : ménages à reloger inscrits au plan de relogement. Concernés : fiches ménages "
    "enregistrées (une décohabitation crée un ménage de plus"
    # the Champratel example exists only in the demo database
    + (", d'où Champratel : 97 pour 92 prévus" if ui.is_demo()
       else "") + ")."
)

# -- headline quality shares ------------------------------------------------------------
st.subheader("Qualité du relogement")


def share_n(numerator, denominator) -> str:
    """"82,4 % (579 / 703)"; for elected officials a hidden part reads « s »,
    and so does the share (never "—", which means "not defined")."""
    if elu and (fmt.is_missing(numerator) or fmt.is_missing(denominator)):
        return f"{privacy.HIDDEN} ({ratio(numerator, denominator)})"
    return fmt.share_with_n(numerator, denominator)


def derived(value, text: str) -> str:
    """A figure computed on hidden households (a median, an amount): « s »."""
    return privacy.HIDDEN if elu and fmt.is_missing(value) else text


def euros(value) -> str:
    return derived(value, fmt.euros(value))


def quality_rows(row) -> dict:
    return {
        "Relogés hors site": share_n(row["offsite_share_num"], row["offsite_share_den"]),
        "Relogés hors QPV": share_n(row["outside_qpv_share_num"], row["outside_qpv_share_den"]),
        "Relogés dans le neuf ou récent (< 5 ans)": share_n(
            row["new_or_recent_share_num"], row["new_or_recent_share_den"]
        ),
        "Propositions par ménage relogé": (
            f"{derived(row['offers_per_rehoused'], fmt.number(row['offers_per_rehoused'], 2))} "
            f"({ui.count(row['offers_per_rehoused_num'])} propositions / "
            f"{ui.count(row['offers_per_rehoused_den'])} relogés)"
        ),
        "Taux de refus des propositions": share_n(
            row["refusal_rate_num"], row["refusal_rate_den"]
        ),
        "Ménages ayant refusé 3 propositions ou plus": ui.count(row["three_refusals"]),
        "Reste à charge médian avant → après (€/mois)": (
            f"{euros(row['rest_to_pay_before_median'])} → "
            f"{euros(row['rest_to_pay_after_median'])} "
            f"(n = {ui.count(row['rest_to_pay_increase_share_den'])})"
        ),
        "Évolution médiane du reste à charge": derived(
            row["rest_to_pay_median_change"], fmt.signed_euros(row["rest_to_pay_median_change"])
        ),
        "Ménages dont le reste à charge augmente": share_n(
            row["rest_to_pay_increase_share_num"], row["rest_to_pay_increase_share_den"]
        ),
        "Compensation ANRU de minoration de loyer": (
            f"{euros(row['rent_compensation_eur'])} "
            f"({ui.count(row['rent_compensation_count'])} relogements)"
        ),
    }


quality = {"Programme (périmètre)": quality_rows(total)}
shown_ops, left_out = ui.largest_groups(per_op[~per_op["is_total"]], "group_key",
                                        "households_total")
for _, row in shown_ops.iterrows():
    quality[labels.get(row["group_key"], row["group_key"])] = quality_rows(row)
quality_table = pd.DataFrame(quality)
quality_table.index.name = "Indicateur"
ui.table(quality_table, width="stretch")
ui.to_households("refus3", total["three_refusals"],
                 "ayant refusé 3 propositions ou plus (périmètre)")
st.caption(
    "Entre parenthèses : numérateur / dénominateur. « — » : indicateur non défini "
    "(aucun ménage concerné). Définitions exactes : page Définitions. "
    + (privacy.NOTE + " " if elu else "") + left_out
)
