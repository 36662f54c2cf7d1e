"""Effective access: who can do what where in a GoodData organization, and why; who gains and loses it.

Pure (standard library only; no HTTP, no click, no files): `model` builds an AccessModel from GoodData's
documents, `effective` resolves nested groups, hierarchy permissions and implied permissions per principal,
`changes` compares two models, `query` answers `reconciler access`, `report` renders. See docs/access.md.
"""
