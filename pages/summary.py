"""Synthèse: the programme at a glance."""

import html
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from pages import _common as ui
from relog_data import charts, fmt, meetings, privacy, wording

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




def household_links(ids) -> str:
    """Links to the households' sheets on Ménages (`menages?…&menage=ID`, with
    the sidebar's scope), for the roles that see households."""
    params = [(k, v) for k in ui.URL_KEYS.values() for v in st.query_params.get_all(k)]
    return ", ".join(
        f'<a href="menages?{html.escape(urlencode(params + [("menage", h)]))}" '
        f'target="_self" style="white-space:nowrap">{html.escape(h)}</a>' for h in ids)


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

# -- since the last meeting (#19) -------------------------------------------------------------
st.subheader("Depuis la dernière séance", anchor=False)
viewer = ui.current_viewer()
# (the gateway opens only meetings whose whole scope is the viewer's: meetings.may_see)
archived = [m for m in ui.call_module("meetings", "visible", include_withdrawn=False)
            if m.as_of <= scope.as_of]
if not archived:
    st.caption("Aucune séance enregistrée à cette date pour ce périmètre. Les administrateurs "
               "et les chargés de relogement enregistrent une séance depuis la page Rapport de "
               "séance (« Enregistrer comme séance ») : ses chiffres y sont figés, et cette "
               "section dit ensuite ce qui a changé depuis, événements nouveaux et corrections "
               "du passé séparés.")
else:
    # by default the latest; for the roles that see every figure, the latest made for
    # them (an officials' meeting froze « s » for its small figures)
    complete = [i for i, m in enumerate(archived) if m.audience != "elu"]
    since_id = st.selectbox(
        "Séance de comparaison", [m.meeting_id for m in archived], key="summary_meeting",
        placeholder=ui.CHOOSE,
        index=complete[0] if complete and not elu else 0,
        format_func=lambda i: next(f"{m.label} · public : {privacy.AUDIENCE_NAMES.get(m.audience)}"
                                   for m in archived if m.meeting_id == i),
        help="Les séances enregistrées (page Séances), non retirées, dont la situation est "
             "antérieure ou égale à celle de cette page ; par défaut la plus récente (celles "
             "destinées aux élus, dont les petits chiffres sont masqués, en dernier recours).")
    meeting = next(m for m in archived if m.meeting_id == since_id)
    if (set(meeting.operations) != set(scope.operations)
            or set(meeting.phases) != set(scope.phases) or scope.landlords):
        names = ui.operation_labels()
        ops_names = ", ".join(names.get(o, o) for o in meeting.operations) \
            or "toutes les opérations"
        st.caption(fmt.md_escape(
            f"La comparaison porte sur le périmètre de la séance ({ops_names}"
            + (", phases " + ", ".join(str(p) for p in meeting.phases) if meeting.phases
               else "") + "), pas sur celui de la barre latérale."))
    changes = ui.call_module("meetings", "since", since_id, scope.as_of)
    st.markdown("\n".join(f"- {fmt.md_escape(meetings.sentence(row, meeting))}"
                          for _, row in changes.iterrows()))
    sidebar_note = (f" Les évolutions en tête de page se comparent, elles, à la date « Séance "
                    f"précédente » de la barre latérale ({fmt.day(reference.as_of)})."
                    if reference.as_of and reference.as_of != meeting.as_of else "")
    st.caption(f"Chiffres au {as_of} comparés à ceux figés à la séance (situation au "
               f"{fmt.day(meeting.as_of)}).{sidebar_note} « Nouveaux » : événements datés "
               "après la séance ; "
               "« saisis depuis » ou « corrections du passé » : données sur la période d'avant "
               "la séance saisies ou corrigées depuis, qui changent aujourd'hui les chiffres de "
               "cette date.")
    if viewer.household_level and "new_in" in changes.columns:
        for _, row in changes.iterrows():
            parts = {key: list(row[key]) for key in
                     ("new_in", "new_out", "corrected_in", "corrected_out")}
            if not any(parts.values()):
                continue
            with st.expander(fmt.md_escape(f"{row['label']} : les ménages derrière l'écart")):
                for key, text in (
                        ("new_in", "Entrés depuis la séance (événements nouveaux)"),
                        ("new_out", "Sortis depuis la séance (événements nouveaux)"),
                        ("corrected_in", "Ajoutés par une correction du passé"),
                        ("corrected_out", "Retirés par une correction du passé")):
                    if parts[key]:
                        st.html(f'<p style="margin:0 0 .3rem 0"><b>{html.escape(text)}</b> '
                                f"({fmt.integer(len(parts[key]))}) : "
                                f"{household_links(parts[key])}</p>")
                corrected = tuple(sorted(set(parts["corrected_in"] + parts["corrected_out"])))
                if corrected:
                    done = ui.call_module("meetings", "correction_changes", since_id, corrected)
                    changed = pd.DataFrame({
                        "Ménage": done["household_id"],
                        "Import": [f"n° {i} du {pd.Timestamp(t).strftime('%d/%m/%Y')} ({a})"
                                   for i, t, a in zip(done["import_id"], done["changed_at"],
                                                      done["author"])],
                        "Feuille": done["sheet"], "Ligne": done["key"],
                        "Colonne": [label or f"ligne {kind}" for label, kind in
                                    zip(done["label"], done["kind"])],
                        "Ancienne valeur": done["old"], "Nouvelle valeur": done["new"],
                    })
                    if changed.empty:
                        st.caption("Aucune modification enregistrée par un import pour ces "
                                   "ménages (règle de calcul ou saisie hors import).")
                    elif len(changed) <= 60:  # static: its cells wrap, nothing clipped
                        st.table(changed, hide_index=True, border="horizontal")
                    else:
                        ui.table(changed, hide_index=True, width="stretch")

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
    rest = points[SHOWN_POINTS:]
    with st.expander(f"Les {len(rest)} autres points d'attention"):
        # a page of them at a time: 600 points (150 000 households) were 300 ko per visit
        for point in rest[ui.page_slice(len(rest), ui.PAGE_POINTS, "summary_points_page",
                                        noun="points")]:
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
    ui.table(table, hide_index=True, width="stretch", page_rows=ui.PAGE_ROWS,
             key="summary_operations")
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
        page_rows=ui.PAGE_ROWS,
        key="summary_operations",
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
