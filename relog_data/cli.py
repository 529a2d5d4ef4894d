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

    p = sub.add_parser("migrate", help="mettre à jour le schéma d'une base existante")
    p.add_argument("--db", type=Path, default=None)
    return parser


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
    scope = indicators.Scope(tuple(args.operation), tuple(args.phase), tuple(args.building))
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


_COMMANDS = {"demo": _cmd_demo, "kpis": _cmd_kpis, "migrate": _cmd_migrate}
