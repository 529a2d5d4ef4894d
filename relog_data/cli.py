"""Command line: `python -m relog_data <command> ...`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import demo, indicators
from .db import Database, default_db_path
from .errors import RelogError


class _FrenchParser(argparse.ArgumentParser):
    def error(self, message: str):  # usage errors exit 2, in French
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog} : erreur d'utilisation : {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _FrenchParser(
        prog="python -m relog_data",
        description="relog : tableau de bord du relogement (données, indicateurs).",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_FrenchParser)

    p = sub.add_parser("demo", help="construire la base de démonstration (fictive)")
    p.add_argument("--db", type=Path, default=None, help="chemin de la base à créer")
    p.add_argument("--force", action="store_true", help="remplacer une base existante")

    p = sub.add_parser("kpis", help="indicateurs du périmètre, en JSON")
    p.add_argument("--db", type=Path, default=None)
    p.add_argument("--operation", action="append", default=[], metavar="CODE",
                   help="code d'opération (répétable) ; toutes par défaut")
    p.add_argument("--phase", action="append", type=int, default=[], metavar="N",
                   help="numéro de phase (répétable)")
    p.add_argument("--building", action="append", default=[], metavar="CODE",
                   help="code de bâtiment (répétable)")
    p.add_argument("--landlord", action="append", default=[], metavar="BAILLEUR",
                   help="bailleur des bâtiments d'origine (répétable)")
    p.add_argument("--as-of", type=_iso_date, default=None, metavar="AAAA-MM-JJ",
                   help="indicateurs à cette date, reconstitués à partir des événements")

    p = sub.add_parser("migrate", help="mettre à jour le schéma d'une base existante")
    p.add_argument("--db", type=Path, default=None)

    p = sub.add_parser("import", help="importer un classeur, des CSV, un dossier ou un .zip")
    p.add_argument("paths", nargs="+", type=Path, metavar="FICHIER")
    p.add_argument("--db", type=Path, default=None)
    p.add_argument("--replace", action="append", default=[], metavar="FEUILLE",
                   help="remplacer entièrement cette table (répétable)")
    p.add_argument("--dry-run", action="store_true", help="tout contrôler sans rien écrire")

    p = sub.add_parser("export", help="exporter toute la base en classeur .xlsx")
    p.add_argument("out", type=Path, metavar="SORTIE.xlsx")
    p.add_argument("--db", type=Path, default=None)

    p = sub.add_parser("template", help="écrire un classeur vide à remplir")
    p.add_argument("out", type=Path, metavar="SORTIE.xlsx")

    p = sub.add_parser("report", help="rapport de séance PDF et son annexe Excel")
    p.add_argument("out", type=Path, metavar="SORTIE.pdf")
    p.add_argument("--db", type=Path, default=None)
    p.add_argument("--operation", action="append", default=[], metavar="CODE")
    p.add_argument("--phase", action="append", type=int, default=[], metavar="N")
    p.add_argument("--as-of", type=_iso_date, required=True, metavar="AAAA-MM-JJ")
    p.add_argument("--reference", type=_iso_date, default=None, metavar="AAAA-MM-JJ",
                   help="date de la séance précédente (évolutions)")
    p.add_argument("--audience", required=True, choices=["elu", "partenaire", "charge"])
    p.add_argument("--annex", type=Path, default=None, metavar="ANNEXE.xlsx")

    p = sub.add_parser("geo", help="contours géographiques (communes, QPV, périmètres)")
    geo_sub = p.add_subparsers(dest="geo_command", required=True, parser_class=_FrenchParser)
    g = geo_sub.add_parser("import", help="importer un fichier de contours")
    g.add_argument("file", type=Path, metavar="FICHIER")
    g.add_argument("--kind", required=True, choices=["communes", "qpv", "perimetre"])
    g.add_argument("--operation", default=None, metavar="CODE",
                   help="opération du périmètre (obligatoire pour --kind perimetre)")
    g.add_argument("--db", type=Path, default=None)
    return parser


def _iso_date(text: str):
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"date invalide « {text} » (attendu AAAA-MM-JJ)")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except RelogError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2


def _cmd_demo(args) -> int:
    path = args.db or default_db_path()
    if path.exists():
        if not args.force:
            raise RelogError(f"{path} existe déjà (utilisez --force pour la remplacer).")
        path.unlink()
    counts = demo.build_demo(path)
    summary = ", ".join(f"{table} {n}" for table, n in counts.items())
    print(f"Base de démonstration créée : {path} ({summary}).")
    return 0


def _cmd_kpis(args) -> int:
    path = args.db or default_db_path()
    scope = indicators.Scope(tuple(args.operation), tuple(args.phase), tuple(args.building),
                             tuple(args.landlord), args.as_of)
    with Database(path, read_only=True) as db:
        indicators.check_scope(db, scope)
        result = indicators.kpi_summary(db, scope)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


def _cmd_migrate(args) -> int:
    path = args.db or default_db_path()
    with Database(path, read_only=False) as db:
        version = db.schema_version()
    print(f"Base {path} au schéma {version}.")
    return 0


def _cmd_import(args) -> int:
    from .importer import import_sources
    from .sources import FileProblem, sources_from_paths

    path = args.db or default_db_path()
    try:
        sources = sources_from_paths(args.paths)
    except FileProblem as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    with Database(path, read_only=False, create=not path.exists()) as db:
        report = import_sources(db, sources, replace=tuple(args.replace), dry_run=args.dry_run)
    for p in report.problems:
        where = " · ".join(x for x in (
            p.file, p.sheet and f"feuille {p.sheet}", p.row and f"ligne {p.row}",
            p.column and f"colonne {p.column}", p.value is not None and f"valeur « {p.value} »",
        ) if x)
        print(f"{p.severity.upper()} : {where} : {p.message}")
    if report.unreadable:
        return 2
    if report.errors:
        print(f"Import refusé : {len(report.errors)} erreur(s), la base n'a pas été modifiée.")
        return 1
    print(report.summary_frame().to_string(index=False))
    if args.dry_run:
        print("Contrôle terminé sans erreur (--dry-run : rien n'a été écrit).")
    else:
        print(f"Import réussi ({len(report.warnings)} avertissement(s)). "
              f"Copie de la base avant import : {report.backup}")
    return 0


def _cmd_export(args) -> int:
    from .export import export_workbook

    path = args.db or default_db_path()
    with Database(path, read_only=True) as db:
        export_workbook(db, args.out)
    print(f"Export écrit : {args.out}")
    return 0


def _cmd_template(args) -> int:
    from .export import write_template

    write_template(args.out)
    print(f"Modèle écrit : {args.out}")
    return 0


def _cmd_report(args) -> int:
    import time

    from . import report

    path = args.db or default_db_path()
    scope = indicators.Scope(tuple(args.operation), tuple(args.phase), as_of=args.as_of)
    started = time.perf_counter()
    with Database(path, read_only=True) as db:
        indicators.check_scope(db, scope)
        report.generate(db, scope, args.reference, args.audience, args.out, args.annex)
    print(f"Rapport écrit : {args.out}" + (f" ; annexe : {args.annex}" if args.annex else "")
          + f" ({time.perf_counter() - started:.1f} s).")
    return 0


def _cmd_geo(args) -> int:
    from . import geo

    path = args.db or default_db_path()
    if not args.file.is_file():
        raise RelogError(f"Fichier introuvable : {args.file}")
    if args.kind == "perimetre" and not args.operation:
        raise RelogError("Un périmètre se rattache à une opération : précisez --operation CODE.")
    with Database(path, read_only=False) as db:
        result = geo.import_boundaries(db, args.file.name, args.file.read_bytes(), args.kind,
                                       args.operation)
    print(f"{result['boundaries']} contour(s) « {geo.KINDS[args.kind]} » importé(s) ; "
          f"indicateurs recalculés sur {result['moves']} relogement(s) localisé(s) "
          f"(sur site calculé : {result['on_site_computed']}, QPV calculé : "
          f"{result['in_qpv_computed']}).")
    return 0


_COMMANDS = {"report": _cmd_report, "geo": _cmd_geo, "demo": _cmd_demo, "kpis": _cmd_kpis, "migrate": _cmd_migrate,
             "import": _cmd_import, "export": _cmd_export, "template": _cmd_template}
