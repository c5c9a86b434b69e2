"""The parts of API answers about a past date (``api.as_of``): a hit's standing on that date and
the list versions screened for it."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

AS_OF = (
    "Screen the lists as they stood on this date (YYYY-MM-DD; default: the current lists): each "
    "list in the newest version published on or before it. Each hit then says whether its entry "
    "was listed on that date and whether it has been removed since; `lists_as_of` names the "
    "versions used."
)


class HitOnDate(BaseModel):
    listed_on_date: bool = Field(
        description="Listed on the date: in the version then in force (and not ended), or dated "
        "on or before it by a later version."
    )
    effective_date: date | None
    removed_since: str = Field(description='"" while the current version still lists the party.')
    note: str = ""


class ListsAsOf(BaseModel):
    on: date = Field(description="The date screened for.")
    current: bool = Field(description="Whether the versions screened are the current ones.")
    versions: list[str] = Field(description="One line per list: the version screened.")
    not_yet_loaded: list[str] = Field(description="Lists with no version on or before the date.")


__all__ = ["AS_OF", "HitOnDate", "ListsAsOf"]
