"""Avancement: where are we, what changed since the last meeting, what will
block the works."""

import pandas as pd
import streamlit as st

from pages import _common as ui
from relog_data import charts, fmt, indicators
from relog_data.codes import STATUS_COLOURS

scope = ui.current_scope()
reference = scope.at(ui.reference_date())
as_of = ui.as_of_text()

ui.header("Avancement du relogement",
          since=f"comparée à la séance du {fmt.day(reference.as_of)}", note=True)

now = ui.call("kpis", scope).query("is_total").iloc[0]
before = ui.call("kpis", reference).query("is_total").iloc[0]
ui.require_households(now["households_total"])
household_level = ui.current_viewer().household_level

cols = st.columns(5)
for col, (label, key) in zip(cols, [("Relogés", "rehoused"), ("Sorties", "exits"),
                                    ("Relogés provisoires", "temporary"),
                                    ("Encore dans les bâtiments", "still_in_building"),
                                    ("Restant à reloger", "remaining")]):
    with col:
        st.metric(label, fmt.integer(now[key]))
        st.caption(f"sur {fmt.integer(now['households_total'])} ménages · "
                   + ui.change(now[key], before[key]))

# -- status funnel -------------------------------------------------------------------------------
st.subheader("Où en sont les ménages")
levels = {"operation": "par opération", "phase": "par phase", "building": "par bâtiment"}
level = st.radio("Regrouper", list(levels), format_func=levels.get, horizontal=True,
                 key="progress_level")
all_counts = ui.call("status_counts", scope, level)
counts, left_out = ui.largest_groups(all_counts, "group_key", "households")
options = ui.call("scope_options")
names = dict(zip(options["code"], options["label"].fillna(options["code"])))
if level == "building":  # buildings may share a name: "Opération · Bâtiment", by code
    placed = ui.call("timeline", scope).query("level == 'building'")
    names = {code: f"{op} · {name}" for code, op, name in
             zip(placed["building_code"], placed["operation_name"], placed["name"])}
st.plotly_chart(charts.status_bars(counts, names, as_of).update_layout(
    title_text=f"Ménages par statut ({levels[level]}) au {as_of} "
               f"({ui.n_text(all_counts['households'])})"),
    width="stretch", config=ui.PLOTLY_CONFIG)
if left_out:
    st.caption(left_out)

# -- pace and projection ----------------------------------------------------------------------
st.subheader("Rythme et fin estimée")
series = ui.call("progress_series", scope)
projection = ui.call("projection", scope)
total = projection[projection["is_total"]].iloc[0]
st.plotly_chart(charts.progress_curve(
    series, total, f"Ménages relogés ou sortis, cumul réel et prévu, au {as_of}"),
    width="stretch", config=ui.PLOTLY_CONFIG)


def short_projection(row) -> str:
    if fmt.is_missing(row["remaining"]):
        return "—"
    if row["remaining"] <= 0:
        return "terminé"
    if pd.isna(row["projected_end"]):
        return "rythme nul"
    text = ui.month_year(row["projected_end"]).removeprefix("en ")
    if not pd.isna(row["gap_months"]):
        gap = row["gap_months"]
        text += f" ({'+' if gap > 0 else chr(0x2212)}{fmt.number(abs(gap), 0)} mois / prévu)"
    return text


st.markdown(f"**Ensemble du périmètre** : {indicators.projection_sentence(total)}.")
labels = ui.operation_labels()
per_op = projection[~projection["is_total"]]
ui.table(pd.DataFrame({
    "Opération": [labels.get(c, c) for c in per_op["operation_code"]],
    "Relogés + sortis": [fmt.ratio(d, t) for d, t in zip(per_op["done"],
                                                          per_op["households_total"])],
    "Restant": [fmt.integer(v) for v in per_op["remaining"]],
    "Rythme (6 derniers mois)": [f"{fmt.number(v, 1)} / mois" for v in per_op["pace_per_month"]],
    "Fin estimée": [short_projection(r) for _, r in per_op.iterrows()],
}), hide_index=True, width="stretch")

# -- buildings at risk ------------------------------------------------------------------------
st.subheader("Bâtiments à risque")
risk = ui.call("buildings_at_risk", scope)
if risk.empty:
    st.success("Aucun bâtiment dont la démolition est prévue dans les 6 mois n'abrite encore "
               "de ménages.")
else:
    demolished = risk[risk["demolished"].astype(bool)]
    if len(demolished):
        st.error(f"{fmt.integer(len(demolished))} bâtiment(s) démoli(s) selon les données "
                 "abritent encore des ménages : données à corriger.")
    ui.table(pd.DataFrame({
        "Bâtiment": risk["name"],
        "Opération": risk["operation_name"],
        "Démolition prévue": [fmt.day(d) for d in risk["planned_demolition"]],
        "Échéance": [f"démoli le {fmt.day(a)} — données à corriger" if m
                     else "dépassée" if o else f"dans {fmt.integer(d)} jours"
                     for m, a, o, d in zip(risk["demolished"], risk["actual_demolition"],
                                           risk["overdue"], risk["days_left"])],
        "Ménages encore dans le bâtiment": [fmt.ratio(a, b) for a, b in
                                            zip(risk["still_inside"], risk["households"])],
    }), hide_index=True, width="stretch")
    st.caption("Démolition prévue dans les 6 mois suivant la date de situation (ou dépassée "
               "sans démolition réelle), ou démolition réelle déjà datée, et ménages encore "
               "présents (statuts 1 à 5).")

# -- offers ------------------------------------------------------------------------------------
st.subheader("Propositions et refus")
offers = ui.call("offers_detail", scope) if household_level else None
c1, c2, c3 = st.columns(3)
with c1:
    st.metric("Propositions par ménage relogé", fmt.number(now["offers_per_rehoused"], 2))
    st.caption(f"{fmt.integer(now['offers_per_rehoused_num'])} propositions / "
               f"{fmt.integer(now['offers_per_rehoused_den'])} relogés")
with c2:
    st.metric("Taux de refus", fmt.share(now["refusal_rate"]))
    st.caption(f"{fmt.ratio(now['refusal_rate_num'], now['refusal_rate_den'])} réponses")
with c3:
    st.metric("Ménages ayant refusé 3 propositions ou plus", fmt.integer(now["three_refusals"]))
    st.caption(ui.change(now["three_refusals"], before["three_refusals"]))


def offers_histogram(offers: pd.DataFrame) -> None:
    dist = offers["offers"].clip(upper=4).value_counts().reindex(range(5), fill_value=0)
    st.plotly_chart(charts.horizontal_counts(
        ["aucune", "1 proposition", "2 propositions", "3 propositions", "4 ou plus"],
        [int(v) for v in dist], f"Propositions reçues par ménage au {as_of} "
        f"(n = {fmt.integer(len(offers))})", STATUS_COLOURS["proposition en cours"]),
        width="stretch", config=ui.PLOTLY_CONFIG)


def refusal_chart() -> None:
    reasons = ui.call("refusal_reasons", scope)
    st.plotly_chart(charts.horizontal_counts(
        reasons["reason"].tolist(), reasons["refused"].tolist(),
        f"Motifs de refus au {as_of} ({ui.n_text(reasons['refused'])} refus)",
        "#D55E00", unit="refus"), width="stretch", config=ui.PLOTLY_CONFIG)


if not household_level:  # elected officials: aggregates only, no household list
    refusal_chart()
    st.stop()
left, right = st.columns(2)
with left:
    offers_histogram(offers)
with right:
    refusal_chart()
three = offers[offers["refused"] >= 3]
st.markdown(f"**Ménages ayant refusé 3 propositions ou plus** ({fmt.integer(len(three))})")
ui.table(pd.DataFrame({
    "Ménage": three["household_id"],
    "Bâtiment": [names.get(b, b) for b in three["building_code"]],
    "Situation": three["state"],
    "Refus": three["refused"],
    "Dernière proposition": [fmt.day(d) for d in three["last_offer_date"]],
}), hide_index=True, width="stretch")

# -- workload ----------------------------------------------------------------------------------
st.subheader("Charge par chargé de relogement")
work = ui.call("workload", scope).rename(columns={"officer": "group_key"})
st.plotly_chart(charts.status_bars(work, {}, as_of, relative=False).update_layout(
    title_text=f"Ménages par chargé de relogement et par statut au {as_of} "
               f"({ui.n_text(work['households'])})"),
    width="stretch", config=ui.PLOTLY_CONFIG)
