"""Qualité du relogement: the ANRU indicators, per operation and overall, with n.

Elected officials (role "elu") see the release of the access gateway only: the
indicators per operation and overall (a hidden count reads privacy.HIDDEN, a
share on hidden counts "—"); the breakdowns (quality_breakdown) are not
published to them and are never called."""

import pandas as pd
import streamlit as st

from pages import _common as ui
from relog_data import charts, fmt, privacy
from relog_data.glossary import help_text, markdown_list

SMALL = 5  # below this population an indicator is marked "effectif faible"
WIDE_UNITS = 9  # beyond this many columns (8 operations + the total), one row per operation

viewer = ui.current_viewer()
ELU = viewer.role == "elu"
scope = ui.current_scope()  # operations only for elected officials
as_of = ui.as_of_text()
ui.header("Qualité du relogement", lead="Relogements définitifs au", note=True)


def data_quality() -> None:
    """Contradictory data, counted per kind: shown, not hidden."""
    st.subheader("Qualité des données")
    found = ui.call("data_contradictions", scope)
    ui.table(pd.DataFrame({
        "Contradiction": found["label"],
        "Bâtiments": [fmt.integer(v) for v in found["buildings"]],
        "Ménages concernés": [ui.count(v) for v in found["households"]],
    }), hide_index=True, width="stretch")
    if (found["buildings"] > 0).any():
        st.warning("Des données se contredisent : à corriger dans le classeur de suivi "
                   "(détail dans les points d'attention de la Synthèse et à l'import).")
    st.caption("Bâtiment démoli encore habité : démolition réelle datée au plus tard du "
               f"{as_of} et ménages encore à l'intérieur (statuts 1 à 5) à cette date.")


per_op = ui.call("kpis", scope, "operation")
total = per_op[per_op["is_total"]].iloc[0]
if not fmt.is_missing(total["rehoused"]) and int(total["rehoused"]) == 0:
    st.info("Aucun ménage relogé dans ce périmètre à cette date.")
    data_quality()
    st.stop()
labels = ui.operation_labels()


def share(num, den, value=None) -> str:
    """"82,4 % (579 / 703)"; for elected officials the gateway's share (NaN
    when its numerator or denominator is hidden: "—") and « s » for a hidden
    count."""
    if ELU:
        return f"{fmt.share(value)} ({ui.count(num)} / {ui.count(den)})"
    text = fmt.share_with_n(num, den)
    small = not fmt.is_missing(den) and 0 < den < SMALL
    return text + (" · effectif faible" if small else "")


def derived(value, basis, show) -> str:
    """A median or an amount computed on `basis` households: « s » when that
    count is hidden (elected officials), "—" when undefined."""
    if ELU and fmt.is_missing(basis):
        return privacy.HIDDEN
    return show(value)


QUALITY_COUNTS = ["rehoused", "rest_to_pay_increase_share_den", "rent_compensation_count",
                  *(f"{s}_{p}" for s in ("offsite_share", "outside_qpv_share",
                                         "new_or_recent_share") for p in ("num", "den"))]


def nothing_published(row) -> bool:
    """Elected officials: an operation whose quality counts are all hidden
    (the release publishes them for the whole programme) gets no column."""
    return ELU and all(fmt.is_missing(row[c]) for c in QUALITY_COUNTS)


unpublished = [labels.get(g, g) for g, (_, r) in zip(per_op["group_key"], per_op.iterrows())
               if not r["is_total"] and nothing_published(r)]
rows = {}
for _, row in per_op.sort_values("is_total", ascending=False).iterrows():
    if nothing_published(row):
        continue
    name = "Ensemble du périmètre" if row["is_total"] else labels.get(row["group_key"],
                                                                       row["group_key"])
    p = row["rest_to_pay_increase_share_den"]  # NA when masked for elected officials
    small_p = not ELU and not fmt.is_missing(p) and 0 < p < SMALL
    rows[name] = {
        "Ménages relogés": ui.count(row["rehoused"]),
        "Relogés hors site": share(row["offsite_share_num"], row["offsite_share_den"],
                                   row["offsite_share"]),
        "Relogés hors QPV": share(row["outside_qpv_share_num"], row["outside_qpv_share_den"],
                                  row["outside_qpv_share"]),
        "Neuf ou conventionné < 5 ans": share(row["new_or_recent_share_num"],
                                              row["new_or_recent_share_den"],
                                              row["new_or_recent_share"]),
        "Reste à charge médian avant → après": (
            f"{derived(row['rest_to_pay_before_median'], p, fmt.euros)} → "
            f"{derived(row['rest_to_pay_after_median'], p, fmt.euros)} (n = {ui.count(p)})"
            + (" · effectif faible" if small_p else "")),
        "Évolution médiane du reste à charge": derived(row["rest_to_pay_median_change"], p,
                                                       fmt.signed_euros),
        "Reste à charge en hausse": share(row["rest_to_pay_increase_share_num"], p,
                                          row["rest_to_pay_increase_share"]),
        "Compensation ANRU": (
            f"{derived(row['rent_compensation_eur'], row['rent_compensation_count'], fmt.euros)}"
            f" ({ui.count(row['rent_compensation_count'])} relogements)"),
    }
table = pd.DataFrame(rows)
table.index.name = "Indicateur"
unpublished_all = ELU and nothing_published(total)  # officials, this perimeter: nothing
if unpublished_all:
    st.info("Pour ce périmètre, les indicateurs de qualité ne sont pas publiés pour les élus "
            "(secret statistique) : ils le sont pour l'ensemble du programme, sans filtre "
            "d'opération.")
elif table.shape[1] > WIDE_UNITS:  # many operations: one row each, page by page
    ui.table(table.T.rename_axis("Périmètre"), width="stretch", page_rows=ui.PAGE_ROWS,
             key="quality_units")
else:
    ui.table(table, width="stretch")
if not unpublished_all:
    if unpublished:
        st.caption("Opération par opération, ces indicateurs ne sont pas publiés pour les "
                   f"élus (secret statistique) : {', '.join(unpublished)}.")
    if ELU:
        st.caption("Entre parenthèses : numérateur / dénominateur. "
                   f"« {privacy.HIDDEN} » : chiffre non publié (secret statistique). « — » : "
                   "non défini, ou part calculée sur un chiffre non publié.",
                   help=help_text("secret_statistique"))
    else:
        st.caption("Entre parenthèses : numérateur / dénominateur. « effectif faible » : moins "
                   f"de {SMALL} ménages dans la population de l'indicateur. « — » : non "
                   "défini.")
    with st.expander("Les mots de ce tableau, en clair"):
        st.markdown(markdown_list(["hors_site", "qpv", "neuf_ou_recent", "reste_a_charge",
                                   "compensation_anru"]))

if ELU:  # the breakdowns are not published to elected officials
    st.subheader("Détail des relogements")
    st.caption("Le détail par reste à charge, occupation, type de parc, bailleur, typologie "
               "et compensation n'est pas publié pour les élus (secret statistique) ; les "
               "indicateurs ci-dessus en donnent la synthèse.")
    data_quality()
    st.stop()

breakdown = ui.call("quality_breakdown", scope)


def part(dimension: str) -> pd.DataFrame:
    return breakdown[breakdown["dimension"] == dimension]


n = total["rehoused"]
left, right = st.columns(2)
with left:
    rtp = part("rest_to_pay_change")
    st.plotly_chart(charts.horizontal_counts(
        [g.split(". ", 1)[-1] for g in rtp["grp"]], rtp["households"].tolist(),
        f"Évolution du reste à charge (€/mois) au {as_of} (n = {fmt.integer(n)})",
        "#0072B2"), width="stretch", config=ui.PLOTLY_CONFIG)
with right:
    occupancy = part("occupancy")
    st.plotly_chart(charts.horizontal_counts(
        occupancy["grp"].tolist(), occupancy["households"].tolist(),
        f"Occupation du logement de destination au {as_of} (n = {fmt.integer(n)})",
        "#009E73"), width="stretch", config=ui.PLOTLY_CONFIG)
left, right = st.columns(2)
with left:
    housing = part("housing_type").sort_values("households", ascending=False)
    st.plotly_chart(charts.horizontal_counts(
        housing["grp"].tolist(), housing["households"].tolist(),
        f"Type de parc de destination (n = {fmt.integer(n)})", "#56B4E9"),
        width="stretch", config=ui.PLOTLY_CONFIG)
with right:
    landlords = part("landlord").sort_values("households", ascending=False)
    st.plotly_chart(charts.horizontal_counts(
        landlords["grp"].tolist(), landlords["households"].tolist(),
        f"Bailleur de destination : répartition interbailleurs (n = {fmt.integer(n)})",
        "#CC79A7"), width="stretch", config=ui.PLOTLY_CONFIG)

st.subheader("Typologie avant et après")
change = part("typology_change")
pairs = change["grp"].str.split(" → ", expand=True)
matrix = (pd.DataFrame({"Avant": pairs[0], "Après": pairs[1],
                        "n": [fmt.integer(v) for v in change["households"]]})
          .pivot(index="Avant", columns="Après", values="n").fillna("0"))
matrix.index = [f"avant {i}" for i in matrix.index]
matrix.columns = [f"après {c}" for c in matrix.columns]
ui.table(matrix, width="stretch")
st.caption("Nombre de ménages relogés par typologie du logement quitté (lignes) et du logement "
           "de destination (colonnes). Règle de sur- et sous-occupation : page Définitions.")

st.subheader("Compensation ANRU de minoration de loyer", help=help_text("compensation_anru"))
comp = part("compensation")
ui.table(pd.DataFrame({
    "Typologie": comp["grp"],
    "Relogements": [fmt.integer(v) for v in comp["households"]],
    "Montant": [fmt.euros(v) for v in comp["amount"]],
}), hide_index=True, width="stretch")
st.caption(f"Total : {fmt.euros(total['rent_compensation_eur'])} pour "
           f"{fmt.integer(total['rent_compensation_count'])} relogements (T1–T2 1 500 €, "
           "T3–T4 4 000 €, T5–T6 5 000 €).")

data_quality()
