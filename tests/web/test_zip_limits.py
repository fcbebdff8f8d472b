"""Zip uploads cannot grow the server: only the members an import reads are inflated, in chunks; the
members together may not pass the archive's ratio limit (many small members each under the per-member floor
were a bomb: a 515 kB zip of 470 members made the server allocate 940 MB); and their total is capped by the
IMPORT_MAX_UNZIPPED_BYTES setting."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from layers.errors import AppError
from layers.uploads import read_zip

MiB = 1024 * 1024
SNOW = Path(__file__).resolve().parents[1] / "data" / "snow_soho_1854"


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def many_small_bombs(count: int, shapefiles: bool) -> bytes:
    """``count`` members of just under 1 MiB of zeros each (under the per-member ratio floor)."""
    exts = (".shp", ".shx", ".dbf")
    names = [f"s{i // 3}{exts[i % 3]}" if shapefiles else f"m{i}.bin" for i in range(count)]
    return zip_of({name: b"\0" * (MiB - 1) for name in names})


def upload(client, data: bytes):
    form = {"file": (io.BytesIO(data), "upload.zip"), "layer": "bins"}
    return client.post("/api/imports", data=form, content_type="multipart/form-data")


def traced(call):
    """(result, peak bytes allocated by Python during ``call``)."""
    tracemalloc.start()
    try:
        result = call()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(("shapefiles", "status", "code"), [(False, 422, "unsupported_format"),
                                                            (True, 413, "too_large")])  # fmt: skip
def test_470_members_under_the_ratio_floor_do_not_grow_the_server(client, shapefiles, status, code):
    data = many_small_bombs(470, shapefiles)
    assert len(data) < 600_000
    response, peak = traced(lambda: upload(client, data))
    assert response.status_code == status and response.get_json()["error"]["code"] == code
    assert peak < 16 * MiB, f"{peak / MiB:.0f} MiB allocated for a {len(data) // 1024} kB upload"


def test_members_under_the_total_are_stopped_by_the_archives_ratio(client):
    data = many_small_bombs(150, shapefiles=True)  # 150 MiB declared: under the total, 1000:1 as a whole
    response, peak = traced(lambda: upload(client, data))
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "ratio_too_high"
    assert peak < 40 * MiB  # stopped at 100 times the archive's size


def test_the_total_is_a_setting(app, client):
    snow = zip_of({f"SohoWater{ext}": (SNOW / f"SohoWater{ext}").read_bytes() for ext in (".shp", ".shx", ".dbf")})
    app.config["IMPORT_MAX_UNZIPPED_BYTES"] = 300  # the three parts hold about 900 bytes
    refused = upload(client, snow)
    assert refused.status_code == 413 and refused.get_json()["error"]["details"][0]["field"] == "file"


def test_the_default_total_takes_a_real_shapefile(client):
    snow = zip_of({f"SohoWater{ext}": (SNOW / f"SohoWater{ext}").read_bytes() for ext in (".shp", ".shx", ".dbf")})
    assert upload(client, snow).status_code == 201


def test_members_not_wanted_are_never_inflated():
    good = zip_of({"a.shp": b"shape", "junk.bin": b"\0" * (MiB - 1)})
    members, peak = traced(lambda: read_zip(good, wanted=lambda name: name.endswith(".shp")))
    assert members == {"a.shp": b"shape"} and peak < MiB // 2
    with pytest.raises(AppError):
        read_zip(many_small_bombs(200, shapefiles=False))  # wanting everything, the archive's ratio stops it
