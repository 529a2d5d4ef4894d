"""The attacker test of issue #16: no count of 1 to 4 households can be read or
worked out by an elected official, on the demo and on generated databases.

For every release an `elu` viewer can read (the whole programme, each
operation, a pair of operations, and the same for an official who sees three
operations only; at every publication date), tests/attacker.py collects every
published cell through `access.fetch`, writes down the linear relations an
official with a calculator knows, and computes with linear programming the
interval of every hidden cell, numerator/denominator gap and change between two
dates. It shares no code with relog_data/suppression.py or release.py.

Pass: no hidden cell narrower than 5 values (recovered = 0), no published cell,
gap or change between two publication dates of 1 to 4 households, every
relation used true on the unsuppressed data. `pytest -s` prints the counts.
"""

from __future__ import annotations

import os
import time

import pytest

from relog_data import access
from relog_data.db import Database
from relog_data.indicators import Scope

from . import attacker, generator

BRON, DAME_BLANCHE, SEVERINE = "BRON-TERRAILLON", "STE-DAMEBLANCHE", "STE-SEVERINE"
# Generated databases attacked: ATTACK_SEEDS of them from FUZZ_SEED (`make test`:
# one; `make fuzz`: more, on every publication date).
SEEDS = tuple(range(int(os.environ.get("FUZZ_SEED", "0")),
                    int(os.environ.get("FUZZ_SEED", "0"))
                    + int(os.environ.get("ATTACK_SEEDS", "1"))))


def _operations(db) -> list[str]:
    opts = access.fetch(db, access.SYSTEM, "indicators", "scope_options")
    return list(opts.loc[opts["kind"] == "operation", "code"])


def _scopes(ops: list[str]) -> list[Scope]:
    scopes = [Scope()] + [Scope(operations=(o,)) for o in ops]
    if len(ops) > 2:
        scopes.append(Scope(operations=tuple(ops[:2])))
    return scopes


def _truth_dates(dates):
    """The dates on which the truth is read too (every identity checked there):
    the first, the middle, the last two."""
    return sorted({dates[0], dates[len(dates) // 2], *dates[-2:]}) if dates else []


# Publication dates attacked: the latest ATTACK_DATES of them (0: every one;
# `make fuzz` sets 0). Each date adds the scopes' releases and their changes.
ATTACK_DATES = int(os.environ.get("RELOG_ATTACK_DATES", "8"))


def run_attack(db, viewer: access.Viewer, name: str, truth_cache: dict,
               truth_dates="all", last: int = ATTACK_DATES
               ) -> tuple[attacker.Audit, attacker.Knowledge, list]:
    dates, wired = attacker.publication_dates(db)
    if ATTACK_DATES:
        dates = dates[-min(last, ATTACK_DATES):]
    ops = list(viewer.operations) if viewer.operations is not None else _operations(db)
    a, k = attacker.attack(
        db, viewer, _scopes(ops), dates, attacker.pace_reference(dates, wired), name,
        truth_cache=truth_cache,
        truth_dates=None if truth_dates == "all" else _truth_dates(dates))
    leaks = attacker.wilson_leaks(k)
    print("\n" + a.line() + ("" if wired else " [passerelle sans release.py]")
          + (f" wilson={len(leaks)}" if leaks else ""))
    return a, k, leaks


def _explain(a: attacker.Audit, leaks: list) -> str:
    lines = []
    for kind, items in a.failures().items():
        for item in items[:12]:
            lines.append(f"{kind}: {item}")
        if len(items) > 12:
            lines.append(f"{kind}: … {len(items) - 12} de plus")
    lines += [f"wilson: {leak}" for leak in leaks[:5]]
    return "\n".join(lines)


def _assert_protected(a: attacker.Audit, leaks: list) -> None:
    failures = a.failures()
    assert not any(failures.values()) and not leaks, _explain(a, leaks)


# -- the demo --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo_attacks(demo_db_path):
    start = time.perf_counter()
    cache: dict = {}
    with Database(demo_db_path, read_only=True) as db:
        whole = run_attack(db, access.Viewer("elu", login="attaquant"), "démo, élu", cache,
                           truth_dates="all")
        part = run_attack(db, access.Viewer("elu", (BRON, DAME_BLANCHE, SEVERINE),
                                            login="attaquant"),
                          "démo, élu de 3 opérations", cache)
        dates, _ = attacker.publication_dates(db)
    print(f"[attaquant] démo : {time.perf_counter() - start:.1f} s")
    return {"whole": whole, "part": part, "dates": dates}


def test_demo_nothing_recovered(demo_attacks):
    a, _, leaks = demo_attacks["whole"]
    assert a.releases >= 50
    _assert_protected(a, leaks)


def test_demo_official_of_three_operations(demo_attacks):
    a, _, leaks = demo_attacks["part"]
    _assert_protected(a, leaks)


def _exits_protected(demo_attacks, op: str) -> None:
    """An operation's exits at the data date: hidden, or published and not 1..4;
    in both cases not recoverable (the issue's calculator: Concernés = Relogés +
    Sorties + Restant, « Relogés + sorties / concernés »)."""
    a, k, _ = demo_attacks["whole"]
    day = demo_attacks["dates"][-1]
    key = ("E", day, (op,))
    assert key in k.cells, f"{op} : sorties au {day} absentes des publications"
    value = k.value(key)
    if value is not None:
        assert not attacker._small(value), f"{op} : {value} sorties publiées"
    label = attacker._label(key)
    found = [f for f in a.recovered if f.label == label]
    assert not found, f"{op} : sorties retrouvées {found}"
    for _, k2, _ in (demo_attacks["part"],):
        assert key not in k2.cells or not attacker._small(k2.value(key))


def test_demo_bron_terraillon_exits(demo_attacks):
    _exits_protected(demo_attacks, BRON)


def test_demo_dame_blanche_exits(demo_attacks):
    _exits_protected(demo_attacks, DAME_BLANCHE)


def test_demo_severine_exits(demo_attacks):
    _exits_protected(demo_attacks, SEVERINE)


def test_demo_severine_finished_headline_published(demo_attacks, demo_db):
    """Séverine, finished at 68 / 68: its headline is not hidden (68 households,
    68 rehoused or gone, 100 %)."""
    day = demo_attacks["dates"][-1]
    _, k, _ = demo_attacks["whole"]
    assert k.value(("H", day, (SEVERINE,))) == 68
    assert k.value(("done", day, (SEVERINE,))) == 68
    assert k.value(("Rem", day, (SEVERINE,))) == 0
    frame = access.fetch(demo_db, access.Viewer("elu"), "indicators", "operations_overview",
                         Scope(as_of=day))
    row = frame.set_index("operation_code").loc[SEVERINE]
    assert (row["households_total"], row["progress_rate_num"], row["progress_rate_den"]) \
        == (68, 68, 68)
    assert row["progress_rate"] == pytest.approx(1.0)


# -- generated databases ------------------------------------------------------------------------
@pytest.mark.generated
@pytest.mark.parametrize("seed", SEEDS)
def test_generated_nothing_recovered(seed, tmp_path):
    programme = generator.draw(seed)
    path = generator.build(tmp_path / f"attaque-{seed}.duckdb", programme)
    start = time.perf_counter()
    with Database(path, read_only=True) as db:
        # (make test: the last 4 dates of a generated database, ~3 min; make fuzz: all)
        a, _, leaks = run_attack(db, access.Viewer("elu", login="attaquant"),
                                 f"graine {seed} ({', '.join(programme.features)})", {},
                                 last=4)
    print(f"[attaquant] graine {seed} : {time.perf_counter() - start:.1f} s")
    _assert_protected(a, leaks)
