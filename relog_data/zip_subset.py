"""A copy of a zip archive holding only some of its members: their local
headers and compressed bytes are copied as they are (nothing is decompressed)
and a new table of contents is written for them.

The workbook reader (calamine) is given such a copy of an .xlsx holding only
the parts already checked (sources._read_checked_ahead): whatever it looks
for, it can only find a checked part.
"""

from __future__ import annotations

import struct
import zipfile

_LOCAL = b"PK\x03\x04"
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")  # a table-of-contents entry (APPNOTE 4.3.12)
_END = struct.Struct("<4s4H2LH")  # end of the table of contents (APPNOTE 4.3.16)
_LIMIT = 0xFFFFFFFF  # beyond it a size needs zip64 fields: not copied here


def subset(data: bytes, infos: list[zipfile.ZipInfo]) -> bytes | None:
    """An archive of `infos` (members of the zip `data`), or None when one of
    them cannot be copied plainly (zip64 sizes, a header out of place)."""
    out = bytearray()
    directory = bytearray()
    for info in infos:
        start = info.header_offset
        if start < 0 or start + 30 > len(data) or data[start:start + 4] != _LOCAL:
            return None
        name_length, extra_length = struct.unpack_from("<HH", data, start + 26)
        end = start + 30 + name_length + extra_length + info.compress_size
        if (end > len(data) or max(info.compress_size, info.file_size, len(out)) >= _LIMIT):
            return None
        try:  # the name as the original table of contents has it (what readers look up)
            name = info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437")
        except UnicodeEncodeError:
            return None
        time, date = struct.unpack_from("<HH", data, start + 10)
        directory += _CENTRAL.pack(b"PK\x01\x02", 20, 3, 20, 0, info.flag_bits,
                                   info.compress_type, time, date, info.CRC, info.compress_size,
                                   info.file_size, len(name), 0, 0, 0, 0, 0, len(out))
        directory += name
        out += data[start:end]  # local header and compressed data (no data descriptor)
    if len(out) + len(directory) >= _LIMIT or len(infos) > 0xFFFF:
        return None
    offset = len(out)
    out += directory
    out += _END.pack(b"PK\x05\x06", 0, 0, len(infos), len(infos), len(directory), offset, 0)
    return bytes(out)
