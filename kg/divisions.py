"""China's administrative divisions, the reference table (kg/data/regions.tsv, which
scripts/build_gazetteer.py writes): each division's code, official name, level, parent and aliases.

Only the table and its lookups live here; finding division names in text is the recogniser's job
(`kg.gazetteer.Gazetteer`), and the facts the table gives about resolved regions (a county's city
and province) are enrichment's (`kg.enrich`).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from kg.schema import REGION_LEVELS

DATA = Path(__file__).resolve().parent / "data" / "regions.tsv"

LEVELS = (*REGION_LEVELS, "Park")            # the table also lists development zones
LEVEL_RANK = {lvl: i for i, lvl in enumerate(LEVELS)}


@dataclass(frozen=True)
class Division:
    """One administrative division (or development zone) of the table."""

    adcode: str
    name: str                 # official full name
    level: str                # Province, City, County or Park
    parent: str               # parent's adcode; "" for a province
    aliases: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The schema label a mention of this division gets."""
        return "IndustrialPark" if self.level == "Park" else "Region"


class Divisions:
    """The table, by adcode."""

    def __init__(self, divisions: Iterable[Division]):
        self.by_code: dict[str, Division] = {d.adcode: d for d in divisions}

    @classmethod
    def load(cls, path: str | Path = DATA) -> "Divisions":
        """Read the TSV that scripts/build_gazetteer.py writes."""
        divisions = []
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                code, name, level, parent, aliases = line.rstrip("\n").split("\t")
                divisions.append(Division(code, name, level, parent, tuple(a for a in aliases.split("|") if a)))
        return cls(divisions)

    @staticmethod
    @lru_cache(maxsize=1)
    def default() -> "Divisions":
        """The packaged table, loaded once per process."""
        return Divisions.load(DATA)

    def __iter__(self):
        return iter(self.by_code.values())

    def get(self, adcode: str) -> Division | None:
        return self.by_code.get(adcode)

    def parent_chain(self, adcode: str) -> list[Division]:
        """The division's ancestors, nearest first (county → [city, province])."""
        chain: list[Division] = []
        d = self.by_code.get(adcode)
        while d is not None and d.parent and d.parent != d.adcode:
            d = self.by_code.get(d.parent)
            if d is None:
                break
            chain.append(d)
        return chain

    def parks(self) -> list[Division]:
        """The development zones (adcode's 5th digit 7); `parent` is their city."""
        return [d for d in sorted(self.by_code.values(), key=lambda d: d.adcode) if d.level == "Park"]
