"""Plain-language glossary for elected officials ("Lexique en clair").

Each term of the dashboard that an official may not know is explained in one
plain French sentence. The page Définitions shows them first, each with an
HTML anchor; pages pass `help_text(key)` as the `help=` of a metric, a
sub-header or a column so that every term leads to its explanation.

The exact computation of each indicator stays in the SQL annotations
(indicators.definitions): this module explains, it does not define.
"""

from __future__ import annotations

from dataclasses import dataclass

# Where the Définitions page lives (pages/_access.py: url_path "definitions").
# Relative, so that it also works when the app is served under a base path.
PAGE = "definitions"


@dataclass(frozen=True)
class Term:
    term: str  # as the pages write it
    plain: str  # one sentence, for an elected official


TERMS: dict[str, Term] = {
    "avancement": Term(
        "Avancement",
        "La part des ménages concernés qui ont déjà quitté le bâtiment pour de bon, "
        "relogés définitivement ou partis d'eux-mêmes : 100 % quand plus personne n'est à "
        "reloger."),
    "menages_concernes": Term(
        "Ménages concernés",
        "Tous les ménages qui habitaient les immeubles démolis ou réhabilités de "
        "l'opération et qu'il faut reloger ou accompagner, quelle que soit leur situation "
        "aujourd'hui."),
    "reloge": Term(
        "Relogé",
        "Un ménage qui a emménagé dans son nouveau logement définitif."),
    "reloge_provisoire": Term(
        "Relogé provisoire",
        "Un ménage qui a quitté son immeuble pour un logement d'attente (« logement "
        "tiroir ») : il reste à reloger, car un logement définitif lui est toujours dû."),
    "sortie_sans_relogement": Term(
        "Sortie sans relogement (départ autonome)",
        "Un ménage parti par ses propres moyens (achat, départ chez un proche, autre "
        "région…) sans être relogé par le bailleur : il n'est plus à reloger."),
    "a_reloger": Term(
        "Restant à reloger",
        "Les ménages qui n'ont pas encore de logement définitif : ceux encore dans "
        "l'immeuble et ceux en logement provisoire."),
    "encore_dans_batiment": Term(
        "Encore dans le bâtiment",
        "Les ménages qui habitent toujours l'immeuble à démolir ou à réhabiliter."),
    "rythme": Term(
        "Rythme",
        "Le nombre moyen de ménages relogés ou partis par mois sur les six derniers mois : "
        "c'est lui qui sert à estimer la date de fin."),
    "rythme_nul": Term(
        "Rythme nul",
        "Personne n'a été relogé ni n'est parti depuis six mois : à ce rythme, on ne peut "
        "pas estimer de date de fin."),
    "fin_estimee": Term(
        "Fin estimée",
        "La date à laquelle tous les ménages seraient relogés si le rythme des six derniers "
        "mois se maintenait ; elle est comparée à la date de fin prévue."),
    "hors_site": Term(
        "Hors site",
        "Relogé ailleurs que dans le quartier d'origine, c'est-à-dire hors du périmètre de "
        "l'opération de renouvellement urbain."),
    "qpv": Term(
        "QPV",
        "Quartier prioritaire de la politique de la ville : un quartier où les revenus sont "
        "faibles, désigné par l'État ; être relogé « hors QPV », c'est quitter ces "
        "quartiers."),
    "neuf_ou_recent": Term(
        "Neuf ou récent",
        "Un logement construit, ou entré dans le parc social, depuis moins de cinq ans : "
        "l'ANRU encourage ces relogements, qui offrent un logement de meilleure qualité."),
    "reste_a_charge": Term(
        "Reste à charge",
        "Ce que le ménage paie lui-même chaque mois pour se loger : loyer et charges, moins "
        "l'aide personnalisée au logement (APL)."),
    "compensation_anru": Term(
        "Compensation ANRU de minoration de loyer",
        "Une somme forfaitaire versée par l'ANRU au bailleur qui reloge un ménage dans un "
        "logement social neuf ou récent à un loyer baissé sous le plafond de l'APL, pour que "
        "le relogement ne coûte pas plus cher au ménage."),
    "decohabitation": Term(
        "Décohabitation",
        "Un ménage qui se sépare en deux lors du relogement (par exemple un jeune adulte qui "
        "prend son propre logement) : chacun compte alors comme un ménage."),
    "propositions": Term(
        "Propositions par ménage relogé",
        "Le nombre moyen de logements proposés à un ménage avant qu'il ne soit relogé."),
    "taux_refus": Term(
        "Taux de refus",
        "La part des propositions de logement que les ménages ont refusées, parmi celles "
        "auxquelles ils ont répondu."),
    "trois_refus": Term(
        "Trois refus",
        "Un ménage qui a refusé trois propositions adaptées peut perdre son droit à rester "
        "dans les lieux : ces situations demandent une attention particulière."),
    "enquete_satisfaction": Term(
        "Enquête de satisfaction",
        "Un questionnaire posé aux ménages relogés sur l'information reçue, "
        "l'accompagnement et leur nouveau logement."),
    "vague": Term(
        "Vague",
        "Une campagne de l'enquête de satisfaction menée à une période donnée ; comparer "
        "deux vagues montre si la satisfaction progresse."),
    "taux_reponse": Term(
        "Taux de réponse",
        "La part des ménages relogés qui ont répondu à l'enquête lors d'une vague."),
    "intervalle_confiance": Term(
        "Intervalle de confiance",
        "La fourchette dans laquelle se situe très probablement la vraie part de satisfaits : "
        "plus il y a de répondants, plus elle est étroite."),
    "glissement": Term(
        "Glissement",
        "Le retard (ou l'avance) en mois entre la date prévue et la date réelle d'une phase "
        "ou d'une démolition."),
    "commune_destination": Term(
        "Commune de destination",
        "La commune où se trouve le nouveau logement définitif du ménage."),
    "secret_statistique": Term(
        "Secret statistique « s »",
        "Le symbole « s » remplace tout chiffre qui permettrait de reconnaître quelques "
        "ménages : aucun chiffre publié ne compte de 1 à 4 ménages, ni aucun écart entre deux "
        "chiffres publiés (d'une date de publication à l'autre, ou entre un total et ses "
        "parties), et aucun chiffre masqué ne peut être retrouvé par calcul à partir des "
        "autres, car il pourrait toujours prendre au moins 5 valeurs différentes."),
    "dates_publication": Term(
        "Dates de publication",
        "Pour les élus, les chiffres sont arrêtés à la fin de chaque trimestre (31 mars, "
        "30 juin, 30 septembre, 31 décembre) et à la date des dernières données : une date "
        "choisie entre deux est ramenée à la précédente."),
}


def anchor(key: str) -> str:
    """The HTML id of a term on the Définitions page ("lexique-hors-site")."""
    if key not in TERMS:
        raise KeyError(f"Terme inconnu du lexique : {key}")
    return "lexique-" + key.replace("_", "-")


PARAM = "terme"  # the query parameter naming the term asked for


def link(key: str) -> str:
    """The address of a term on the Définitions page, relative to the app:
    the page opens with that term first (query parameter `terme`; the
    fragment alone does not survive the app's own rewriting of the address)."""
    return f"{PAGE}?{PARAM}={key}#{anchor(key)}"


def plain(key: str) -> str:
    """The plain sentence of a term."""
    return TERMS[key].plain


def _after_colon(text: str) -> str:
    """French typography: no capital after "Terme :" (acronyms kept)."""
    return text[0].lower() + text[1:] if text[:2].istitle() else text


def help_text(key: str, markdown: bool = True) -> str:
    """The tooltip of a term: its plain sentence and « Voir Définitions » (a
    Markdown link to the term's anchor for st.metric / st.subheader, plain
    text for places that show no Markdown, such as column headers)."""
    term = TERMS[key]
    if markdown:
        return f"**{term.term}** : {_after_colon(term.plain)} [Voir Définitions]({link(key)})"
    return f"{term.term} : {_after_colon(term.plain)} Voir Définitions (Lexique en clair)."


def markdown_list(keys) -> str:
    """The plain sentences of several terms as a Markdown list, each with its
    link to the Définitions page (under a table whose rows name the terms)."""
    return "\n".join(f"- **{TERMS[k].term}** : {_after_colon(TERMS[k].plain)} "
                     f"[Voir Définitions]({link(k)})" for k in keys)
