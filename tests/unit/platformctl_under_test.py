"""platform/platformctl.py imported as a module for the message tests, with everything that would
start a service or install something refused (an AssertionError if a test reaches it)."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType
from typing import NoReturn

import pytest

from tests.conftest import ROOT


def refuse(*_args: object, **_kwargs: object) -> NoReturn:
    raise AssertionError("nothing may be started or installed for this error")


def load_platformctl(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setattr(sys, "path", list(sys.path))  # platformctl adds platform/ to it
    spec = importlib.util.spec_from_file_location(
        "platformctl_under_test", ROOT / "platform" / "platformctl.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "install_all", refuse)
    monkeypatch.setattr(module.Layout, "create", refuse)
    monkeypatch.setattr(module.Platform, "_start_all", refuse)
    return module
