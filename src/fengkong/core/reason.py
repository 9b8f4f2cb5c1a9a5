"""A reason: a stable code for machines, and text for people in English and Chinese."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    text_en: str
    text_zh: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "text_en": self.text_en, "text_zh": self.text_zh}
