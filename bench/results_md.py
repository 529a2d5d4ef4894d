"""bench/RESULTS.md from the benchmark's results (results.json)."""

from __future__ import annotations

from pathlib import Path

from pages._access import page_titles

TARGETS_L = [  # (label, getter, limit, unit)
    ("Import", lambda r: r["import"]["seconds"]["median"], 60, "s"),
    ("Aperçu d'import, 1 % des lignes modifiées",
     lambda r: r["preview"]["seconds"]["median"] if "preview" in r else None, 15, "s"),
    ("Mémoire de pointe à l'import", lambda r: r["import"]["peak_rss_mb"]["max"], 2048, "Mo"),
    ("Carte : HTML des points", lambda r: r["map"]["point_map_bytes"] / 1e6, 1.5, "Mo"),
    ("Page la plus lente, cache chaud", lambda r: max(p["warm"]["median"]
                                                      for p in r["pages"].values()), 1, "s"),
    ("Page la plus lente, à froid", lambda r: max(p["cold"]["median"]
                                                  for p in r["pages"].values()), 3, "s"),
    ("Indicateurs : pandas / DuckDB", lambda r: r["baseline"]["ratio_pandas_over_duckdb"], None,
     "×"),
    # in a real browser (bench/browser.py, #20)
    ("Navigateur : page la plus lente, à chaud",
     lambda r: _worst(r, lambda p: p["warm"] and p["warm"]["median"]), 1, "s"),
    ("Navigateur : page la plus lente, à froid",
     lambda r: _worst(r, lambda p: p["cold"] and p["cold"]["seconds"]), 2, "s"),
    ("Navigateur : octets envoyés par une page, au plus",
     lambda r: _mb(_worst(r, lambda p: max(p["cold"]["bytes"] if p["cold"] else 0,
                                           p["warm_bytes"]["max"] if p["warm_bytes"] else 0))),
     1, "Mo"),
    ("Dix utilisateurs : p95 du clic à la page dessinée",
     lambda r: _crowd(r, "p95"), 3, "s"),
    ("Dix utilisateurs : erreurs", lambda r: _crowd(r, "errors"), 0, ""),
    ("Dix utilisateurs : mémoire du serveur au plus", lambda r: _crowd(r, "rss_peak_mb"), 2048,
     "Mo"),
    ("Dix utilisateurs : mémoire après leur départ / au repos",
     lambda r: (_crowd(r, "rss_after_mb") / _crowd(r, "rss_idle_mb")
                if _crowd(r, "rss_idle_mb") else None), 1.2, "×"),
]


# #20 at the small scale: pages within 0,3 s warm, DuckDB at least as fast as pandas
TARGETS_S = [
    ("Indicateurs : pandas / DuckDB", lambda r: r["baseline"]["ratio_pandas_over_duckdb"], None,
     "×"),
    ("Navigateur : page la plus lente, à chaud",
     lambda r: _worst(r, lambda p: p["warm"] and p["warm"]["median"]), 0.3, "s"),
]


def objectives(scale: str, r: dict, targets: list) -> list[str]:
    """The table of targets of one scale: measured, target, met or not."""
    out = [f"## Objectifs à l'échelle {scale}", "", "| objectif | mesuré | cible | |",
           "|---|---|---|---|"]
    for label, get, limit, unit in targets:
        try:
            value = get(r)
        except KeyError:  # that part was not measured
            value = None
        if value is None:  # not measured in this run
            continue
        if limit is None:  # at least as fast as pandas
            ok = value >= 1
            target = "≥ 1"
        else:
            ok = value <= limit
            target = f"≤ {_n(limit, 1)} {unit}"
        if unit == "":  # a count
            target = f"≤ {_n(limit, 0)}"
        digits = 0 if unit == "" else 2
        out.append(f"| {label} | {_n(value, digits)} {unit} | {target} | "
                   f"{'✓' if ok else '✗'} |".replace("  |", " |"))
    return out + [""]


def _worst(r: dict, get) -> float | None:
    """The largest value of `get` over the pages of the browser run, if any."""
    if "browser" not in r:
        return None
    values = [get(p) for p in r["browser"]["pages"].values()]
    values = [v for v in values if v]
    return max(values) if values else None


def _mb(value: float | None) -> float | None:
    return None if value is None else value / 1e6


def _crowd(r: dict, key: str):
    crowd = r.get("browser", {}).get("crowd")
    return None if crowd is None else crowd[key]


def _s(x: dict, digits: int = 2) -> str:
    return (f"{x['median']:.{digits}f} ({x['min']:.{digits}f}–{x['max']:.{digits}f})"
            .replace(".", ","))


def _report_elu(r: dict) -> str:
    """The officials' pack, timed once in a fresh process (its release built
    there), or stopped after a time limit."""
    x = r.get("report_elu")
    if x is None:
        return "—"
    if x["seconds"] is None:
        return f"> {_n(x['over_s'], 0)} (arrêté)"
    return _n(x["seconds"], 1)


def _n(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}".replace(",", " ").replace(".", ",")


def render(results: dict) -> str:
    m = results["machine"]
    every = results["scales"]
    # the AppTest part (bench.run); a scale measured by bench.browser alone has only "browser"
    scales = {k: r for k, r in every.items() if "pages" in r}
    out = ["# Benchmark relog", "",
           f"Mesuré le {m['date']} sur {m['cpu']} ({m['cores']} cœurs, "
           f"{_n(m['memory_gb'] or 0)} Go), {m['system']} ; Python {m['python']}, "
           f"DuckDB {m['duckdb']}, pandas {m['pandas']}, Streamlit {m['streamlit']}.", "",
           "Commande : `make bench` (code dans `bench/`). Temps en secondes : médiane "
           "(min–max) sur le nombre d'exécutions indiqué. Pages : temps d'exécution côté "
           "serveur sous `streamlit.testing.v1.AppTest` (à froid : nouvelle session, caches "
           "vidés, base rouverte ; à chaud : la même page relancée).", ""]
    again = {k: r["remeasured"] for k, r in every.items() if r.get("remeasured")}
    if again:
        names = {"report_elu": "rapport des élus", "pages": "pages (AppTest)",
                 "baseline": "référence pandas", "browser": "navigateur"}
        out += ["Mesurés à nouveau sur les mêmes bases, avec le code d'après les changements "
                "(`python -m bench.remeasure`), les autres chiffres gardés : " + " ; ".join(
                    f"{scale} : " + ", ".join(f"{names.get(p, p)} le {when}"
                                              for p, when in parts.items())
                    for scale, parts in again.items()) + ".", ""]
    for scale, targets in (("L", TARGETS_L), ("S", TARGETS_S)):
        if scale in every:
            out += objectives(scale, every[scale], targets)
    if scales:
        out += apptest_sections(scales)
    browsed = {k: r["browser"] for k, r in every.items() if "browser" in r}
    if browsed:
        out += browser_sections(browsed)
    for k, r in every.items():
        if r.get("browser_error"):
            out += ["", f"Mesure dans le navigateur en échec à l'échelle {k} : "
                    f"`{r['browser_error'][:300]}`."]
    if scales:
        out += query_section(scales)
    notes = Path(__file__).with_name("NOTES.md")
    if notes.exists():  # the analysis of these figures, written by hand
        out += ["", notes.read_text(encoding="utf-8").rstrip()]
    out.append("")
    return "\n".join(out)


def apptest_sections(scales: dict) -> list[str]:
    out = ["## Volumes, import, carte, rapport", "",
            "| | " + " | ".join(scales) + " |", "|---|" + "---|" * len(scales)]
    rows = [
        ("Ménages", lambda r: _n(r["households"], 0)),
        ("Lignes (toutes feuilles)", lambda r: _n(sum(r["rows"].values()), 0)),
        ("Classeur (Mo)", lambda r: _n(r["workbook_mb"])),
        ("Import (s)", lambda r: _s(r["import"]["seconds"], 1)),
        ("Mémoire de pointe à l'import (Mo)", lambda r: _n(r["import"]["peak_rss_mb"]["max"], 0)),
        ("Aperçu d'import, 1 % des lignes modifiées (s)",
         lambda r: _s(r["preview"]["seconds"], 1) if "preview" in r else "—"),
        ("Base DuckDB (Mo)", lambda r: _n(r["db_mb"])),
        ("Carte : points / mode", lambda r: f"{_n(r['map']['points'], 0)} / {r['map']['mode']}"),
        ("Carte : HTML des points (ko)", lambda r: _n(r["map"]["point_map_bytes"] / 1e3, 0)),
        ("Carte : HTML des communes (ko)", lambda r: _n(r["map"]["commune_map_bytes"] / 1e3, 0)),
        ("Carte : construction (s)", lambda r: _s(r["map"]["build"])),
        ("Rapport PDF + annexe, partenaires (s)", lambda r: _s(r["report"], 1)),
        ("Rapport PDF + annexe, élus, processus neuf (s)", lambda r: _report_elu(r)),
        ("Indicateurs DuckDB (s)", lambda r: _s(r["baseline"]["duckdb"], 3)),
        ("Mêmes indicateurs en pandas (s)", lambda r: _s(r["baseline"]["pandas"], 3)),
        ("Rapport pandas / DuckDB", lambda r: _n(r["baseline"]["ratio_pandas_over_duckdb"], 2)),
        ("Mêmes valeurs", lambda r: "oui" if r["baseline"]["same_values"] else
         "non : " + "; ".join(r["baseline"]["mismatches"])),
    ]
    if not any("preview" in r for r in scales.values()):
        rows = [row for row in rows if not row[0].startswith("Aperçu")]
    for label, get in rows:
        out.append(f"| {label} | " + " | ".join(get(r) for r in scales.values()) + " |")
    out += ["", "La référence pandas calcule les indicateurs du dictionnaire sur tout le "
            "programme (statuts enregistrés) à partir des feuilles du classeur déjà lues ; "
            "DuckDB exécute `sql/kpis.sql` sur la base importée. La lecture du classeur n'est "
            "pas comptée."]
    previews = {k: r["preview"] for k, r in scales.items() if "preview" in r}
    if previews:
        out += ["", "Aperçu d'import : `import --dry-run` (copie privée de la base, lecture du "
                "classeur, contrôles, comparaison champ par champ dans la transaction, annulée) "
                "d'un classeur où 1 % des lignes des feuilles ménages, propositions, relogements "
                "et suivis ont un champ modifié ("
                + ", ".join(f"{k} : {_n(p['changed_rows'], 0)} lignes, mesuré le "
                            f"{p.get('measured', '?')}" for k, p in previews.items()) + ")."]
        out += [p["note"] for p in previews.values() if p.get("note")]
    out += ["", "## Pages (s) — à froid / à chaud", "",
            "| page | " + " | ".join(scales) + " |", "|---|" + "---|" * len(scales)]
    titles = page_titles()
    for page in next(iter(scales.values()))["pages"]:
        cells = [f"{_s(r['pages'][page]['cold'])} / {_s(r['pages'][page]['warm'])}"
                 for r in scales.values()]
        out.append(f"| {titles.get(page, page)} | " + " | ".join(cells) + " |")
    return out


def query_section(scales: dict) -> list[str]:
    out = ["", "## Requêtes de la couche de données (s), tout le programme, à la date des "
            "données", "", "| fonction | " + " | ".join(scales) + " |",
            "|---|" + "---|" * len(scales)]
    for name in next(iter(scales.values()))["queries"]:
        out.append(f"| `{name}` | " + " | ".join(_s(r["queries"][name], 3)
                                                 for r in scales.values()) + " |")
    return out


def _ko(value: float | None) -> str:
    return "—" if value is None else _n(value / 1e3, 0)


def browser_sections(browsed: dict) -> list[str]:
    """The tables of the browser run (bench/browser.py): per page, one user;
    then ten users at once."""
    titles = page_titles()
    names = list(browsed)
    first = next(iter(browsed.values()))
    head = ["| page | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    viewport = first.get("viewport", {})
    out = ["", "## Pages dans le navigateur (s) — à froid / à chaud", "",
           "Chromium de Debian sans interface (Playwright), fenêtre de "
           f"{viewport.get('width', '?')} × {viewport.get('height', '?')}, l'application "
           "(`server.py`) démarrée sur la base importée, connexion par le formulaire. Du clic "
           "sur l'entrée du menu jusqu'à la page dessinée : script terminé (message "
           "`script_finished` reçu, plus d'indicateur d'exécution, de squelette ni de "
           "sablier), chaque graphique Plotly dessiné, chaque carte chargée, et rien de "
           "relancé dans les 0,4 s qui suivent. À froid : première visite de la page dans la "
           "session, serveur démarré pour cette mesure (ses caches vides) ; pour la Synthèse, "
           "page d'arrivée, la connexion elle-même (du clic sur « Se connecter » à la "
           "Synthèse dessinée). À chaud : médiane (min–max) des visites suivantes.", ""]
    def per_page(cell) -> list[str]:
        """One row per page, one cell per scale: cell(page's results) or « — »."""
        rows = []
        for page in first["pages"]:
            cells = [cell(p) if p is not None else "—"
                     for p in (b["pages"].get(page) for b in browsed.values())]
            rows.append(f"| {titles.get(page, page)} | " + " | ".join(cells) + " |")
        return rows

    def times(p) -> str:
        cold = "—" if not p["cold"] else _n(p["cold"]["seconds"], 2)
        warm = "—" if not p["warm"] else _s(p["warm"])
        return f"{cold} / {warm}" + (" ⚠" if p.get("errors") else "")

    def sent(p) -> str:
        cold = _ko(p["cold"]["bytes"]) if p["cold"] else "—"
        return f"{cold} / " + (_ko(p["warm_bytes"]["median"]) if p["warm_bytes"] else "—")

    def split(p) -> str:
        if not p.get("warm_script_s"):
            return "—"
        return f"{_n(p['warm_script_s']['median'], 2)} / {_n(p['warm_draw_s']['median'], 2)}"

    out += head + per_page(times)
    settled = {k: b["settle_s"] for k, b in browsed.items() if b.get("settle_s") is not None}
    if settled:
        out += ["", "Avant la première mesure, le banc attend que le serveur soit au repos "
                "(moins de 5 % d'un cœur pendant 3 s) : au démarrage il prépare en tâche de fond "
                "la publication protégée des élus. Attente : " + ", ".join(
                    f"{k} {_n(v, 0)} s" for k, v in settled.items()) + "."]
    if any(p.get("errors") for b in browsed.values() for p in b["pages"].values()):
        out += ["", "⚠ : visite en erreur (page non dessinée à temps ou exception), voir "
                "`results.json`."]
    out += ["", "### Octets envoyés au navigateur par visite (ko) — à froid / à chaud", "",
            "Messages du websocket reçus par le navigateur entre le clic et la page dessinée "
            "(Streamlit les envoie sans compression ; un élément déjà reçu dans la session "
            "peut n'être envoyé que par référence).", ""] + head + per_page(sent)
    out += ["", "### Où passe le temps, à chaud (s) — jusqu'à la fin du script / dessin "
            "ensuite", "", "Du clic à la réception de `script_finished` : exécution du script "
            "sur le serveur et transfert des éléments (envoyés au fil de l'exécution) ; de là à la "
            "page dessinée : ce qui reste au navigateur (mise en page, Plotly, cartes).", ""]
    out += head + per_page(split)
    crowds = {k: b["crowd"] for k, b in browsed.items() if b.get("crowd")}
    if crowds:
        c0 = next(iter(crowds.values()))
        def minutes(wait: float) -> str:
            return f"{_n(wait / 60, 0)} min" if wait >= 120 else f"{_n(wait, 0)} s"

        waits = {k: c["idle_wait_s"] for k, c in crowds.items()}
        wait_text = (minutes(c0["idle_wait_s"]) if len(set(waits.values())) == 1 else
                     " / ".join(f"{minutes(w)} ({k})" for k, w in waits.items()))
        out += ["", f"## {c0['users']} utilisateurs à la fois, dans le navigateur", "",
                f"Un seul Chromium, {c0['users']} contextes de navigation (autant de sessions "
                "Streamlit, chacune son cookie), pilotés ensemble depuis un seul processus "
                "Python (Playwright asyncio) : dix Chromium satureraient les deux cœurs. Chaque "
                f"utilisateur se connecte puis visite toutes les pages du menu {c0['rounds']} "
                "fois, aussitôt chaque page dessinée. Temps du clic à la page dessinée (même "
                "définition que ci-dessus) sur toutes les visites ; erreurs : exception affichée "
                "ou page non dessinée dans le délai (180 s). Mémoire : VmRSS du processus "
                "Streamlit et de ses enfants (/proc), relevée chaque seconde ; au repos : avant "
                f"l'arrivée des utilisateurs (après la mesure à un utilisateur) ; après : "
                f"{wait_text} après la fermeture de leurs contextes (Streamlit garde une "
                "session déconnectée `server.disconnectedSessionTTL`, 120 s par défaut). "
                "Le serveur, Chromium et Playwright se partagent les cœurs de la machine : "
                "le temps processeur de chacun pendant la séquence dit qui les occupait.", "",
                "| | " + " | ".join(crowds) + " |", "|---|" + "---|" * len(crowds)]
        rows = [
            ("Visites de pages", lambda c: _n(c["visits"], 0)),
            ("Du clic à la page dessinée, p50 (s)", lambda c: _n(c["p50"] or 0, 2)),
            ("Du clic à la page dessinée, p95 (s)", lambda c: _n(c["p95"] or 0, 2)),
            ("Du clic à la page dessinée, au plus (s)", lambda c: _n(c["max"] or 0, 2)),
            ("Connexion (s)", lambda c: _s(c["sign_in"]) if c.get("sign_in") else "—"),
            ("Erreurs", lambda c: _n(c["errors"], 0)),
            ("Durée de la séquence (s)", lambda c: _n(c["duration_s"], 0)),
            ("Temps processeur du serveur / de Chromium et Playwright (s)",
             lambda c: f"{_n(c['cpu_server_s'], 0)} / {_n(c['cpu_browser_s'], 0)}"
             if "cpu_server_s" in c else "—"),
            ("Mémoire du serveur au repos (Mo)", lambda c: _n(c["rss_idle_mb"], 0)),
            ("Mémoire du serveur au plus (Mo)", lambda c: _n(c["rss_peak_mb"], 0)),
            (f"Mémoire du serveur {wait_text} après leur départ (Mo)",
             lambda c: _n(c["rss_after_mb"], 0)),
        ]
        for label, get in rows:
            out.append(f"| {label} | " + " | ".join(get(c) for c in crowds.values()) + " |")
    return out
