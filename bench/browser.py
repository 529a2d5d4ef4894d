"""The benchmark in a real browser (#20): what the user feels.

The app (server.py) is started on a benchmark database and driven by headless
Debian Chromium through Playwright's asyncio API, with sign-in through the form.

One user: per page of the menu, from the click on its sidebar link until the
page is drawn, that is:
- the script run the click started has finished (Streamlit's ForwardMsg
  `script_finished`, read from the websocket, and no run started after it),
- the app shows no running state any more (`stApp`'s data-test-script-state is
  notRunning, no status widget, no `stSkeleton`, no spinner),
- every visible Plotly chart is drawn (`.js-plotly-plot .main-svg`) and every
  visible iframe (the Leaflet maps of streamlit-folium) has loaded, its map
  drawn,
- and nothing ran again during a short quiet time after that (a component
  may ask for a rerun: then the later run counts).
Cold is the first visit of the page in the session (for the landing page,
Synthèse, the sign-in itself: from the click on « Se connecter » until Synthèse
is drawn); warm is the median of the next visits. The server is started afresh
for each scale, so the one user's cold visits also meet the server's caches
cold. Each visit also records the bytes of the websocket messages the browser
received (the server sends them uncompressed), split by kind (Plotly chart,
table, …), and when the script's `script_finished` arrived: click → end of the
script is the server's run plus the transfer (Streamlit streams elements while
the script runs), end of the script → drawn is what the browser still had to do.

Ten users at once: one Chromium, ten browser contexts (ten Streamlit
sessions, each with its own cookie) driven concurrently from one Python
process (ten Chromium processes would swamp two cores). Each signs in, then
visits every page twice. p50/p95 of click-to-drawn over all the visits,
errors (an `stException` on the page, or a visit not done within the
timeout), and the server's memory (VmRSS of the Streamlit process and its
children, from /proc, every second): at rest before the users come, at most
while they work, and `idle_wait` seconds after they have closed their
contexts (Streamlit keeps a disconnected session for
server.disconnectedSessionTTL, 120 s by default).

Run on its own (the browser part only, on databases already built by
`python -m bench.run` in --data, results merged into --out/results.json and
RESULTS.md re-rendered):
    python -m bench.browser --scales S --runs 3 --users 10 --idle-wait 600
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
LOGIN, PASSWORD = "bench", "mot de passe du banc d'essai"  # as bench.run's AppTest part
NOT_LOCAL = re.compile(  # what the browser may not fetch
    r"^(?!(?:https?|wss?)://(?:127\.0\.0\.1|localhost)[:/]|data:|blob:|about:)")
VIEWPORT = {"width": 1400, "height": 900}
QUIET_S = 0.4  # a page is done when nothing ran again this long after it was drawn
POLL_MS = 25  # how often the browser checks whether the page is drawn

# True once the page is drawn: see the module's docstring. `arg.paths`: the
# accepted endings of location.pathname; `arg.needs`: a selector that must exist.
DRAWN_JS = """
(arg) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (arg.paths && !arg.paths.some(p => location.pathname.endsWith(p))) return false;
  if (arg.needs && !document.querySelector(arg.needs)) return false;
  if (document.querySelector('[data-testid="stStatusWidget"], [data-testid="stSkeleton"], '
                             + '[data-testid="stSpinner"]')) return false;
  const shown = e => e.getClientRects().length > 0 && e.getBoundingClientRect().width > 0;
  for (const chart of document.querySelectorAll('[data-testid="stPlotlyChart"]')) {
    if (shown(chart) && !chart.querySelector('.js-plotly-plot .main-svg')) return false;
  }
  for (const frame of document.querySelectorAll('iframe')) {
    if (!shown(frame)) continue;
    let doc = null;
    try { doc = frame.contentDocument; } catch (e) { continue; }  // another origin: cannot tell
    if (!doc || doc.readyState !== 'complete' || doc.URL === 'about:blank') return false;
    if ((frame.title || '').includes('folium')) {
      if (!doc.querySelector('.leaflet-container')) return false;
      if (!doc.querySelector('.leaflet-overlay-pane > *, .leaflet-marker-pane > *')) return false;
    }
  }
  return true;
}
"""

# Click the sidebar link of a page, found by its address (or else its label),
# with a JavaScript click: no actionability waits of Playwright in the measured time.
CLICK_JS = r"""
(want) => {
  const links = [...document.querySelectorAll('[data-testid="stSidebarNav"] a')];
  const path = a => new URL(a.href, location.href).pathname.replace(/\/$/, '');
  const link = links.find(a => path(a).endsWith('/' + want.path))
    || links.find(a => a.innerText.split('\n').some(s => s.trim().endsWith(want.title)));
  if (!link) return false;
  link.click();
  return true;
}
"""


# ---------------------------------------------------------------- the server

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_account(db_path: Path) -> None:
    """The benchmark's administrator account (before the server opens the base)."""
    from relog_data import accounts
    from relog_data.db import Database

    with Database(db_path, read_only=False) as db:
        if accounts.viewer_of(db, LOGIN) is None:
            accounts.add_user(db, LOGIN, PASSWORD, "admin")


@contextmanager
def server(db_path: Path, log_path: Path):
    """server.py on a free port; yields (url, pid)."""
    port = free_port()
    env = dict(os.environ, RELOG_DB=str(db_path))
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "server.py"),
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"Streamlit did not start: see {log_path}")
            time.sleep(0.3)
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _family(pid: int) -> dict[int, str]:
    """A process and its descendants: pid -> its /proc/<pid>/stat line."""
    stats: dict[int, str] = {}
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
                stats[int(entry.name)] = stat
            except (OSError, ValueError, IndexError):
                pass
    family, todo = set(), [pid]
    while todo:
        p = todo.pop()
        family.add(p)
        todo += [c for c, parent in parents.items() if parent == p and c not in family]
    return {p: stats[p] for p in family if p in stats}


def rss_mb(pid: int) -> float:
    """VmRSS of a process and its descendants, in MB (from /proc)."""
    total = 0
    for p in _family(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])  # kB
        except OSError:
            pass
    return total / 1024


def cpu_s(pid: int) -> float:
    """Processor time (user + system) of a process and its living descendants, in s."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in _family(pid).values():
        fields = stat.rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def settle(pid: int, quiet_s: float = 3.0, limit_s: float = 600.0) -> float:
    """Wait until the server is at rest (less than 5 % of a core used over
    `quiet_s`): at start it prepares the officials' release in the background
    (server.py), which would share the processor with the visits measured.
    Returns the seconds waited."""
    started = time.perf_counter()
    before = cpu_s(pid)
    while time.perf_counter() - started < limit_s:
        time.sleep(quiet_s)
        now = cpu_s(pid)
        if now - before < 0.05 * quiet_s:
            break
        before = now
    return time.perf_counter() - started


# ------------------------------------------------------------ the websocket tap

class Tap:
    """The websocket messages one browser page receives (every socket it opens)."""

    def __init__(self, page):
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self._parse = ForwardMsg.FromString
        self._statuses = {v: k for k, v in ForwardMsg.ScriptFinishedStatus.items()}
        self.bytes = 0
        self.kinds: Counter = Counter()  # bytes by kind of message / element
        self.started = 0  # script runs started (ForwardMsg new_session)
        self.finished: list[tuple[float, str]] = []  # (perf_counter, status)
        self.changed = asyncio.Event()
        page.on("websocket", self._socket)

    def _socket(self, ws) -> None:
        ws.on("framereceived", self._frame)

    def _frame(self, payload) -> None:
        now = time.perf_counter()
        data = payload if isinstance(payload, bytes) else payload.encode("utf-8")
        self.bytes += len(data)
        try:
            msg = self._parse(data)
            kind = msg.WhichOneof("type") or "?"
        except Exception:  # not a ForwardMsg
            self.kinds["?"] += len(data)
            return
        if kind == "delta":
            delta = msg.delta
            sub = delta.WhichOneof("type")
            if sub == "new_element":
                kind = delta.new_element.WhichOneof("type") or "element"
            else:
                kind = sub or "delta"
        elif kind == "new_session":
            self.started += 1
        elif kind == "script_finished":
            status = self._statuses.get(msg.script_finished, "?")
            self.finished.append((now, status))
        self.kinds[kind] += len(data)
        self.changed.set()

    def mark(self) -> tuple[int, int, int, Counter]:
        return self.bytes, self.started, len(self.finished), Counter(self.kinds)

    def settled_since(self, mark) -> bool:
        """A run started after `mark` has finished and none is under way."""
        _, started, finished, _ = mark
        runs = self.finished[finished:]
        return (bool(runs) and self.started - started <= len(runs)
                and runs[-1][1] != "FINISHED_EARLY_FOR_RERUN")


class VisitError(Exception):
    pass


async def _wait_settled(tap: Tap, mark, deadline: float) -> None:
    while not tap.settled_since(mark):
        tap.changed.clear()
        left = deadline - time.perf_counter()
        if left <= 0:
            raise VisitError("the script did not finish in time")
        try:
            await asyncio.wait_for(tap.changed.wait(), timeout=left)
        except asyncio.TimeoutError:
            pass


async def measured(page, tap: Tap, action, paths=None, needs=None, timeout: float = 180,
                   before=None) -> dict:
    """Run `action` (a click) and time it until the page is drawn (see the docstring)."""
    mark = tap.mark()
    started = time.perf_counter()
    deadline = started + timeout
    await action()
    if before is not None:  # e.g. the sign-in's redirection: a new document first
        await before(deadline)
    while True:
        await _wait_settled(tap, mark, deadline)
        script_end = tap.finished[-1][0]
        left_ms = max(1.0, (deadline - time.perf_counter()) * 1000)
        try:
            await page.wait_for_function(DRAWN_JS, arg={"paths": paths, "needs": needs},
                                         polling=POLL_MS, timeout=left_ms)
        except Exception as exc:  # Playwright's TimeoutError, or a navigation
            if time.perf_counter() >= deadline:
                raise VisitError(f"the page was not drawn in time: {exc}") from None
            if page.is_closed():
                raise
            await asyncio.sleep(0.1)
            continue
        drawn = time.perf_counter()
        count = (tap.started, len(tap.finished))
        await asyncio.sleep(QUIET_S)
        if (tap.started, len(tap.finished)) == count:
            break
    exceptions = await page.locator('[data-testid="stException"]').count()
    kinds = tap.kinds - mark[3]
    return {"seconds": drawn - started, "script_s": script_end - started,
            "draw_s": max(0.0, drawn - script_end), "bytes": tap.bytes - mark[0],
            "kinds": dict(kinds.most_common()), "exceptions": exceptions}


# --------------------------------------------------------------- one session

async def new_page(browser):
    context = await browser.new_context(viewport=VIEWPORT)
    page = await context.new_page()

    # no request leaves the machine (e.g. map tiles); the pattern is matched by
    # Playwright's driver, so the app's own requests do not wait for Python
    async def refuse(route):
        await route.abort()

    await page.route(NOT_LOCAL, refuse)
    return context, page, Tap(page)


async def sign_in(page, tap: Tap, url: str, timeout: float) -> dict:
    await page.goto(url + "/", timeout=timeout * 1000)
    await page.get_by_label("Identifiant").wait_for(timeout=timeout * 1000)
    await _wait_settled(tap, (0, 0, 0, Counter()), time.perf_counter() + timeout)
    await page.get_by_label("Identifiant").fill(LOGIN)
    await page.get_by_label("Mot de passe").fill(PASSWORD)

    async def click():
        await page.get_by_role("button", name="Se connecter").click()

    async def new_document(deadline):  # the cookie route, then the app signed in
        await page.locator('[data-testid="stSidebarNav"]').first.wait_for(
            timeout=max(1.0, (deadline - time.perf_counter()) * 1000))

    return await measured(page, tap, click, paths=["/"], needs='[data-testid="stSidebarNav"]',
                          timeout=timeout, before=new_document)


async def visit(page, tap: Tap, title: str, url_path: str, timeout: float) -> dict:
    async def click():
        if not await page.evaluate(CLICK_JS, {"title": title, "path": url_path}):
            raise VisitError(f"no link « {title} » in the sidebar")

    paths = ["/", "/synthese"] if url_path == "synthese" else ["/" + url_path]
    return await measured(page, tap, click, paths=paths, timeout=timeout)


def menu() -> list[tuple[str, str, str]]:
    """(file stem, title, url_path) of every page of the menu, landing page last
    (a visit is a click from another page)."""
    from pages._access import PAGES

    items = [(stem, title, url_path) for section in PAGES.values()
             for title, stem, _, url_path in section]
    return items[1:] + items[:1]


# --------------------------------------------------------------- the runs

def _stats(values: list[float]) -> dict | None:
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "runs": len(values)}


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


async def one_user(browser, url: str, runs: int, timeout: float, log) -> dict:
    """Every page: its first visit (cold), then `runs` more (warm). A visit
    that fails (not drawn in time, an exception on the page) is recorded as
    an error of its page and the user goes on."""
    items = menu()
    visits: dict[str, list[dict]] = {stem: [] for stem, _, _ in items}
    errors: dict[str, list[str]] = {stem: [] for stem, _, _ in items}
    landing = items[-1][0]
    context, page, tap = await new_page(browser)
    try:
        try:
            visits[landing].append(await sign_in(page, tap, url, timeout))
        except VisitError as exc:
            errors[landing].append(f"sign-in: {exc}")
            raise RuntimeError(f"browser benchmark: sign-in failed: {exc}") from None
        for round_ in range(runs + 1):
            for stem, title, url_path in items:
                if stem == landing and round_ == runs:  # its cold visit was the sign-in
                    continue
                try:
                    v = await visit(page, tap, title, url_path, timeout)
                except Exception as exc:  # not drawn in time, or the page broke
                    errors[stem].append(f"visit {round_ + 1}: {str(exc)[:300]}")
                    visits[stem].append(None)
                    continue
                if v["exceptions"]:
                    errors[stem].append(f"visit {round_ + 1}: exception on the page")
                visits[stem].append(v)
        log(f"    one user: {sum(len(v) for v in visits.values())} visits, "
            f"{sum(len(e) for e in errors.values())} errors")
    finally:
        await context.close()
    pages = {}
    keys = ("seconds", "script_s", "draw_s", "bytes", "kinds")
    for stem, title, _ in items:
        cold = visits[stem][0] if visits[stem] else None
        warm = [v for v in visits[stem][1:] if v is not None]
        pages[stem] = {
            "cold": {k: cold[k] for k in keys} if cold else None,
            "warm": _stats([v["seconds"] for v in warm]),
            "warm_script_s": _stats([v["script_s"] for v in warm]),
            "warm_draw_s": _stats([v["draw_s"] for v in warm]),
            "warm_bytes": _stats([v["bytes"] for v in warm]),
            "warm_kinds": warm[-1]["kinds"] if warm else {},
            "cold_is_sign_in": stem == landing, "errors": errors[stem]}
    return pages


async def crowd(browser, url: str, pid: int, users: int, rounds: int, idle_wait: float,
                timeout: float, log) -> dict:
    """`users` contexts at once, each signs in then visits every page `rounds` times."""
    items = menu()
    samples: list[tuple[float, float]] = []
    t0 = time.perf_counter()
    stop = asyncio.Event()

    async def sample():
        while not stop.is_set():
            mb = await asyncio.to_thread(rss_mb, pid)  # reading /proc: not in the event loop
            samples.append((time.perf_counter() - t0, mb))
            try:
                await asyncio.wait_for(stop.wait(), timeout=1.0)
            except asyncio.TimeoutError:
                pass

    sampler = asyncio.create_task(sample())
    await asyncio.sleep(3)
    idle = statistics.median(mb for _, mb in samples)
    times: list[float] = []
    sign_ins: list[float] = []
    errors: list[str] = []

    async def user(i: int):
        context, page, tap = await new_page(browser)
        try:
            try:
                sign_ins.append((await sign_in(page, tap, url, timeout))["seconds"])
            except Exception as exc:
                errors.append(f"user {i} sign-in: {exc}")
                return
            for _ in range(rounds):
                for stem, title, url_path in items:
                    try:
                        v = await visit(page, tap, title, url_path, timeout)
                    except Exception as exc:
                        errors.append(f"user {i} {stem}: {str(exc)[:200]}")
                        continue
                    times.append(v["seconds"])
                    if v["exceptions"]:
                        errors.append(f"user {i} {stem}: exception on the page")
        finally:
            await context.close()

    cpu_server, cpu_all = cpu_s(pid), cpu_s(os.getpid())
    started = time.perf_counter() - t0
    await asyncio.gather(*(user(i) for i in range(users)))
    left = time.perf_counter() - t0
    cpu_server, cpu_all = cpu_s(pid) - cpu_server, cpu_s(os.getpid()) - cpu_all
    log(f"    {users} users: {len(times)} visits, {len(errors)} errors; waiting {idle_wait:.0f} s")
    await asyncio.sleep(idle_wait)
    stop.set()
    await sampler
    during = [mb for t, mb in samples if started <= t <= left]
    return {"users": users, "rounds": rounds, "visits": len(times),
            "p50": _percentile(times, 0.5), "p95": _percentile(times, 0.95),
            "max": max(times) if times else None,
            "sign_in": _stats(sign_ins), "errors": len(errors), "error_list": errors[:20],
            "duration_s": left - started, "rss_idle_mb": idle,
            # processor time during the sequence: the server's, and the rest of this
            # process tree (Chromium, Playwright's driver, this Python process)
            "cpu_server_s": cpu_server, "cpu_browser_s": cpu_all - cpu_server,
            "cores": os.cpu_count(),
            "rss_peak_mb": max(during or [idle]), "rss_after_mb": samples[-1][1],
            "idle_wait_s": idle_wait,
            "rss_series": [[round(t, 1), round(mb, 1)] for t, mb in samples]}


async def _measure(url: str, pid: int, runs: int, users: int, rounds: int, idle_wait: float,
                   timeout: float, log) -> dict:
    from playwright.async_api import async_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: install Debian's chromium")
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-renderer-backgrounding",
                  "--disable-background-timer-throttling",
                  "--disable-backgrounding-occluded-windows"])
        try:
            # the server's imports, on the sign-in page (not in the first visit's time)
            context, page, tap = await new_page(browser)
            await page.goto(url + "/")
            await page.get_by_label("Identifiant").wait_for(timeout=timeout * 1000)
            await context.close()
            settled = await asyncio.to_thread(settle, pid)
            log(f"    server at rest after {settled:.0f} s (officials' release prepared)")
            log("    one user")
            result = {"settle_s": settled,
                      "pages": await one_user(browser, url, runs, timeout, log)}
            if users:
                log(f"    {users} users at once")
                result["crowd"] = await crowd(browser, url, pid, users, rounds, idle_wait,
                                              timeout, log)
        finally:
            await browser.close()
    return result


def measure(db_path: Path, runs: int = 3, users: int = 10, rounds: int = 2,
            idle_wait: float = 600, timeout: float = 180, log=lambda m: None,
            log_dir: Path | None = None) -> dict:
    """The browser benchmark on an imported database (see the module's docstring)."""
    from relog_data.db import close_shared

    close_shared()  # this process's handles (bench.run's AppTest part): the server opens the file
    ensure_account(db_path)
    log_path = (log_dir or db_path.parent) / f"streamlit-{db_path.stem}.log"
    with server(db_path, log_path) as (url, pid):
        result = asyncio.run(_measure(url, pid, runs, users, rounds, idle_wait, timeout, log))
    result.update(viewport=VIEWPORT, runs=runs, measured=datetime.now().strftime("%Y-%m-%d %H:%M"))
    return result


def main(argv=None) -> int:
    """The browser part alone, on databases bench.run has built (or builds here)."""
    parser = argparse.ArgumentParser(prog="python -m bench.browser")
    parser.add_argument("--scales", default="S,M,L")
    parser.add_argument("--runs", type=int, default=3, help="warm visits per page")
    parser.add_argument("--users", type=int, default=10, help="users at once (0: none)")
    parser.add_argument("--rounds", type=int, default=2, help="visits of every page per user")
    parser.add_argument("--idle-wait", type=float, default=600)
    parser.add_argument("--data", type=Path, default=ROOT / "bench" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "bench")
    args = parser.parse_args(argv)
    from bench import generate, results_md
    from bench.run import import_once, machine

    def log(m):
        print(m, file=sys.stderr, flush=True)

    out = args.out / "results.json"
    results = (json.loads(out.read_text(encoding="utf-8")) if out.exists()
               else {"machine": machine(), "scales": {}})
    for scale in args.scales.split(","):
        db_path = args.data / f"programme-{scale}.duckdb"
        if not db_path.exists():
            log(f"[{scale}] workbook and import")
            workbook, _ = generate.write(scale, args.data)
            import_once(workbook, db_path)
        log(f"[{scale}] browser")
        results["scales"].setdefault(scale, {"households": generate.SCALES[scale]})
        results["scales"][scale]["browser"] = measure(
            db_path, args.runs, args.users, args.rounds, args.idle_wait, log=log,
            log_dir=args.out)
        args.out.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=2, default=str, ensure_ascii=False),
                       encoding="utf-8")
    (args.out / "RESULTS.md").write_text(results_md.render(results), encoding="utf-8")
    print(f"Résultats : {args.out / 'RESULTS.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
