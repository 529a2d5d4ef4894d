"""Command line: `python -m relog_data <command> ...`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import pandas as pd
from pandas.api.types import is_list_like

from . import audit, demo, indicators, privacy
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
    p.add_argument("--seance-precedente", default=None, type=int, metavar="N°",
                   help="séance de l'archive à laquelle comparer les chiffres clés (ce qu'elle "
                        "a montré, nouveaux événements et corrections à part)")
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

    p = sub.add_parser("seance", help="archive des séances : chiffres, points d'attention et "
                                      "rapport figés le jour de la séance")
    seance_sub = p.add_subparsers(dest="seance_command", required=True,
                                  parser_class=_FrenchParser)
    s = seance_sub.add_parser("create", help="enregistrer une séance (fige ses chiffres, ses "
                                             "points d'attention, son rapport PDF et son annexe)")
    s.add_argument("--date", required=True, metavar="JJ/MM/AAAA", help="date de la séance")
    s.add_argument("--titre", required=True, metavar="TEXTE",
                   help="titre (par exemple « Groupe technique relogement — mars 2009 »)")
    s.add_argument("--public", required=True, choices=["elu", "partenaire", "charge"],
                   help="public de la séance (elu : chiffres protégés)")
    s.add_argument("--operations", default="", metavar="CODE1,CODE2",
                   help="opérations du périmètre ; toutes par défaut")
    s.add_argument("--phases", default="", metavar="1,2",
                   help="phases du périmètre ; toutes par défaut")
    s.add_argument("--situation", default=None, metavar="JJ/MM/AAAA",
                   help="date de situation des chiffres ; date des données par défaut")
    s.add_argument("--precedente", default=None, metavar="N°",
                   help="numéro de la séance précédente (évolutions), de même public")
    s.add_argument("--sans-pdf", action="store_true",
                   help="ne pas produire le rapport PDF ni l'annexe (plus rapide)")
    s = seance_sub.add_parser("list", help="lister les séances enregistrées")
    s = seance_sub.add_parser("show", help="afficher une séance : chiffres figés et points "
                                           "d'attention")
    s.add_argument("id", metavar="N°", help="numéro de la séance")
    s.add_argument("--reproduire", action="store_true",
                   help="recalculer ses chiffres à sa date de situation sur les données "
                        "actuelles et lister les écarts, avec leur cause")
    s = seance_sub.add_parser("export", help="écrire l'archive .zip d'une séance (rapport PDF, "
                                             "annexe, chiffres en JSON)")
    s.add_argument("id", metavar="N°", help="numéro de la séance")
    s.add_argument("--vers", required=True, type=Path, metavar="FICHIER.zip",
                   help="fichier .zip à écrire")
    s = seance_sub.add_parser("withdraw", help="retirer une séance (elle reste dans l'archive, "
                                               "marquée retirée)")
    s.add_argument("id", metavar="N°", help="numéro de la séance")
    s.add_argument("--motif", required=True, metavar="TEXTE", help="pourquoi elle est retirée")
    for s in seance_sub.choices.values():
        s.add_argument("--db", type=Path, default=None)

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
    print("Construction de la base de démonstration (environ une minute : ses quatre séances "
          "et leurs rapports PDF)…", flush=True)
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
        reference = args.reference
        if args.seance_precedente is not None:
            from . import access

            meeting = access.fetch(db, _seance_viewer(), "meetings", "get",
                                   args.seance_precedente)
            reference = reference or meeting.as_of
        problem = indicators.reference_problem(args.as_of or indicators.data_date(db), reference)
        if problem:
            raise RelogError(problem)
        report.generate(db, scope, reference, args.audience, args.out, args.annex,
                        previous_meeting=args.seance_precedente)
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


# -- séances (the meeting archive, relog_data/meetings.py) ---------------------------------------


def _day_argument(text: str, what: str):
    """A date typed as JJ/MM/AAAA or AAAA-MM-JJ."""
    from datetime import datetime

    text = text.strip()
    for form in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, form).date()
        except ValueError:
            pass
    raise RelogError(f"{what} invalide : « {text} » (attendu JJ/MM/AAAA, par exemple "
                     f"31/03/2009, ou AAAA-MM-JJ).")


def _number_argument(text: str, what: str) -> int:
    if not text.strip().isdigit():
        raise RelogError(f"{what} invalide : « {text} » (attendu un numéro de séance, par "
                         "exemple 3 ; voir « python -m relog_data seance list »).")
    return int(text.strip())


def _phases_argument(text: str) -> tuple[int, ...]:
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not all(p.isdigit() for p in parts):
        raise RelogError(f"Phases invalides : « {text} » (attendu des numéros séparés par des "
                         "virgules, par exemple 1,2).")
    return tuple(int(p) for p in parts)


def _seance_viewer():
    from .access import Viewer

    return Viewer("admin", login=audit.cli_login())  # the command line acts as administrator


def _figure_order(figure: str) -> tuple:
    """Headline figures first, then the dictionary's order (indicators.INDICATOR_KEYS),
    each share followed by its numerator and denominator, the survey last."""
    from . import meetings

    headline = list(meetings.HEADLINE)
    if figure in headline:
        return (0, headline.index(figure), figure)
    name = figure.split("|")[0]
    if name in ("n_answers", "n_satisfied"):
        name = "satisfied_share"
    keys = list(indicators.INDICATOR_KEYS)
    base = max((k for k in keys if name == k or name.startswith(f"{k}_")), key=len,
               default=None)
    if base is None and name.startswith("rent_compensation_"):
        base = "rent_compensation_count"
    return (1, keys.index(base) if base else len(keys), figure)


def _signed_figure(figure: str, value) -> str:
    """A difference between two values of a figure: « +3 », « −0,3 % »."""
    from . import fmt, meetings

    if value is None or fmt.is_missing(value):
        return fmt.DASH
    sign, size = ("+" if value >= 0 else "\u2212"), abs(float(value))
    text = meetings.figure_text(figure, size)
    if size and not any(c in "123456789" for c in text):  # « −0 € »: a small change, shown
        text = (fmt.share(size, 2) if text.endswith("%") else fmt.euros(size, 2)
                if text.endswith("€") else fmt.number(size, 2))
    return sign + text


def _meeting_lines(db, viewer, m) -> list[str]:
    from . import access, fmt

    ops = ", ".join(m.operations) or "toutes"
    phases = ", ".join(str(p) for p in m.phases) or "toutes"
    previous = "aucune"
    if m.previous_id is not None:
        try:
            before = access.fetch(db, viewer, "meetings", "get", m.previous_id)
            previous = f"n° {before.meeting_id} du {fmt.day(before.meeting_date)}"
        except RelogError:
            previous = f"n° {m.previous_id}"
    lines = [
        f"Séance n° {m.meeting_id} : {_meeting_name(m)}"
        + (" [retirée]" if m.withdrawn else ""),
        f"Public : {privacy.AUDIENCE_NAMES.get(m.audience, m.audience)} · opérations : {ops} · phases : "
        f"{phases} · situation au {fmt.day(m.as_of)} · séance précédente : {previous}",
        f"Créée par {m.created_by} le {pd.Timestamp(m.created_at):%d/%m/%Y à %H:%M} · "
        + (f"données de l'import n° {m.import_id}" if m.import_id is not None
           else "aucun import avant elle"),
        "Rapport PDF : " + (f"SHA-256 {m.pdf_sha256}" if m.pdf_sha256 else "aucun")
        + (" · annexe Excel : SHA-256 " + m.annex_sha256 if m.annex_sha256 else ""),
    ]
    if m.note:
        lines.append(f"Note : {m.note}")
    if m.withdrawn:
        lines.append(f"RETIRÉE le {pd.Timestamp(m.withdrawn_at):%d/%m/%Y à %H:%M} par "
                     f"{m.withdrawn_by} : {m.withdrawn_reason}")
    return lines


def _cmd_seance(args) -> int:
    """The meeting archive. Errors (unknown meeting, bad date…) exit 1 in French."""
    try:
        return _SEANCE[args.seance_command](args, args.db or default_db_path())
    except DatabaseBusy:
        raise
    except RelogError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 1


def _seance_create(args, path) -> int:
    from . import access, fmt, meetings

    meeting_date = _day_argument(args.date, "Date de séance")
    as_of = _day_argument(args.situation, "Date de situation") if args.situation else None
    previous = (_number_argument(args.precedente, "Séance précédente")
                if args.precedente is not None else None)
    scope = indicators.Scope(tuple(_operations(args.operations) or ()),
                             _phases_argument(args.phases), as_of=as_of)
    viewer = _seance_viewer()
    with Database(path, read_only=False) as db:
        indicators.check_scope(db, scope)
        meeting_id = meetings.create(db, viewer, meeting_date=meeting_date, title=args.titre,
                                     audience=args.public, scope=scope, previous_id=previous,
                                     with_files=not args.sans_pdf, login=viewer.login)
        m = access.fetch(db, viewer, "meetings", "get", meeting_id)
    print(meeting_id)
    pack = (f"rapport PDF SHA-256 {m.pdf_sha256}" if m.pdf_sha256
            else "sans rapport PDF (--sans-pdf)" if args.sans_pdf
            else f"sans rapport PDF : {m.note}")
    print(f"Séance n° {meeting_id} enregistrée : {_meeting_name(m)} · public "
          f"{privacy.AUDIENCE_NAMES.get(m.audience, m.audience)} · situation au {fmt.day(m.as_of)} · "
          f"{pack}")
    return 0


def _meeting_name(m) -> str:
    """« séance du 02/04/2009 « Groupe technique relogement — mars 2009 » »."""
    from . import fmt

    return f"séance du {fmt.day(m.meeting_date)} « {m.title} »"


def _text_table(columns: dict[str, list[str]]) -> str:
    """A plain table, every column left-aligned."""
    widths = {name: max([len(name)] + [len(str(v)) for v in values])
              for name, values in columns.items()}
    rows = [list(columns)] + [list(r) for r in zip(*columns.values())]
    return "\n".join("  ".join(str(v).ljust(widths[name]) for name, v in zip(columns, row))
                     .rstrip() for row in rows)


def _seance_list(args, path) -> int:
    from . import access, fmt

    viewer = _seance_viewer()
    with Database(path, read_only=True) as db:
        shown = access.fetch(db, viewer, "meetings", "visible")
    if not shown:
        print("Aucune séance enregistrée. Pour en enregistrer une : python -m relog_data seance "
              "create --date JJ/MM/AAAA --titre TEXTE --public partenaire")
        return 0
    listed = sorted(shown, key=lambda m: (m.meeting_date, m.as_of, m.meeting_id))
    table = _text_table({
        "n°": [str(m.meeting_id) for m in listed],
        "date": [fmt.day(m.meeting_date) for m in listed],
        "titre": [m.title for m in listed],
        "public": [privacy.AUDIENCE_NAMES.get(m.audience, m.audience) for m in listed],
        "situation au": [fmt.day(m.as_of) for m in listed],
        "précédente": ["" if m.previous_id is None else f"n° {m.previous_id}" for m in listed],
        "créée par": [m.created_by for m in listed],
        "retirée": [f"oui, le {fmt.day(m.withdrawn_at)}" if m.withdrawn else "non"
                    for m in listed],
    })
    print(f"{len(listed)} séance(s) enregistrée(s) :")
    print(table)
    return 0


def _seance_show(args, path) -> int:
    from . import access

    meeting_id = _number_argument(args.id, "Numéro de séance")
    viewer = _seance_viewer()
    with Database(path, read_only=True) as db:
        m = access.fetch(db, viewer, "meetings", "get", meeting_id)
        figures = access.fetch(db, viewer, "meetings", "figures", meeting_id)
        points = access.fetch(db, viewer, "meetings", "points", meeting_id)
        differences = (access.fetch(db, viewer, "meetings", "reproduce", meeting_id)
                       if args.reproduire else None)
        lines = _meeting_lines(db, viewer, m)
    for line in lines:
        print(line)
    from . import meetings

    total = figures[figures["unit"] == meetings.TOTAL]
    values = dict(zip(total["figure"], total["value"]))
    print()
    print("Chiffres figés (ensemble du périmètre) :")
    for key in sorted(values, key=_figure_order):
        print(f"  {meetings.figure_label(key)} : "
              f"{meetings.figure_text(key, values[key], elu=m.audience == 'elu')}")
    print()
    if points.empty:
        print("Points d'attention : aucun.")
    else:
        print("Points d'attention :")
        for p in points.itertuples():
            print(f"  {p.rank}. [{p.kind}] {p.text}")
    if differences is not None:
        print()
        _print_reproduction(m, differences)
    return 0


def _print_reproduction(m, differences: pd.DataFrame) -> None:
    """Every figure that differs, total first, then why: each household whose
    state changed and what the imports after the meeting changed in its rows."""
    from . import fmt, meetings

    when = fmt.day(m.as_of)
    if differences.empty:
        print(f"Aucun écart : recalculés au {when} sur les données actuelles, les chiffres "
              "sont ceux que la séance a montrés.")
        return
    print(f"Écarts : recalculés au {when} sur les données actuelles, {len(differences)} "
          "chiffre(s) diffèrent de ce que la séance a montré (des données sur la période "
          "d'avant la séance ont été saisies ou corrigées depuis) :")
    rows = sorted(differences.itertuples(), key=lambda r: (
        r.unit != meetings.TOTAL, r.unit, _figure_order(r.figure)))
    elu = m.audience == "elu"
    why: list[str] = []
    for r in rows:
        unit = "ensemble" if r.unit == meetings.TOTAL else r.unit
        households = f" · ménages : {', '.join(r.households)}" if len(r.households) else ""
        print(f"  {meetings.figure_label(r.figure)} ({unit}) : "
              f"{meetings.figure_text(r.figure, r.frozen, elu)} → "
              f"{meetings.figure_text(r.figure, r.now, elu)} "
              f"({_signed_figure(r.figure, r.difference)}){households}")
        why += [line for line in str(r.why or "").splitlines() if line not in why]
    if why:
        print("Pourquoi (ménages dont la situation à cette date a changé, et imports qui les "
              "ont modifiés) :")
        for line in why:
            print(f"  {line}")


def _seance_export(args, path) -> int:
    from . import access

    meeting_id = _number_argument(args.id, "Numéro de séance")
    if args.vers.suffix.lower() != ".zip":
        raise RelogError("L'archive s'écrit dans un fichier .zip (et non "
                         f"« {args.vers.name} »).")
    viewer = _seance_viewer()
    with Database(path, read_only=True) as db:
        data = access.fetch(db, viewer, "meetings", "archive", meeting_id)
    args.vers.write_bytes(data)
    print(f"Archive de la séance n° {meeting_id} écrite : {args.vers} ({len(data)} octets).")
    return 0


def _seance_withdraw(args, path) -> int:
    from . import meetings

    meeting_id = _number_argument(args.id, "Numéro de séance")
    viewer = _seance_viewer()
    with Database(path, read_only=False) as db:
        meetings.withdraw(db, viewer, meeting_id, args.motif, login=viewer.login)
    print(f"Séance n° {meeting_id} retirée (elle reste dans l'archive, marquée retirée) : "
          f"{' '.join(args.motif.split())}")
    return 0


_SEANCE = {"create": _seance_create, "list": _seance_list, "show": _seance_show,
           "export": _seance_export, "withdraw": _seance_withdraw}


_COMMANDS = {"init": _cmd_init, "users": _cmd_users, "purge": _cmd_purge, "audit": _cmd_audit,
             "report": _cmd_report, "geo": _cmd_geo, "demo": _cmd_demo, "kpis": _cmd_kpis,
             "migrate": _cmd_migrate,
             "import": _cmd_import, "export": _cmd_export, "template": _cmd_template,
             "history": _cmd_history, "seance": _cmd_seance}
