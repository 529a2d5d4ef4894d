"""Avancement: where are we, what changed since the last meeting, what will
block the works.

Elected officials (role "elu") see the release of the access gateway only
(notes: release contract, issue #16): totals and operations, four statuses,
quarterly curve points; a hidden count (NA) reads privacy.HIDDEN, a share
computed on hidden counts "—"; the sections refused to them (buildings at
risk, refusal reasons, levels finer than the operation) are replaced by one
sentence and never called."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from pages import _common as ui
from relog_data import charts, fmt, indicators, privacy
from relog_data.codes import STATUS_COLOURS
from relog_data.glossary import help_text, link, plain
from relog_data.household_filters import IDLE_DAYS

viewer = ui.current_viewer()
ELU = viewer.role == "elu"
NOT_PUBLISHED = "Ce détail n'est pas publié pour les élus (secret statistique)."

scope = ui.current_scope()  # operations only for elected officials (ui.current_scope)
reference = scope.at(ui.reference_date())
as_of = ui.as_of_text()
# ui.count: « s » for a hidden count (elected officials), "—" for an unknown one;
# ui.change: « s » when either value is hidden (a change is published when both are).
now = ui.call("kpis", scope).query("is_total").iloc[0]
before = ui.call("kpis", reference).query("is_total").iloc[0]

ui.header("Avancement du relogement",
          since=f"comparée à la séance du {fmt.day(reference.as_of)}", note=True)
ui.require_households(now["households_total"])
household_level = viewer.household_level

cols = st.columns(5)
# (label, kpis column, glossary term, the households behind it: household_filters key)
for col, (label, key, term, households) in zip(cols, [
        ("Relogés", "rehoused", "reloge", "reloges"),
        ("Sorties", "exits", "sortie_sans_relogement", "sorties"),
        ("Relogés provisoires", "temporary", "reloge_provisoire", "provisoires"),
        ("Encore dans les bâtiments", "still_in_building", "encore_dans_batiment",
         "dans_batiment"),
        ("Restant à reloger", "remaining", "a_reloger", "restant")]):
    with col:
        st.metric(label, ui.count(now[key]), help=help_text(term))
        total_now = now["households_total"]
        if ELU and not fmt.is_missing(now[key]) and not fmt.is_missing(total_now) \
                and total_now:  # officials read shares first (both figures are published)
            head = f"{fmt.share(now[key] / total_now, 0)} des {ui.count(total_now)} ménages"
        else:
            head = f"sur {ui.count(total_now)} ménages"
        st.caption(" · ".join(p for p in (head, ui.change(now[key], before[key])) if p))
        ui.to_households(households, now[key])  # never for elected officials

# -- status funnel -------------------------------------------------------------------------------
st.subheader("Où en sont les ménages", help=help_text("avancement"))
options = ui.call("scope_options")
names = dict(zip(options["code"], options["label"].fillna(options["code"])))
if ELU:  # per operation only, in percentages of each operation's households
    all_counts = ui.call("status_counts", scope, "operation")
    counts, left_out = ui.largest_groups(all_counts, "group_key", "households")
    op_kpis = ui.call("kpis", scope, "operation")
    op_kpis = op_kpis[~op_kpis["is_total"]]
    totals = dict(zip(op_kpis["group_key"], op_kpis["households_total"]))
    st.plotly_chart(charts.status_shares(counts, totals, names, as_of, hidden=privacy.HIDDEN),
                    width="stretch", config=ui.PLOTLY_CONFIG)
    st.caption("En pourcentage des ménages concernés de chaque opération ; le nombre de "
               "ménages s'affiche au survol.")
else:
    levels = {"operation": "par opération", "phase": "par phase", "building": "par bâtiment"}
    level = st.radio("Regrouper", list(levels), format_func=levels.get, horizontal=True,
                     key="progress_level")
    all_counts = ui.call("status_counts", scope, level)
    counts, left_out = ui.largest_groups(all_counts, "group_key", "households")
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
st.subheader("Rythme et fin estimée", help=help_text("rythme"))
series = ui.call("progress_series", scope)
projection = ui.call("projection", scope)
total = projection[projection["is_total"]].iloc[0]


def curve(series: pd.DataFrame, total: pd.Series, title: str) -> go.Figure:
    """charts.progress_curve with hidden points (NA) as gaps in the line, never
    0: the counts go to floats (NaN) first; for elected officials the points
    are quarterly (markers on the line) and the projection starts only from a
    published last point."""
    series = series.assign(done=pd.to_numeric(series["done"], errors="coerce").astype(float),
                           planned=pd.to_numeric(series["planned"], errors="coerce")
                           .astype(float))
    projected = total.copy()
    if series.empty or pd.isna(series["done"].iloc[-1]):
        projected["projected_end"] = pd.NaT
    if fmt.is_missing(projected["households_total"]):
        projected = None
    fig = charts.progress_curve(series, projected, title)
    fig.update_traces(connectgaps=False, selector={"name": "relogés + sortis (réel)"})
    if ELU:
        fig.update_traces(mode="lines+markers", marker={"size": 8},
                          hovertemplate="%{x|%d/%m/%Y} : %{y} ménages<extra></extra>",
                          selector={"name": "relogés + sortis (réel)"})
    return fig


st.plotly_chart(curve(
    series, total, f"Ménages relogés ou sortis, cumul par trimestre, au {as_of}" if ELU
    else f"Ménages relogés ou sortis, cumul réel et prévu, au {as_of}"),
    width="stretch", config=ui.PLOTLY_CONFIG)
if ELU and series["done"].isna().any():
    st.caption("Les trimestres où le cumul n'est pas publié (secret statistique « "
               f"{privacy.HIDDEN} ») laissent un blanc dans la courbe.",
               help=help_text("secret_statistique"))


def pace_hidden(row) -> bool:
    """Elected officials: the pace is not published (NaN) when the change it
    is measured on is hidden; a pace of 0 is "rythme nul"."""
    return ELU and fmt.is_missing(row["pace_per_month"])


def short_projection(row) -> str:
    if fmt.is_missing(row["remaining"]):
        return privacy.HIDDEN if ELU else "—"
    if row["remaining"] <= 0:
        return "terminé"
    if pace_hidden(row):
        return privacy.HIDDEN
    if pd.isna(row["projected_end"]):
        return "rythme nul"
    text = ui.month_year(row["projected_end"]).removeprefix("en ")
    if not pd.isna(row["gap_months"]):
        gap = row["gap_months"]
        text += f" ({'+' if gap > 0 else chr(0x2212)}{fmt.number(abs(gap), 0)} mois / prévu)"
    return text


def sentence(row) -> str:
    if ELU and not fmt.is_missing(row["remaining"]) and row["remaining"] > 0 \
            and pace_hidden(row):
        return (f"{ui.count(row['remaining'])} ménages restent à reloger ; le rythme des six "
                f"derniers mois n'est pas publié (secret statistique « {privacy.HIDDEN} »), "
                "la fin ne peut donc pas être estimée")
    return indicators.projection_sentence(row)


st.markdown(f"**Ensemble du périmètre** : {sentence(total)}.")
labels = ui.operation_labels()
per_op = projection[~projection["is_total"]]
# one projection text per operation, computed once (rows as dicts: iterrows took 0,1 s
# for 665 operations, twice)
ends = [short_projection(r) for r in per_op.to_dict("records")]
ui.table(pd.DataFrame({
    "Opération": [labels.get(c, c) for c in per_op["operation_code"]],
    "Relogés + sortis": [f"{ui.count(d)} / {ui.count(t)}"
                         for d, t in zip(per_op["done"], per_op["households_total"])],
    "Restant": [ui.count(v) for v in per_op["remaining"]],
    "Rythme (6 derniers mois)": [privacy.HIDDEN if ELU and fmt.is_missing(v)
                                 else f"{fmt.number(v, 1)} / mois"
                                 for v in per_op["pace_per_month"]],
    "Fin estimée": ends,
}), hide_index=True, width="stretch", page_rows=ui.PAGE_ROWS, key="progress_operations",
    column_config={
    "Restant": st.column_config.TextColumn(help=help_text("a_reloger", markdown=False)),
    "Rythme (6 derniers mois)": st.column_config.TextColumn(
        help=help_text("rythme", markdown=False)),
    "Fin estimée": st.column_config.TextColumn(help=help_text("fin_estimee", markdown=False)),
})
if "rythme nul" in [*ends, short_projection(total)]:
    st.caption(f"« Rythme nul » : {plain('rythme_nul')} "
               f"[Voir Définitions]({link('rythme_nul')})")

# -- buildings at risk ------------------------------------------------------------------------
st.subheader("Bâtiments à risque")
if ELU:
    st.caption(NOT_PUBLISHED + " Les bâtiments à risque figurent, sans nombre de ménages, "
               "parmi les points d'attention de la Synthèse.")
else:
    risk = ui.call("buildings_at_risk", scope)
    if risk.empty:
        st.success("Aucun bâtiment dont la démolition est prévue dans les 6 mois n'abrite "
                   "encore de ménages.")
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
        st.caption("Démolition prévue dans les 6 mois suivant la date de situation (ou "
                   "dépassée sans démolition réelle), ou démolition réelle déjà datée, et "
                   "ménages encore présents (statuts 1 à 5).")
        ui.to_households("batiment_a_risque", int(risk["still_inside"].sum()),
                         "encore dans ces bâtiments")
        ui.to_households("batiment_demoli", int(demolished["still_inside"].sum()),
                         "rattachés à un bâtiment démoli (données à corriger)")
        if len(risk) > 1:
            with st.expander("Les ménages bâtiment par bâtiment") as per_building:
                # a link per building, ui.PAGE_POINTS at a time (270 links at 150 000 households)
                for row in risk.iloc[ui.page_slice(len(risk), ui.PAGE_POINTS, "progress_risk_page",
                                                   per_building, "bâtiments")].itertuples():
                    kind = "batiment_demoli" if row.demolished else "batiment_a_risque"
                    ui.to_households(f"{kind}:{row.building_code}", row.still_inside,
                                     f"de {row.name} ({row.operation_name})")

# -- pace per building ------------------------------------------------------------------------
st.subheader("Rythme et dernier départ par bâtiment")
if ELU:
    st.caption(NOT_PUBLISHED)
else:
    paces = ui.call("building_pace", scope)
    left = paces[paces["remaining"] > 0]

    def last_departure(row) -> str:
        if pd.isna(row.projected_last_departure):
            return ui.MISSING  # nil pace: no date can be projected
        return fmt.day(row.projected_last_departure)

    def against_demolition(row) -> str:
        if not pd.isna(row.actual_demolition):
            return f"démoli le {fmt.day(row.actual_demolition)} — données à corriger"
        if pd.isna(row.planned_demolition):
            return "démolition non datée"
        if pd.isna(row.projected_last_departure):
            return "rythme nul : aucun départ estimé"
        months = fmt.number(abs(row.margin_days) / 30.4375, 0)
        if row.margin_days >= 0:
            return f"avant la démolition ({months} mois de marge)"
        return f"après la démolition prévue ({months} mois de retard)"

    ui.table(pd.DataFrame({
        "Bâtiment": left["name"],
        "Restant à reloger": [f"{fmt.integer(r.remaining)} / {fmt.integer(r.households)}"
                              for r in left.itertuples()],
        "Rythme (6 derniers mois)": [
            ui.MISSING if r.done_last_6_months == 0
            else f"{fmt.number(r.pace_per_month, 1)} / mois" for r in left.itertuples()],
        "Dernier départ estimé": [last_departure(r) for r in left.itertuples()],
        "Démolition prévue": [fmt.day(r.planned_demolition) for r in left.itertuples()],
        "À ce rythme": [against_demolition(r) for r in left.itertuples()],
        "Opération": left["operation_name"],  # buildings of two operations may share a name
    }), hide_index=True, width="stretch", page_rows=ui.PAGE_ROWS, key="progress_building_pace",
        empty="Aucun bâtiment du périmètre n'a encore de ménage à reloger.")
    st.caption("Restant : ménages ni relogés ni sortis (relogés provisoires compris). "
               "Rythme : départs (relogements définitifs et sorties) des 6 derniers mois, "
               "par mois ; « — » quand il est nul (aucune date ne peut être estimée). "
               f"{fmt.integer(len(paces) - len(left))} bâtiment(s) sans ménage restant "
               "non affichés.")

# -- households to follow up -------------------------------------------------------------------
if household_level:
    st.subheader("Ménages à relancer")
    follow = [("suivi_en_retard", "Suivi post-relogement en retard",
               "relogés depuis plus de 3 mois sans contact de suivi"),
              ("provisoire_ancien", "Relogés provisoires à reloger définitivement",
               "relogement provisoire au-delà du délai réglé sur la page Ménages"),
              ("sans_action", f"Sans action depuis plus de {IDLE_DAYS} jours",
               "ménages encore à reloger, jamais contactés compris")]
    for col, (key, label, note) in zip(st.columns(len(follow)), follow):
        listed = ui.call_module("household_filters", "members", scope, key)
        with col:
            st.metric(label, fmt.integer(len(listed)))
            st.caption(note)
            ui.to_households(key, len(listed))

# -- offers ------------------------------------------------------------------------------------
st.subheader("Propositions et refus")
offers = ui.call("offers_detail", scope) if household_level else None
c1, c2, c3 = st.columns(3)
with c1:
    st.metric("Propositions par ménage relogé", fmt.number(now["offers_per_rehoused"], 2),
              help=help_text("propositions"))
    st.caption(f"{ui.count(now['offers_per_rehoused_num'])} propositions / "
               f"{ui.count(now['offers_per_rehoused_den'])} relogés")
with c2:
    st.metric("Taux de refus", fmt.share(now["refusal_rate"]), help=help_text("taux_refus"))
    st.caption(f"{ui.count(now['refusal_rate_num'])} / "
               f"{ui.count(now['refusal_rate_den'])} réponses")
with c3:
    st.metric("Ménages ayant refusé 3 propositions ou plus", ui.count(now["three_refusals"]),
              help=help_text("trois_refus"))
    st.caption(ui.change(now["three_refusals"], before["three_refusals"]))
    ui.to_households("refus3", now["three_refusals"])


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
    st.caption("Motifs de refus : ce détail n'est pas publié pour les élus (secret "
               "statistique).")
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
    "Dernière proposition": fmt.days(three["last_offer_date"]),
}), hide_index=True, width="stretch", page_rows=ui.PAGE_ROWS, key="progress_three_refusals")

# -- workload ----------------------------------------------------------------------------------
st.subheader("Charge par chargé de relogement")
work = ui.call("workload", scope).rename(columns={"officer": "group_key"})
st.plotly_chart(charts.status_bars(work, {}, as_of, relative=False).update_layout(
    title_text=f"Ménages par chargé de relogement et par statut au {as_of} "
               f"({ui.n_text(work['households'])})"),
    width="stretch", config=ui.PLOTLY_CONFIG)
