"""Serve plotly.js from the installed plotly package as `vendor/plotly.min.js`.

Only that one file: the package's data folder also holds datasets and a widget bundle that must
not become static files. Works for runserver, the test live server and collectstatic alike."""

from pathlib import Path

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PLOTLY_DIR = Path(plotly.__file__).resolve().parent / "package_data"
FILES = {"vendor/plotly.min.js": "plotly.min.js"}


class PlotlyFinder(BaseFinder):
    def __init__(self, *args, **kwargs):
        self.storage = FileSystemStorage(location=str(PLOTLY_DIR))
        self.storage.prefix = "vendor"

    def check(self, **kwargs):
        return []

    def find(self, path, find_all=False, **kwargs):
        name = FILES.get(path)
        if name is None:
            return [] if find_all else None
        full = str(PLOTLY_DIR / name)
        return [full] if find_all else full

    def list(self, ignore_patterns):
        for name in FILES.values():
            yield name, self.storage
