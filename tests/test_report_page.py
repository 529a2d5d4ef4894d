"""The Rapport page: a pack made for other dates or another scope is not
offered, and a previous meeting after the situation date is refused."""

from __future__ import annotations

from datetime import date

from .conftest import download_links, start_app
from .test_pages_access import opened


def test_a_stale_pack_is_not_offered(small_db_path, monkeypatch):
    at = start_app(small_db_path, monkeypatch, date="2009-06-30", reference="2009-03-31")
    assert opened(at, "meeting_report")
    at.button[0].click().run()  # Générer le rapport
    assert not at.exception, at.exception
    assert set(download_links(at)) == {"Télécharger le rapport (PDF)",
                                       "Télécharger l'annexe (Excel)"}
    pack = at.session_state["report_files"]
    assert pack["as_of"] == date(2009, 6, 30) and pack["reference"] == date(2009, 3, 31)
    at.session_state["filter_as_of"] = date(2009, 5, 31)  # the sidebar's date changes
    at.run()
    assert download_links(at) == {}
    captions = " ".join(c.value for c in at.caption)
    assert "autres dates ou un autre périmètre" in captions and "générez-le de nouveau" in captions
    at.session_state["filter_as_of"] = date(2009, 6, 30)  # back to the pack's dates
    at.run()
    assert len(download_links(at)) == 2
    at.session_state["filter_operations"] = ["OPA"]  # another scope
    at.run()
    assert download_links(at) == {}


def test_a_previous_meeting_after_the_situation_date_is_refused(small_db_path, monkeypatch):
    at = start_app(small_db_path, monkeypatch, date="2009-03-31", reference="2009-06-30")
    assert opened(at, "meeting_report")
    assert not at.exception, at.exception
    errors = [e.value for e in at.sidebar.error] + [e.value for e in at.error]
    assert any("séance précédente (30/06/2009) est postérieure" in e for e in errors), errors
    assert at.button[0].disabled  # no pack with dates in the wrong order
