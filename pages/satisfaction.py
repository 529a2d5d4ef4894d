"""Satisfaction: survey waves compared, with n and 95 % intervals.

Elected officials (role "elu") see survey.shares and survey.waves through the
gateway: a hidden count reads privacy.HIDDEN, a share on hidden counts "—";
the answers per question (survey.distribution) and the breakdowns
(survey.breakdown) are not published to them and are never called."""

import pandas as pd
import streamlit as st

from pages import _common as ui
from relog_data import charts, fmt, privacy, survey
from relog_data.codes import SATISFIED_ANSWERS
from relog_data.glossary import help_text
from relog_data.model import SURVEY_QUESTIONS

viewer = ui.current_viewer()
ELU = viewer.role == "elu"
NOT_PUBLISHED = "Ce détail n'est pas publié pour les élus (secret statistique)."
scope = ui.current_scope()  # operations only for elected officials
ui.header("Satisfaction des ménages relogés", lead="Données au", note=True)


ui.programme_only("Les résultats d'enquête")

shares = ui.call_module("survey", "shares", scope)
if shares.empty:
    st.info("Aucune réponse à l'enquête de satisfaction dans ce périmètre.")
    st.stop()

waves = sorted(int(w) for w in shares["wave"].unique())
wave_info = ui.call_module("survey", "waves", scope)
col_a, col_b, _ = st.columns([1, 1, 2])
wave_a = col_a.selectbox("Vague de référence", waves, index=0, key="sat_wave_a",
                         placeholder=ui.CHOOSE,
                         format_func=lambda w: f"Vague {w}")
wave_b = col_b.selectbox("Vague comparée", waves, index=len(waves) - 1, key="sat_wave_b",
                         placeholder=ui.CHOOSE,
                         format_func=lambda w: f"Vague {w}")

# -- waves: response and timing ------------------------------------------------------------
st.subheader("Les vagues d'enquête", help=help_text("vague"))
wave_table = pd.DataFrame({
    "Vague": [f"Vague {int(w)}" for w in wave_info["wave"]],
    "Enquête": [f"du {fmt.day(a)} au {fmt.day(b)}"
                for a, b in zip(wave_info["first_survey_date"], wave_info["last_survey_date"])],
    "Répondants": [ui.count(v) for v in wave_info["respondents"]],
    "Taux de réponse": [f"{fmt.share(r)} ({ui.count(n)} / {ui.count(d)} ménages relogés "
                        "à la fin de l'enquête)"
                        for r, n, d in zip(wave_info["response_rate"], wave_info["respondents"],
                                           wave_info["eligible"])],
    "Réponses hors champ": [ui.count(v) for v in wave_info["out_of_scope_respondents"]],
    "Délai médian depuis le relogement": [
        (privacy.HIDDEN if ELU and fmt.is_missing(n) else "—") if pd.isna(m)
        else f"{fmt.number(m, 1)} mois"
        for m, n in zip(wave_info["median_months_since_move"], wave_info["respondents"])],
})
ui.table(wave_table, hide_index=True, width="stretch", column_config={
    "Taux de réponse": st.column_config.TextColumn(
        help=help_text("taux_reponse", markdown=False)),
})
st.caption("Taux de réponse : répondants parmi les ménages relogés (relogement définitif) au "
           "plus tard à la dernière date d'enquête de la vague. Les réponses de ménages pas "
           "encore relogés à cette date sont comptées « hors champ ».")
warning = survey.timing_warning(wave_info, wave_a, wave_b)
if warning:
    st.warning(warning)

# -- overview ------------------------------------------------------------------------------------
st.subheader(f"Part de ménages satisfaits : vague {wave_a}"
             + ("" if wave_a == wave_b else f" et vague {wave_b}"),
             help=help_text("enquete_satisfaction"))
table = survey.comparison_table(shares, wave_a, wave_b)
if ELU:  # one symbol for every hidden cell (a hidden count, or a share on a hidden one)
    table = table.replace("effectif masqué", privacy.HIDDEN).replace(
        r"^— \[— – —\]", privacy.HIDDEN, regex=True)
ui.table(table.drop(columns="question"), hide_index=True, width="stretch")
st.caption(
    "Entre crochets : intervalle de confiance à 95 % (Wilson). Écart testé par le test exact "
    "de Fisher (bilatéral, adapté aux petits échantillons) ; significatif si p < 0,05. "
    f"Les groupes de moins de {survey.MIN_GROUP} répondants ne sont pas montrés. "
    "Les non-réponses sont exclues des dénominateurs.",
    help=help_text("intervalle_confiance"),
)
labels = {name: wording for name, _, wording in SURVEY_QUESTIONS}
heatmap = charts.satisfaction_heatmap(shares, labels, f"Part de satisfaits par question et "
                                      f"par vague (au {ui.as_of_text()})", survey.MIN_GROUP)
if ELU:
    # charts.satisfaction_heatmap writes a hidden count (NA) "effectif trop faible", which
    # tells fewer than 5: one symbol for every hidden cell (candidate for charts.py)
    heatmap.update_traces(text=[[privacy.HIDDEN if t == "effectif trop faible" else t
                                 for t in row] for row in heatmap.data[0].text])
st.plotly_chart(heatmap, width="stretch", config=ui.PLOTLY_CONFIG)

# -- per question and breakdowns: not published to elected officials --------------------------
if ELU:
    st.subheader("Réponses par question et détail par groupe")
    st.caption(NOT_PUBLISHED + " Les parts de satisfaits ci-dessus en donnent la synthèse.")
else:
    # -- per question ------------------------------------------------------------
    st.subheader("Réponses par question")
    dist = ui.call_module("survey", "distribution", scope)
    for name, scale, wording in SURVEY_QUESTIONS:
        rows = dist[(dist["question"] == name) & dist["wave"].isin([wave_a, wave_b])]
        answered = rows[rows["answer"].notna()].groupby("wave")["count"].sum()
        if answered.empty or answered.min() < survey.MIN_GROUP:
            st.markdown(f"**{wording}** — effectif trop faible")
            continue
        st.plotly_chart(
            charts.diverging_answers(rows, scale, SATISFIED_ANSWERS, wording),
            width="stretch", config=ui.PLOTLY_CONFIG, key=f"sat_{name}")
        st.caption(survey.compare(shares, name, wave_a, wave_b)["text"])

    # -- breakdowns --------------------------------------------------------------
    st.subheader("Détail par groupe")
    dimension = st.radio("Regrouper par", list(survey.DIMENSIONS),
                         format_func=survey.DIMENSIONS.get, horizontal=True, key="sat_dimension")
    detail = ui.call_module("survey", "breakdown", scope, dimension,
                            ui.operation_labels() if dimension == "operation" else None)
    detail = detail[detail["wave"].isin([wave_a, wave_b])]
    shown = pd.DataFrame({
        "Question": detail["label"],
        "Vague": [f"Vague {int(w)}" for w in detail["wave"]],
        survey.DIMENSIONS[dimension]: detail["group"],
        "Satisfaits": ["effectif trop faible" if s else fmt.share(v, 0)
                       for s, v in zip(detail["suppressed"], detail["satisfied_share"])],
        "Répondants": ["< 5" if s else fmt.integer(n)
                       for s, n in zip(detail["suppressed"], detail["n_answers"])],
    })
    ui.table(shown, hide_index=True, width="stretch", page_rows=ui.PAGE_ROWS,
             key="satisfaction_detail")

# -- download --------------------------------------------------------------------------------------
small = (pd.to_numeric(shares["n_answers"], errors="coerce") < survey.MIN_GROUP).fillna(True)
export = shares.assign(
    n_answers=shares["n_answers"].where(~small), n_satisfied=shares["n_satisfied"].where(~small),
    n_empty=shares["n_empty"].where(~small),
    satisfied_share=shares["satisfied_share"].where(~small),
    ci_low=shares["ci_low"].where(~small), ci_high=shares["ci_high"].where(~small),
)
if ELU:  # a hidden count reads « s » in the file too (an empty cell: undefined)
    export = export.assign(**{c: [ui.count(v) for v in export[c]]
                              for c in ("n_answers", "n_satisfied", "n_empty")})
export = export.assign(
    satisfied_share=export["satisfied_share"].round(4), ci_low=export["ci_low"].round(4),
    ci_high=export["ci_high"].round(4)
).rename(columns={"question": "question", "label": "libellé", "wave": "vague",
                  "n_answers": "réponses", "n_empty": "sans réponse",
                  "n_satisfied": "satisfaits", "satisfied_share": "part satisfaits",
                  "ci_low": "IC95 bas", "ci_high": "IC95 haut",
                  "first_survey_date": "première date d'enquête"})
ui.download_csv("Télécharger les chiffres (CSV)", export, "relog-satisfaction.csv",
                "chiffres de satisfaction (CSV)")
