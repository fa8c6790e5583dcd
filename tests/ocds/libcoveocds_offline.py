#!/usr/bin/env python3
"""Check OCDS packages written by the API tests with libcoveocds, offline.

Usage: libcoveocds_offline.py PACKAGE.json...

libcoveocds fetches the standard (a ZIP of open-contracting/standard) and every extension the
package declares in `extensions` over HTTP. Here nothing leaves the machine: the standard comes
from tests/fixtures/ocds (zipped in the layout ProfileBuilder reads, via the `standard_zip`
option), and the declared extension URLs (and the GitHub archives ocdsextensionregistry downloads
for them) are answered from tests/fixtures/ocds/extensions by a
requests transport adapter (so are the standard's schema URLs the package schemas `$ref`). Any
other request fails loudly.
Exit status 1 when a package has a schema error, an extension libcoveocds could not apply, a
value outside a closed codelist (core or extension), or a field in no schema (an undeclared
extension).
"""

import io
import json
import os
import sys
import tempfile
import zipfile

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from urllib3.response import HTTPResponse

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures", "ocds")
TAG = "1__1__5"
# URL prefix → vendored directory: the declared extensions, and the standard's published schemas
# (the record package schema `$ref`s the versioned release schema by URL).
VENDORED = {
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/":
        os.path.join(FIXTURES, "extensions", "bids"),
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/":
        os.path.join(FIXTURES, "extensions", "lots"),
    f"https://standard.open-contracting.org/schema/{TAG}/": FIXTURES,
}
# The archive ocdsextensionregistry downloads for an extension hosted on GitHub → its directory.
ARCHIVES = {
    "https://github.com/open-contracting-extensions/ocds_bid_extension/archive/v1.1.5.zip":
        os.path.join(FIXTURES, "extensions", "bids"),
    "https://github.com/open-contracting-extensions/ocds_lots_extension/archive/v1.1.5.zip":
        os.path.join(FIXTURES, "extensions", "lots"),
}


def zip_dir(directory, root):
    """The files under `directory` as a ZIP whose first entry is the directory `root/`."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(f"{root}/", "")
        for dirpath, _, files in sorted(os.walk(directory)):
            for name in sorted(files):
                full = os.path.join(dirpath, name)
                z.write(full, f"{root}/{os.path.relpath(full, directory)}")
    return buf.getvalue()


class VendoredExtensions(BaseAdapter):
    """Answers the vendored URLs from the local copies; refuses anything else."""

    def send(self, request, **kwargs):
        content, status = None, 404
        if request.url in ARCHIVES:
            content, status = zip_dir(ARCHIVES[request.url], "extension-1.1.5"), 200
        else:
            for base, directory in VENDORED.items():
                if request.url.startswith(base):
                    path = os.path.join(directory, request.url[len(base):])
                    if os.path.isfile(path):
                        with open(path, "rb") as f:
                            content, status = f.read(), 200
                    break
            else:
                raise requests.ConnectionError(f"offline: refused {request.url}")
        raw = HTTPResponse(
            body=io.BytesIO(content or b""),
            status=status,
            headers={},
            preload_content=False,
            request_url=request.url,
        )
        return HTTPAdapter().build_response(request, raw)

    def close(self):
        pass


def offline():
    refuse = VendoredExtensions()
    # Every requests session of the process (libcove's own requests.get included) …
    requests.Session.get_adapter = lambda self, url: refuse
    # … and the cached session ocdsextensionregistry created at import.
    from ocdsextensionregistry import util

    util.session.get_adapter = lambda url: refuse


def standard_zip():
    """The vendored 1.1.5 schema and codelists as a ZIP in the standard repository's layout."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        root = f"standard-{TAG}/"
        z.writestr(root, "")
        for name in sorted(os.listdir(FIXTURES)):
            if name.endswith(".json"):
                z.write(os.path.join(FIXTURES, name), f"{root}schema/{name}")
        for name in sorted(os.listdir(os.path.join(FIXTURES, "codelists"))):
            z.write(os.path.join(FIXTURES, "codelists", name), f"{root}schema/codelists/{name}")
    f = tempfile.NamedTemporaryFile(suffix=".zip", delete=False)
    f.write(buf.getvalue())
    f.close()
    return f.name


def main(paths):
    offline()
    from libcoveocds.api import ocds_json_output
    from libcoveocds.config import LibCoveOCDSConfig

    zpath = standard_zip()
    failed = False
    try:
        for path in paths:
            config = LibCoveOCDSConfig({"context": "api", "standard_zip": f"file://{zpath}"})
            with tempfile.TemporaryDirectory() as out:
                result = ocds_json_output(out, path, "1.1", lib_cove_ocds_config=config)
            ext = result.get("extensions") or {}
            declared = [e.get("url") for e in ext.get("extensions") or []]
            problems = {
                "validation_errors": result.get("validation_errors"),
                "invalid_extension": ext.get("invalid_extension"),
                "closed_codelist_errors": result.get("additional_closed_codelist_values"),
                # A field in no schema would be an extension left undeclared.
                "additional_fields": result.get("additional_fields"),
            }
            bad = {k: v for k, v in problems.items() if v}
            if not ext.get("is_extended_schema"):
                bad["is_extended_schema"] = False
            print(
                f"{path}: extended schema {ext.get('is_extended_schema')}, extensions {declared}, "
                f"releases {result.get('count')}, open codelist additions "
                f"{sorted((result.get('additional_open_codelist_values') or {}).keys())}"
            )
            if bad:
                failed = True
                print(json.dumps(bad, indent=2, ensure_ascii=False, default=str))
    finally:
        os.unlink(zpath)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
