"""Sanctions and PEP screening: fuzzy matching of a name against loaded watch lists."""
