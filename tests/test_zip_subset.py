"""relog_data.zip_subset: a copy of some members of a zip, compressed bytes untouched."""

import io
import zipfile

from relog_data.zip_subset import subset


class _Unseekable(io.RawIOBase):
    """A stream zipfile cannot seek back in: it writes data descriptors (flag bit 3)."""

    def __init__(self):
        self.buffer = io.BytesIO()

    def writable(self):
        return True

    def write(self, data):
        return self.buffer.write(data)


def _archive(seekable: bool) -> bytes:
    target = io.BytesIO() if seekable else _Unseekable()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.xml", "<a>" + "x" * 5000 + "</a>")
        z.writestr("dossier/é.xml", "<b/>")
        z.writestr("stocké.txt", "tel quel", compress_type=zipfile.ZIP_STORED)
        z.writestr("c.xml", "<c>" + "y" * 20000 + "</c>")
    return (target if seekable else target.buffer).getvalue()


def test_the_copy_holds_the_chosen_members_with_the_same_bytes():
    for seekable in (True, False):
        data = _archive(seekable)
        original = zipfile.ZipFile(io.BytesIO(data))
        if not seekable:
            assert all(info.flag_bits & 0x08 for info in original.infolist())
        chosen = [original.getinfo(n) for n in ("c.xml", "dossier/é.xml", "stocké.txt")]
        copy = zipfile.ZipFile(io.BytesIO(subset(data, chosen)))
        assert copy.namelist() == ["c.xml", "dossier/é.xml", "stocké.txt"]
        assert copy.testzip() is None  # every checksum verified
        for name in copy.namelist():
            assert copy.read(name) == original.read(name)
            assert copy.getinfo(name).compress_size == original.getinfo(name).compress_size
        assert len(subset(data, chosen[:1])) < len(data) / 2  # a.xml and the others left out
        assert zipfile.ZipFile(io.BytesIO(subset(data, []))).namelist() == []


def test_a_member_whose_header_is_not_where_the_table_says_is_not_copied():
    data = _archive(True)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("c.xml")
    info.header_offset += 1
    assert subset(data, [info]) is None
