#!/usr/bin/env python3
"""Writes tests/corpus/hostile/: small files that declare far more than they
hold (or hold far more than they look), one per way an upload reader can be
made to allocate without bound. tests/api/uploads.rs replays each through
the real upload routes; tests/upload_fuzz.rs reads them directly.

Run from the repository root: python3 scripts/hostile-corpus.py
Each file's name says what it does; the expected message is in the tests.
"""
import os
import struct
import zipfile

OUT = os.path.join("tests", "corpus", "hostile")

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
</Types>"""
RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>
</workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>
</Relationships>"""
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def sheet(cells, dimension="A1:B2"):
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {NS}>'
            f'<dimension ref="{dimension}"/><sheetData>{cells}</sheetData></worksheet>')


def strings(items, declared=None):
    n = len(items) if declared is None else declared
    body = "".join(f"<si><t>{s}</t></si>" for s in items)
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst {NS} count="{n}" uniqueCount="{n}">{body}</sst>'


HEADER = '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
NAMES = ["name", "region"]


def workbook(path, sheet_xml, sst_xml, extra=(), compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        z.writestr("xl/sharedStrings.xml", sst_xml)
        for name, data in extra:
            z.writestr(name, data)


def main():
    os.makedirs(OUT, exist_ok=True)
    out = lambda name: os.path.join(OUT, name)

    # 10^16 shared strings declared in 1.6 KB: calamine reserved 240 PB.
    workbook(out("shared_string_count.xlsx"), sheet(HEADER), strings(NAMES, declared=10**16))

    # The whole grid declared as the sheet's dimension.
    workbook(out("whole_grid_dimension.xlsx"), sheet(HEADER, "A1:XFD1048576"), strings(NAMES))

    # Two cells at opposite corners: a dense grid of 17 billion cells.
    corners = HEADER + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    workbook(out("opposite_corners.xlsx"), sheet(corners, "A1:B2"), strings(NAMES))

    # Cells without an address: calamine places each after the last, so one
    # row of 20,000 reaches column 20,000.
    wide = '<row r="2">' + "<c><v>1</v></c>" * 20_000 + "</row>"
    workbook(out("cells_without_address.xlsx"), sheet(HEADER + wide), strings(NAMES))

    # A gigabyte of zeros deflated into about a megabyte.
    zeros = b"\0" * (1024 * 1024 * 1024)
    workbook(out("gigabyte_bomb.xlsx"), sheet(HEADER), strings(NAMES), extra=[("xl/media/image1.png", zeros)])
    del zeros

    # An entry that says it inflates to 1 KB and inflates to 200 MB.
    lying = out("lying_size.xlsx")
    padding = " " * (200 * 1024 * 1024)
    workbook(lying, sheet(HEADER + f"<!--{padding}-->"), strings(NAMES))
    del padding
    patch_sizes(lying, "xl/worksheets/sheet1.xml", 1024)

    # One 32,000-character string named by 2,000 cells: 192 MB once copied
    # into the cells, from a file of a few kilobytes.
    long_text = "长" * 32_000
    rows = "".join(f'<row r="{r}"><c r="A{r}" t="s"><v>2</v></c></row>' for r in range(2, 2002))
    workbook(out("shared_string_copies.xlsx"), sheet(HEADER + rows, "A1:A2001"), strings(NAMES + [long_text]))

    # 5,000 entries in the zip.
    many = [(f"xl/media/p{i}.bin", b"") for i in range(5000)]
    workbook(out("many_parts.xlsx"), sheet(HEADER), strings(NAMES), extra=many, compression=zipfile.ZIP_STORED)

    # A ZIP64 end record declaring 2^40 entries.
    zip64 = out("zip64_entry_count.xlsx")
    workbook(zip64, sheet(HEADER), strings(NAMES))
    add_zip64_end(zip64, 2**40)

    # An Excel 97-2003 container (its records are not checked: refused).
    with open(out("old_format.xls"), "wb") as f:
        f.write(bytes([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) + b"\0" * 504)

    # A CSV line of 100,000 columns.
    with open(out("wide.csv"), "w") as f:
        f.write("name," + "," * 100_000 + "\n")


def patch_sizes(path, name, size):
    """Writes `size` as the inflated size of `name` in its local header and
    in the central directory."""
    data = bytearray(open(path, "rb").read())
    encoded = name.encode()
    at = 0
    while True:
        at = data.find(b"PK\x03\x04", at)
        if at < 0:
            break
        n = struct.unpack_from("<H", data, at + 26)[0]
        if data[at + 30:at + 30 + n] == encoded:
            struct.pack_into("<I", data, at + 22, size)
        at += 4
    at = 0
    while True:
        at = data.find(b"PK\x01\x02", at)
        if at < 0:
            break
        n = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46:at + 46 + n] == encoded:
            struct.pack_into("<I", data, at + 24, size)
        at += 4
    open(path, "wb").write(bytes(data))


def add_zip64_end(path, entries):
    """Replaces the end record by a ZIP64 one declaring `entries` entries."""
    data = bytearray(open(path, "rb").read())
    end = data.rfind(b"PK\x05\x06")
    dir_size, dir_start = struct.unpack_from("<II", data, end + 12)
    body = data[:end]
    record_at = len(body)
    record = struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, entries, entries, dir_size, dir_start)
    locator = struct.pack("<4sIQI", b"PK\x06\x07", 0, record_at, 1)
    classic = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    open(path, "wb").write(bytes(body) + record + locator + classic)


if __name__ == "__main__":
    main()
