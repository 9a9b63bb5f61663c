"""Run-time settings from DAP_* variables (ingest.settings), without Spark."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ingest.errors import ConfigError
from ingest.settings import load_settings


@pytest.fixture(autouse=True)
def hermetic(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("DAP_"):
            monkeypatch.delenv(name)


def test_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert (settings.profile, settings.spark_master, settings.shuffle_partitions, settings.driver_memory) == (
        "local",
        "local[2]",
        4,
        "3g",
    )
    assert settings.state_dir == tmp_path / ".state"
    assert settings.landing == str(tmp_path / ".state" / "landing")


@pytest.mark.parametrize(
    ("name", "value", "field", "expected"),
    [
        ("DAP_SHUFFLE_PARTITIONS", " 8 ", "shuffle_partitions", 8),
        ("DAP_DRIVER_MEMORY", "512M", "driver_memory", "512M"),
        ("DAP_SPARK_MASTER", "local[*]", "spark_master", "local[*]"),
        ("DAP_SPARK_MASTER", "local[4,2]", "spark_master", "local[4,2]"),
        ("DAP_SPARK_MASTER", "spark://host:7077", "spark_master", "spark://host:7077"),
        ("DAP_SPARK_MASTER", "yarn", "spark_master", "yarn"),
        ("DAP_PROFILE", "platform", "profile", "platform"),
        ("DAP_JVM_OPTIONS", " -XX:TieredStopAtLevel=1 ", "jvm_options", "-XX:TieredStopAtLevel=1"),
    ],
)
def test_valid_values_are_used(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, field: str, expected: object
) -> None:
    monkeypatch.setenv(name, value)
    assert getattr(load_settings(), field) == expected


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DAP_SHUFFLE_PARTITIONS", "four"),
        ("DAP_SHUFFLE_PARTITIONS", "-1"),
        ("DAP_SHUFFLE_PARTITIONS", "2.5"),
        ("DAP_DRIVER_MEMORY", "4gb"),
        ("DAP_DRIVER_MEMORY", "4096"),
        ("DAP_DRIVER_MEMORY", "garbage"),
        ("DAP_SPARK_MASTER", "local[two]"),
        ("DAP_PROFILE", "Local"),
        ("DAP_JVM_OPTIONS", "-XX:+UseSerialGC -Xmx8g"),  # Spark refuses it: the heap is DAP_DRIVER_MEMORY
        ("DAP_JVM_OPTIONS", "-Dspark.sql.shuffle.partitions=8"),  # Spark refuses its settings there
    ],
)
def test_invalid_values_are_config_errors_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert info.value.exit_code == 2
    assert info.value.what.startswith(f"environment variable {name}={value!r} is not valid; allowed: ")
    assert info.value.where == f"environment variable {name}"


def test_an_override_is_used_and_its_variable_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAP_DRIVER_MEMORY", "garbage")  # e.g. the Thrift Server passes its own
    assert load_settings(driver_memory="2g").driver_memory == "2g"
