"""Declarative GitOps reconciler for the users and user groups of a GoodData organization."""

from __future__ import annotations

__version__ = "0.1.0"
