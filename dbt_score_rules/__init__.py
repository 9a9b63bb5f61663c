"""This project's dbt conventions as dbt-score rules (``make lint``; configured in pyproject.toml).

dbt-score finds this package by name (``dbt_score_rules``, with the working directory on the path).
"""
