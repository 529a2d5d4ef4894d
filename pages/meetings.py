"""Séances: the archive of committee meetings (#19). Each meeting froze what the
committee was shown (figures, points of attention, the PDF and its annex);
this page lists them, opens one (?seance=ID), recomputes its figures on
today's data and lets whoever may create it withdraw it. UI only: the
archive lives in relog_data/meetings.py, read through the gateway."""

from __future__ import annotations

import html
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from pages import _common as ui
from relog_data import fmt, meetings, privacy
from relog_data.errors import RelogError
from relog_data.indicators import definitions as indicator_definitions

PARAM = "seance"  # ?seance=ID opens that meeting
KEY_CHOICE = "meetings_choice"
KEY_URL_SEEN = "_meetings_url_seen"
KEY_REPRODUCE = "meetings_reproduce"  # the meeting whose figures were recomputed
KEY_DONE = "meetings_withdrawn"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HOUSEHOLDS_URL = "menages"  # url_path of the Ménages page (pages/_access.py)
SCOPE_PARAMS = tuple(ui.URL_KEYS.values())

viewer = ui.current_viewer()
st.title("Séances")
st.markdown(
    "Chaque séance enregistrée fige ce que le comité a vu : les chiffres (ensemble et par "
    "opération), les points d'attention, le rapport PDF et son annexe Excel avec leur "
    "empreinte SHA-256. Une correction ultérieure des données ne les modifie pas ; le bouton "
    "« Refaire les calculs » montre ce qui aurait changé. Une séance s'enregistre depuis la "
    "page **Rapport de séance**.")

done = st.session_state.pop(KEY_DONE, None)
if done:
    st.success(done)

shown = ui.call_module("meetings", "visible")
if not shown:
    st.info("Aucune séance enregistrée"
            + (" pour les élus" if viewer.role == "elu" else "")
            + " pour l'instant. Les administrateurs et les chargés de relogement en "
            "enregistrent depuis la page Rapport de séance (« Enregistrer comme séance »).",
            icon=":material/inventory_2:")
    st.stop()

by_id = {m.meeting_id: m for m in shown}
labels = ui.operation_labels()


def stamp(value) -> str:
    """A date and time in French: « 02/04/2009 à 14:05 »."""
    if value is None or fmt.is_missing(value):
        return ui.MISSING
    value = pd.Timestamp(value)
    return f"{fmt.day(value)} à {value.strftime('%H:%M')}"


def perimeter(m: meetings.Meeting) -> str:
    if not m.operations and not m.phases:
        return "tout le programme"
    ops = ", ".join(labels.get(o, o) for o in m.operations) or "toutes les opérations"
    phases = ", ".join(f"phase {p}" for p in m.phases) or "toutes les phases"
    return f"{ops} · {phases}"


def previous_text(m: meetings.Meeting) -> str:
    if m.previous_id is None:
        return "aucune"
    before = by_id.get(m.previous_id)
    return (f"n° {m.previous_id} du {fmt.day(before.meeting_date)}" if before
            else f"n° {m.previous_id}")


def audience(m: meetings.Meeting) -> str:
    return privacy.AUDIENCE_NAMES.get(m.audience, m.audience)


# -- the list -------------------------------------------------------------------------------------
st.subheader(f"Séances enregistrées ({fmt.integer(len(shown))})")
listed = sorted(shown, key=lambda m: (m.meeting_date, m.as_of, m.meeting_id), reverse=True)
# a static table: its cells wrap, every column fits a laptop's width (no side scroll)
st.table(pd.DataFrame({
    "N°": [str(m.meeting_id) for m in listed],
    "Date": [fmt.day(m.meeting_date) for m in listed],
    "Titre": [m.title for m in listed],
    "Public": [audience(m) for m in listed],
    "Situation au": [fmt.day(m.as_of) for m in listed],
    "Périmètre": [perimeter(m) for m in listed],
    "Séance précédente": [previous_text(m) for m in listed],
    "Créée": [f"{m.created_by}, le {stamp(m.created_at)}" for m in listed],
    "Retirée": [f"oui, le {fmt.day(m.withdrawn_at)}" if m.withdrawn else "non"
                for m in listed],
}), hide_index=True, border="horizontal")

# -- which meeting --------------------------------------------------------------------------------
ids = [m.meeting_id for m in listed]
asked = st.query_params.get(PARAM)
if asked is not None and asked != st.session_state.get(KEY_URL_SEEN):
    st.session_state[KEY_URL_SEEN] = asked
    if asked.isdigit() and int(asked) in by_id:
        st.session_state[KEY_CHOICE] = int(asked)
    else:
        st.warning(f"La séance « {fmt.md_escape(asked)} » de l'adresse n'existe pas ou n'est "
                   "pas ouverte à votre profil : la plus récente est affichée.")
if st.session_state.get(KEY_CHOICE) not in ids:
    st.session_state[KEY_CHOICE] = ids[0]
chosen = st.selectbox("Séance à consulter", ids, key=KEY_CHOICE, placeholder=ui.CHOOSE,
                      format_func=lambda i: f"n° {i} · {by_id[i].label}")
if st.query_params.get(PARAM) != str(chosen):
    st.query_params[PARAM] = str(chosen)  # the address opens this meeting again
st.session_state[KEY_URL_SEEN] = str(chosen)
meeting = by_id[chosen]

st.divider()
st.subheader(fmt.md_escape(meeting.label), anchor=False)
if meeting.withdrawn:
    st.warning(f"**Séance retirée** le {stamp(meeting.withdrawn_at)} par "
               f"{fmt.md_escape(meeting.withdrawn_by or ui.MISSING)} — motif : "
               f"{fmt.md_escape(meeting.withdrawn_reason or ui.MISSING)}. Elle reste dans les "
               "archives mais n'est plus proposée comme séance de comparaison.",
               icon=":material/block:")
st.caption(fmt.md_escape(" · ".join([
    f"Public : {audience(meeting)}", f"périmètre : {perimeter(meeting)}",
    f"situation au {fmt.day(meeting.as_of)}", f"séance précédente : {previous_text(meeting)}",
    f"créée par {meeting.created_by} le {stamp(meeting.created_at)}",
    f"données de l'import n° {meeting.import_id}" if meeting.import_id is not None
    else "données antérieures à tout import"])))

# -- what it froze --------------------------------------------------------------------------------
figures = ui.call_module("meetings", "figures", chosen)
definitions = indicator_definitions()  # reference text of sql/, as on Définitions
DEFS = {k: (label, unit) for k, label, unit in
        zip(definitions["key"], definitions["label"], definitions["unit"])}
hidden_mark = privacy.HIDDEN if meeting.audience == "elu" else ui.MISSING


figure_label = meetings.figure_label  # one naming of frozen figures (CLI too)


def value_text(key: str, value, signed: bool = False) -> str:
    if value is None or fmt.is_missing(value):
        return hidden_mark
    unit = DEFS.get(key, (None, None))[1]
    if key.startswith("satisfied_share|"):
        unit = "part"
    unit = None if unit is None or fmt.is_missing(unit) else unit
    if unit == "part":
        if signed:
            points = float(value) * 100
            return f"{'+' if points >= 0 else chr(0x2212)}{fmt.number(abs(points), 1)} points"
        return fmt.share(value)
    if unit in ("€/mois", "€"):
        return fmt.signed_euros(value) if signed else fmt.euros(value)
    decimals = 0 if float(value) == int(float(value)) else (2 if unit == "moyenne" else 1)
    while signed and decimals < 4 and round(abs(float(value)), decimals) == 0:
        decimals += 1  # a small change of a mean is not shown as « −0,00 »
    text = fmt.number(abs(float(value)) if signed else value, decimals)
    if signed:
        return ("+" if float(value) >= 0 else chr(0x2212)) + text
    return text


def unit_label(unit: str) -> str:
    return "Ensemble" if unit == meetings.TOTAL else labels.get(unit, unit)


total = figures[figures["unit"] == meetings.TOTAL].set_index("figure")["value"]
HEADLINE_KEYS = ["households_total", "rehoused", "temporary", "exits", "remaining",
                 "progress_rate"]
# short labels: six metrics side by side (the full ones in the tables and the tooltips)
SHORT = {"households_total": "Concernés", "rehoused": "Relogés", "temporary": "Provisoires",
         "exits": "Sorties", "still_in_building": "Encore sur place",
         "remaining": "Restant à reloger", "progress_rate": "Avancement"}
st.markdown("**Chiffres clés figés (ensemble du périmètre)**")
for col, key in zip(st.columns(len(HEADLINE_KEYS)), HEADLINE_KEYS):
    col.metric(SHORT[key], value_text(key, total.get(key)), help=figure_label(key))

wide = figures.pivot_table(index="figure", columns="unit", values="value", aggfunc="first",
                           dropna=False)
units = [meetings.TOTAL] + sorted(u for u in wide.columns if u != meetings.TOTAL)
wide = wide.reindex(columns=units)
per_op = [u for u in units if u != meetings.TOTAL]
if per_op:
    st.markdown("**Par opération**")
    rows = HEADLINE_KEYS[:1] + ["rehoused", "temporary", "exits", "still_in_building",
                                "remaining", "progress_rate"]
    rows = list(dict.fromkeys(rows))
    per_op_table = pd.DataFrame({
        "Opération": [unit_label(u) for u in units],
        **{SHORT[k]: [value_text(k, wide.at[k, u] if k in wide.index else None)
                      for u in units] for k in rows},
    })
    if len(per_op_table) <= 30:  # static: its cells wrap, every column fits
        st.table(per_op_table, hide_index=True, border="horizontal")
    else:
        ui.table(per_op_table, hide_index=True, width="stretch")
    st.caption("Concernés : ménages enregistrés ; provisoires : relogés provisoirement ; "
               "sorties : sans relogement (départs autonomes et autres) ; encore sur place : "
               "ménages encore dans les bâtiments ; avancement : (relogés + sorties) / "
               "concernés.")
with st.expander(f"Tous les chiffres figés ({fmt.integer(len(wide))} indicateurs)"):
    ui.table(pd.DataFrame({
        "Indicateur": [figure_label(k) for k in wide.index],
        **{unit_label(u): [value_text(k, wide.at[k, u]) for k in wide.index] for u in units},
    }), hide_index=True, width="stretch")
if meeting.audience == "elu":
    st.caption(privacy.NOTE)

points = ui.call_module("meetings", "points", chosen)
st.markdown(f"**Points d'attention présentés ({fmt.integer(len(points))})**")
if points.empty:
    st.caption("Aucun point d'attention à cette séance.")
for kind, text in zip(points["kind"], points["text"]):
    st.markdown(f"- **{fmt.md_escape(str(kind).capitalize())}** — {fmt.md_escape(text)}")

# -- the files ------------------------------------------------------------------------------------
st.markdown("**Rapport et annexe figés**")
stem = f"seance-{meeting.meeting_id}-{meeting.meeting_date.isoformat()}"
try:
    pdf = ui.call_module("meetings", "file_bytes", chosen, "pdf")
    annex = ui.call_module("meetings", "file_bytes", chosen, "annex")
    bundle = ui.call_module("meetings", "archive", chosen)
except RelogError as exc:  # a file no longer matches its SHA-256
    st.error(str(exc))
    pdf = annex = bundle = None
st.html('<p style="font-size:0.85rem;margin:0">Empreintes SHA-256 (elles prouvent que le '
        'fichier est celui de la séance) :<br>PDF : <code style="word-break:break-all">'
        f'{html.escape(meeting.pdf_sha256 or "aucun fichier")}</code><br>Annexe : '
        f'<code style="word-break:break-all">{html.escape(meeting.annex_sha256 or "aucun fichier")}'
        '</code></p>')
if meeting.note:
    st.caption(fmt.md_escape(meeting.note))
offered = [(label, data, name, mime, what) for label, data, name, mime, what in (
    ("Rapport de la séance (PDF)", pdf, f"{stem}.pdf", "application/pdf",
     f"rapport figé de la séance n° {chosen}"),
    ("Annexe de la séance (Excel)", annex, f"{stem}-annexe.xlsx", XLSX,
     f"annexe figée de la séance n° {chosen}"),
    ("Archive complète (zip)", bundle, f"{stem}.zip", "application/zip",
     f"archive de la séance n° {chosen} (rapport, annexe et chiffres)"),
) if data is not None]
for column, (label, data, name, mime, what) in zip(st.columns(3), offered):
    ui.download(label, data, name, mime, what, container=column)


# -- recompute on today's data --------------------------------------------------------------------
def sheet_url(household_id: str) -> str:
    """menages?…&menage=ID: the household's sheet, with the sidebar's scope."""
    params = [(k, v) for k in SCOPE_PARAMS for v in st.query_params.get_all(k)]
    return f"{HOUSEHOLDS_URL}?{urlencode(params + [('menage', household_id)])}"


def household_links(ids) -> str:
    return ", ".join(f'<a href="{html.escape(sheet_url(h))}" target="_self" '
                     f'style="white-space:nowrap">{html.escape(h)}</a>' for h in ids)


st.divider()
st.subheader("Refaire les calculs sur les données actuelles", anchor=False)
st.caption(f"Recalcule chaque chiffre de la séance à sa date de situation "
           f"({fmt.day(meeting.as_of)}), sur son périmètre et pour son public, avec les données "
           "d'aujourd'hui : un écart vient d'une donnée du passé corrigée ou saisie depuis.")
if st.button("Refaire les calculs", icon=":material/replay:", key="meetings_reproduce_button"):
    st.session_state[KEY_REPRODUCE] = chosen
if st.session_state.get(KEY_REPRODUCE) == chosen:
    with st.spinner("Calcul des chiffres sur les données actuelles…"):
        differences = ui.call_module("meetings", "reproduce", chosen)
    if differences.empty:
        st.success("Aucun écart : chaque chiffre de la séance se retrouve à l'identique sur les "
                   "données actuelles.")
    else:
        st.warning(f"{fmt.integer(len(differences))} chiffre(s) diffèrent de ceux présentés à la "
                   "séance.", icon=":material/difference:")
        order = {u: i for i, u in enumerate(units)}
        first = {k: i for i, k in enumerate(HEADLINE_KEYS + list(meetings.HEADLINE))}
        differences = differences.assign(
            _order=differences["unit"].map(order).fillna(len(order)),
            _first=differences["figure"].map(first).fillna(len(first)),
            _label=differences["figure"].map(figure_label))
        differences = differences.sort_values(["_order", "_first", "_label"], kind="stable")
        household_level = viewer.household_level
        table = {
            "Périmètre": [unit_label(u) for u in differences["unit"]],
            "Indicateur": [figure_label(f) for f in differences["figure"]],
            "À la séance": [value_text(f, v) for f, v in
                            zip(differences["figure"], differences["frozen"])],
            "Aujourd'hui": [value_text(f, v) for f, v in
                            zip(differences["figure"], differences["now"])],
            "Écart": [value_text(f, v, signed=True) for f, v in
                      zip(differences["figure"], differences["difference"])],
        }
        if household_level:
            table["Ménages en cause"] = [
                ", ".join(h[:3]) + (f" et {fmt.integer(len(h) - 3)} autres" if len(h) > 3 else "")
                if len(h) else ui.MISSING for h in differences["households"]]
        if len(differences) <= 60:  # static: its cells wrap, nothing clipped at 1280 px
            st.table(pd.DataFrame(table), hide_index=True, border="horizontal")
        else:
            ui.table(pd.DataFrame(table), hide_index=True, width="stretch", height=640)
        if household_level:
            involved = sorted({h for ids_ in differences["households"] for h in ids_})
            lines = list(dict.fromkeys(line for why in differences["why"]
                                       for line in str(why).splitlines() if line))
            if involved or lines:
                with st.expander(f"Pourquoi : les {fmt.integer(len(involved))} ménage(s) dont "
                                 "la situation à la date de la séance a changé",
                                 expanded=len(involved) <= 10):
                    if involved:
                        st.html('<p style="margin:0 0 .4rem 0">Fiches : '
                                f'{household_links(involved[:100])}</p>')
                    st.markdown("\n".join(f"- {fmt.md_escape(line)}" for line in lines))
            st.caption("Pour chaque ménage : sa situation à la date de la séance, telle que "
                       "figée → telle que les données actuelles la reconstituent, puis les "
                       "modifications apportées par les imports depuis la séance.")

# -- withdraw -------------------------------------------------------------------------------------
if not meeting.withdrawn and meetings.can_withdraw(viewer, meeting):
    st.divider()
    with st.expander("Retirer la séance", icon=":material/block:"):
        st.caption("Une séance retirée reste dans les archives, marquée comme telle avec le "
                   "motif ; elle n'est plus proposée comme séance de comparaison. Le retrait "
                   "est inscrit au journal d'audit et ne peut pas être annulé.")
        with st.form("meetings_withdraw_form"):
            reason = st.text_input("Motif du retrait (obligatoire)", key="meetings_withdraw_reason",
                                   max_chars=500)
            confirmed = st.checkbox(f"Je confirme le retrait de la séance n° {chosen}",
                                    key="meetings_withdraw_confirm")
            submitted = st.form_submit_button("Retirer la séance", type="primary")
        if submitted:
            if not reason.strip():
                st.error("Indiquez le motif du retrait.")
            elif not confirmed:
                st.warning("Cochez la case de confirmation pour retirer la séance.")
            else:
                try:
                    with ui.database().write_access() as writable:
                        meetings.withdraw(writable, viewer, chosen, reason)
                except RelogError as exc:
                    st.error(str(exc))
                else:
                    st.session_state[KEY_DONE] = (f"Séance n° {chosen} retirée ; le retrait est "
                                                  "inscrit au journal d'audit.")
                    st.rerun()
