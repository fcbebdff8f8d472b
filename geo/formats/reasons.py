"""The text of a reader's error (GDAL's, openpyxl's) as a user may see it: every file path it names cut to
the file's own name, so that refusals never reveal the server's temporary folders."""

from __future__ import annotations

import re

__all__ = ["reason"]

# A path: POSIX absolute (/tmp/cw-import-x/upload.kml), Windows (C:\Users\..\a.kml, C:/a/b) or GDAL's /vsi…/.
_PATH = re.compile(r"(?:[A-Za-z]:[\\/]|/)(?:[^\s'\"(),:;<>|]+[\\/])+([^\s'\"(),:;<>|\\/]*)")


def reason(error: object, limit: int = 300) -> str:
    """``str(error)`` with paths cut to their last part, at most ``limit`` characters.

    >>> reason("ERROR parsing kml /tmp/cw-import-3g7b5ccc/upload.kml :no element found")
    'ERROR parsing kml upload.kml :no element found'
    >>> reason(r"C:\\Temp\\cw-import-1\\a.shp: not recognized")
    'a.shp: not recognized'
    """
    text = _PATH.sub(lambda m: m[1], str(error))
    return text if len(text) <= limit else text[: limit - 1] + "…"
