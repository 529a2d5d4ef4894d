"""bench/RESULTS.md from the benchmark's results (results.json)."""

from __future__ import annotations

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
]


def _s(x: dict, digits: int = 2) -> str:
    return (f"{x['median']:.{digits}f} ({x['min']:.{digits}f}–{x['max']:.{digits}f})"
            .replace(".", ","))


def _n(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}".replace(",", " ").replace(".", ",")


def render(results: dict) -> str:
    m = results["machine"]
    scales = results["scales"]
    out = ["# Benchmark relog", "",
           f"Mesuré le {m['date']} sur {m['cpu']} ({m['cores']} cœurs, "
           f"{_n(m['memory_gb'] or 0)} Go), {m['system']} ; Python {m['python']}, "
           f"DuckDB {m['duckdb']}, pandas {m['pandas']}, Streamlit {m['streamlit']}.", "",
           "Commande : `make bench` (code dans `bench/`). Temps en secondes : médiane "
           "(min–max) sur le nombre d'exécutions indiqué. Pages : temps d'exécution côté "
           "serveur sous `streamlit.testing.v1.AppTest` (à froid : nouvelle session, caches "
           "vidés, base rouverte ; à chaud : la même page relancée).", ""]
    if "L" in scales:
        out += ["## Objectifs à l'échelle L", "", "| objectif | mesuré | cible | |",
                "|---|---|---|---|"]
        for label, get, limit, unit in TARGETS_L:
            value = get(scales["L"])
            if value is None:  # not measured in this run
                continue
            if limit is None:  # faster than pandas
                ok = value > 1
                target = "> 1"
            else:
                ok = value <= limit
                target = f"≤ {_n(limit, 1)} {unit}"
            out.append(f"| {label} | {_n(value, 2)} {unit} | {target} | {'✓' if ok else '✗'} |")
        out.append("")
    out += ["## Volumes, import, carte, rapport", "",
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
        ("Rapport PDF + annexe (s)", lambda r: _s(r["report"], 1)),
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
    out += ["", "## Requêtes de la couche de données (s), tout le programme, à la date des "
            "données", "", "| fonction | " + " | ".join(scales) + " |",
            "|---|" + "---|" * len(scales)]
    for name in next(iter(scales.values()))["queries"]:
        out.append(f"| `{name}` | " + " | ".join(_s(r["queries"][name], 3)
                                                 for r in scales.values()) + " |")
    out.append("")
    return "\n".join(out)
