"""Deterministic sample landing data and its ground truth (contract: docs/sample_data.md)."""

from ingest.sample.generator import GenerateReport, generate

__all__ = ["GenerateReport", "generate"]
