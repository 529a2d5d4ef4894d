"""Command line: `python -m relog_data <command> ...`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import pandas as pd
from pandas.api.types import is_list_like

from . import audit, demo, indicators
from .access import SYSTEM
from .db import Database, DatabaseBusy, default_db_path, missing_message, scratch_copy
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

    p = sub.add_parser("init", help="créer une base vide (au schéma de cette version)")
    p.add_argument("--db", type=Path, default=None, help="chemin de la base à créer")

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
                   help="indicateurs à cette date (avant la date des données : reconstitués "
                        "à partir des événements)")

    p = sub.add_parser("migrate", help="mettre à jour le schéma d'une base existante")
    p.add_argument("--db", type=Path, default=None)

    p = sub.add_parser("import", help="importer un classeur, des CSV, un dossier ou un .zip")
    p.add_argument("paths", nargs="+", type=Path, metavar="FICHIER")
    p.add_argument("--db", type=Path, default=None)
    p.add_argument("--replace", action="append", default=[], metavar="FEUILLE",
                   help="remplacer entièrement cette table (répétable)")
    p.add_argument("--dry-run", action="store_true", help="tout contrôler sans rien écrire")

    p = sub.add_parser("history", help="historique des modifications d'un ménage (imports)")
    p.add_argument("--household", required=True, metavar="ID", help="identifiant du ménage")
    p.add_argument("--db", type=Path, default=None)

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
    p = sub.add_parser("users", help="comptes locaux (connexion sans fournisseur d'identité)")
    users_sub = p.add_subparsers(dest="users_command", required=True, parser_class=_FrenchParser)
    u = users_sub.add_parser("add", help="créer un compte (mot de passe demandé)")
    u.add_argument("login")
    u.add_argument("--role", required=True, choices=["admin", "charge", "partenaire", "elu"])
    u.add_argument("--name", default="", help="nom affiché")
    u.add_argument("--operations", default="", metavar="CODE1,CODE2",
                   help="opérations visibles (obligatoire pour un chargé) ; toutes sinon")
    u.add_argument("--password-stdin", action="store_true",
                   help="lire le mot de passe sur l'entrée standard (scripts)")
    u = users_sub.add_parser("set-role", help="changer le rôle et les opérations d'un compte")
    u.add_argument("login")
    u.add_argument("--role", required=True, choices=["admin", "charge", "partenaire", "elu"])
    u.add_argument("--operations", default="", metavar="CODE1,CODE2")
    u = users_sub.add_parser("disable", help="désactiver un compte")
    u.add_argument("login")
    u = users_sub.add_parser("enable", help="réactiver un compte (et le déverrouiller)")
    u.add_argument("login")
    u = users_sub.add_parser("password", help="changer le mot de passe d'un compte")
    u.add_argument("login")
    u.add_argument("--password-stdin", action="store_true")
    users_sub.add_parser("list", help="lister les comptes")
    for u in users_sub.choices.values():
        u.add_argument("--db", type=Path, default=None)

    p = sub.add_parser("purge", help="effacer les données personnelles des opérations closes")
    p.add_argument("--closed-before", type=_iso_date, required=True, metavar="AAAA-MM-JJ",
                   help="opérations dont le dernier relogement ou départ précède cette date")
    p.add_argument("--apply", action="store_true",
                   help="effacer vraiment (sinon : simulation, rien n'est modifié)")
    p.add_argument("--db", type=Path, default=None)

    p = sub.add_parser("audit", help="journal d'audit (CSV sur la sortie standard ou un fichier)")
    p.add_argument("--out", type=Path, default=None, metavar="SORTIE.csv")
    p.add_argument("--db", type=Path, default=None)
    return parser


def _iso_date(text: str):
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"date invalide « {text} » (attendu AAAA-MM-JJ)")


_CREATING = ("demo", "init")  # the only commands that create their --db


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    umask = os.umask(0o077)  # everything a command creates is for its owner only
    os.umask(umask | 0o077)
    try:
        if hasattr(args, "db") and args.command not in _CREATING:
            path = args.db or default_db_path()
            if not path.exists():  # a mistyped --db must not create a new database
                raise RelogError(missing_message(path))
        return _COMMANDS[args.command](args)
    except RelogError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    finally:
        os.umask(umask)


def _cmd_init(args) -> int:
    from .db import SCHEMA_VERSION

    path = args.db or default_db_path()
    if path.exists():
        raise RelogError(f"{path} existe déjà : « init » ne crée qu'une base nouvelle.")
    Database(path, read_only=False, create=True).close()
    print(f"Base vide créée : {path} (schéma {SCHEMA_VERSION}, lisible par son seul "
          "propriétaire). Ensuite : « python -m relog_data users add LOGIN --role admin --db "
          f"{path} » puis « python -m relog_data import FICHIER --db {path} ».")
    return 0


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
    # A dry run works on a private copy: the file itself stays byte for byte as it was.
    with (scratch_copy(path) if args.dry_run else Database(path, read_only=False)) as db:
        report = import_sources(db, sources, replace=tuple(args.replace), dry_run=args.dry_run)
    for p in report.sorted_problems():  # errors first, then by file, sheet, row, column
        column = p.column and (f"colonne {p.letter} ({p.column})" if p.letter
                               else f"colonne {p.column}")
        where = " · ".join(x for x in (
            p.file, p.sheet and f"feuille {p.sheet}", p.row and f"ligne {p.row}", column,
            p.value and f"valeur « {p.value} »",
        ) if x)
        print(f"{p.severity.upper()} [{p.kind}] : " + (f"{where} : " if where else "")
              + p.message + (f" Suggestion : « {p.suggestion} » ?" if p.suggestion else ""))
    if report.unreadable:
        return 2
    if report.errors:
        print(f"Import refusé : {len(report.errors)} erreur(s), la base n'a pas été modifiée.")
        return 1
    from .changes import preview_lines

    print(report.summary_frame().to_string(index=False))
    for line in preview_lines(report.changes, report.summary):
        print(line)
    if report.no_change:
        print("Aucun changement : le fichier correspond déjà à la base ; rien n'a été écrit "
              "(ni copie de sauvegarde, ni ligne d'historique).")
    elif args.dry_run:
        print("Contrôle terminé sans erreur (--dry-run : rien n'a été écrit)."
              + ("" if report.has_changes else " Aucun changement : le fichier correspond "
                 "déjà à la base."))
        if args.replace and any(s.get("deleted") for s in report.summary.values()):
            print("Attention : avec --replace, les lignes absentes du fichier des feuilles "
                  "remplacées seront supprimées.")
    else:
        print(f"Import réussi ({len(report.warnings)} avertissement(s)). "
              f"Copie de la base avant import : {report.backup}")
    return 0


def _cmd_history(args) -> int:
    from .changes import household_history

    path = args.db or default_db_path()
    with Database(path, read_only=True) as db:
        known = db.query_text("SELECT count(*) AS n FROM households WHERE household_id = $h",
                              h=args.household)["n"].iloc[0]
        history = household_history(db, args.household)
    if history.empty and not known:
        print(f"Ménage inconnu : « {args.household} » (ni dans la base, ni dans l'historique "
              "des imports).", file=sys.stderr)
        return 1
    if history.empty:
        print(f"Ménage {args.household} : aucune modification enregistrée par un import "
              "(l'historique commence avec la version 6 du schéma).")
        return 0
    print(f"Historique des modifications du ménage {args.household} "
          f"({len(history)} ligne(s), de la plus récente à la plus ancienne) :")
    for r in history.itertuples(index=False):
        when = pd.Timestamp(r.changed_at).strftime("%d/%m/%Y %H:%M")
        what = (f"{r.label} : {r.old} → {r.new}" if r.kind == "modifiée"
                else f"ligne {r.kind}")
        print(f"{when} · {r.author} · import n° {r.import_id} · feuille {r.sheet} · "
              f"{r.key} · {what}")
    return 0


def _cmd_export(args) -> int:
    from .export import export_workbook

    path = args.db or default_db_path()
    try:
        db = Database(path, read_only=False)
    except RelogError:  # the app holds the file: export anyway, the app logs its own exports
        db = None
    if db is None:
        with Database(path, read_only=True) as ro:
            export_workbook(ro, args.out)
        print("Attention : la base est ouverte par l'application ; cet export n'a pas pu être "
              "inscrit au journal d'audit.", file=sys.stderr)
    else:
        with db:
            export_workbook(db, args.out)
            audit.log(db, "export", f"export complet vers {args.out.name}",
                      login=audit.cli_login())
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
        problem = indicators.reference_problem(args.as_of or indicators.data_date(db), args.reference)
        if problem:
            raise RelogError(problem)
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


def _operations(text: str) -> list[str] | None:
    ops = [o.strip() for o in text.split(",") if o.strip()]
    return ops or None


def _read_password(from_stdin: bool) -> str:
    import getpass

    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Mot de passe : ")
    if getpass.getpass("Le même, encore : ") != first:
        raise RelogError("Les deux mots de passe diffèrent.")
    return first


def _cmd_users(args) -> int:
    from . import accounts

    path = args.db or default_db_path()
    actor = audit.cli_login()
    command = args.users_command
    if command == "list":
        with Database(path, read_only=True) as db:
            users = accounts.list_users(db, SYSTEM)
        if users.empty:
            print("Aucun compte. Créez le premier administrateur : python -m relog_data users "
                  "add LOGIN --role admin")
        for u in users.itertuples():
            ops = ", ".join(u.operations) if is_list_like(u.operations) else "toutes"
            state = "actif" if u.active else "désactivé"
            if not pd.isna(u.locked_until) and u.locked_until > pd.Timestamp.now():
                state += f", verrouillé jusqu'à {u.locked_until:%H:%M}"
            name = u.display_name if isinstance(u.display_name, str) else ""
            print(f"{u.login}\t{u.role}\t{name}\topérations : {ops}\t{state}")
        return 0
    from . import requests

    arguments = {"login": args.login}
    if command in ("add", "set-role"):
        arguments.update(role=args.role, operations=_operations(args.operations))
    if command == "add":
        arguments["name"] = args.name
    if command in ("add", "password"):  # only the argon2id hash goes further
        arguments["password_hash"] = accounts.hash_password(_read_password(args.password_stdin))
    try:
        db = Database(path, read_only=False)
    except DatabaseBusy:  # the app holds the file: it applies the change itself
        print(f"La base est ouverte par l'application : la demande lui est transmise (réponse "
              f"attendue sous {requests.WAIT_SECONDS} s)…", file=sys.stderr)
        request_id = requests.submit(path, command, arguments, actor)
        result = requests.wait_for_result(path, request_id)
        if not result.get("ok"):
            raise RelogError(f"refusé par l'application : {result.get('message')}")
        print(f"{result.get('message')} (appliqué par l'application en cours)")
        return 0
    with db:
        print(requests.run(db, command, arguments, actor))
    return 0


def _cmd_purge(args) -> int:
    from . import purge

    path = args.db or default_db_path()
    deleted = 0
    if args.apply:
        found, deleted = purge.apply_to_file(path, args.closed_before, actor=audit.cli_login())
    else:
        with Database(path, read_only=True) as db:
            found = purge.purge(db, args.closed_before)
    when = args.closed_before.strftime("%d/%m/%Y")
    if found.empty:
        print(f"Aucune opération close avant le {when} : rien à effacer.")
        return 0
    for r in found.itertuples():
        already = "" if pd.isna(r.purged_at) else f" (déjà purgée le {r.purged_at:%d/%m/%Y})"
        print(f"{r.operation_code} — {r.name} : {r.households} ménages, dernier mouvement le "
              f"{r.last_day:%d/%m/%Y} ; {r.names} nom(s) de titulaire et {r.moves_located} "
              f"adresse(s) de relogement à effacer{already}.")
    if args.apply:
        print("Effacement fait et inscrit au journal d'audit ; les indicateurs sont inchangés. "
              f"{deleted} copie(s) de sauvegarde antérieure(s) supprimée(s) (elles contenaient "
              "les données effacées) ; base réécrite pour qu'il n'en reste aucune trace.")
    else:
        print("Simulation : rien n'a été modifié. Ajoutez --apply pour effacer.")
    return 0


def _cmd_audit(args) -> int:
    path = args.db or default_db_path()
    with Database(path, read_only=True) as db:
        frame = audit.entries(db, SYSTEM)
    from .spreadsheet import csv_text  # logins and details are typed by anyone: neutralised

    text = csv_text(frame, decimal=".")
    if args.out:
        args.out.write_text(text, encoding="utf-8-sig")
        print(f"Journal écrit : {args.out} ({len(frame)} entrées)")
    else:
        sys.stdout.write(text)
    return 0


_COMMANDS = {"init": _cmd_init, "users": _cmd_users, "purge": _cmd_purge, "audit": _cmd_audit, "report": _cmd_report, "geo": _cmd_geo, "demo": _cmd_demo, "kpis": _cmd_kpis, "migrate": _cmd_migrate,
             "import": _cmd_import, "export": _cmd_export, "template": _cmd_template,
             "history": _cmd_history}
