"""Files offered for download (relog_data/downloads.py): a CSV is written when
its link is followed, not on every rerun of the page that offers it (#20: the
audit journal and an import's changes took 3 s per visit at 150 000
households), and only for the session that offered it."""

from __future__ import annotations

from relog_data import downloads, sessions
from relog_data.downloads import Deferred, DownloadRegistry


def test_a_deferred_file_is_made_once_when_fetched_and_offered_once_per_content():
    registry = DownloadRegistry()
    token = sessions.STORE.create("alice", kind="local")
    made = []

    def make():
        made.append(1)
        return b"a;b\r\n1;2\r\n"

    first = registry.offer(token, Deferred(make, ("journal.csv", 2)), "journal.csv", "text/csv",
                           "journal")
    again = registry.offer(token, Deferred(make, ("journal.csv", 2)), "journal.csv", "text/csv",
                           "journal")  # the page's rerun: the same link
    other = registry.offer(token, Deferred(make, ("journal.csv", 3)), "journal.csv", "text/csv",
                           "journal")  # one more entry: a new file
    assert first == again and other != first
    assert made == []  # offering writes nothing
    item = registry.take(first.rsplit("/", 1)[1], token)
    assert item.content() == b"a;b\r\n1;2\r\n" and item.content() == b"a;b\r\n1;2\r\n"
    assert made == [1]
    assert registry.take(first.rsplit("/", 1)[1], sessions.STORE.create("bob")) is None
    sessions.STORE.revoke(token)


def test_bytes_are_still_offered_as_they_are():
    registry = DownloadRegistry()
    token = sessions.STORE.create("alice", kind="local")
    url = registry.offer(token, b"%PDF-1.7", "r.pdf", "application/pdf", "rapport")
    assert registry.take(url.rsplit("/", 1)[1], token).content() == b"%PDF-1.7"
    assert downloads.ROUTE in url
    sessions.STORE.revoke(token)
