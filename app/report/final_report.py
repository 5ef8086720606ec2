"""The final report of a double reading: what signing adds to the judge's SR and PDF.

The SR (double_sr.py): the judge as Adjudicator, both readers as further observers with their
qualification, both readings in Predecessor Documents Sequence. The PDF: a section with all
three judgements (first reader, second reader, final) and every reconciled change with its
reason, in the report's language.
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from common.person_name import localized_name

from .categories import SCHEME_NAMES, category_label
from .double_sr import ADJUDICATOR_ROLE, READING_ROLES, ReadingRef, observer_items, predecessor_stubs
from .model import Report

__all__ = ["FinalContext", "sr_options", "with_judgements", "judgement_rows", "LABELS"]

LABELS: dict[str, dict[str, str]] = {
    "double": {"ja": "二重読影・比較読影", "en": "Double reading and comparison reading"},
    "first": {"ja": "第一読影", "en": "First reading"},
    "second": {"ja": "第二読影", "en": "Second reading"},
    "final": {"ja": "最終判定（比較読影）", "en": "Final judgement (comparison reading)"},
    "agreed": {"ja": "両読影一致", "en": "Both readings agree"},
    "reconciled": {"ja": "判定調整あり", "en": "Reconciled"},
    "changes": {"ja": "変更と理由", "en": "Changes and reasons"},
    "physician": {"ja": "医師", "en": "Physician"},
    "certified_physician": {"ja": "肺がんCT検診認定医師", "en": "Certified physician (lung cancer CT screening)"},
}


@dataclass(frozen=True)
class FinalContext:
    """The two signed readings and the judge's decisions, handed to signing.sign(final=...)."""

    first: ReadingRef
    second: ReadingRef
    first_categories: dict[str, str | None]
    second_categories: dict[str, str | None]
    agreed: bool
    changes: tuple[tuple[str, str], ...] = ()      # (difference key, reason)


def sr_options(ctx: FinalContext) -> dict[str, Any]:
    """Keyword arguments of sr.build_sr for the judge's final SR."""
    return {"role_in_procedure": ADJUDICATOR_ROLE,
            "other_observers": [observer_items(r.signer, READING_ROLES[r.role]) for r in (ctx.first, ctx.second)],
            "predecessors": predecessor_stubs((ctx.first, ctx.second))}


def _L(key: str, lang: str) -> str:
    return LABELS[key][lang]


def _who(ref: ReadingRef, lang: str) -> str:
    s = ref.signer
    return f"{localized_name(s.name, lang)} ({s.id}), {_L(s.qualification, lang) if s.qualification in LABELS else ''}"


def judgement_rows(ctx: FinalContext, final: Report, lang: str) -> list[tuple[str, str]]:
    """(label, text) rows: each reading's reader and categories, then the final's."""
    rows = []
    final_categories = {s: r.final for s, r in final.categories().items()}
    sig = final.signature
    judge = (f"{localized_name(sig.signer.name, lang)} ({sig.signer.id}), "
             f"{_L(sig.signer.qualification, lang) if sig.signer.qualification in LABELS else ''}") if sig else ""
    for label, who, cats in (("first", _who(ctx.first, lang), ctx.first_categories),
                             ("second", _who(ctx.second, lang), ctx.second_categories),
                             ("final", judge, final_categories)):
        text = "; ".join(f"{SCHEME_NAMES[s][lang]}: {category_label(s, c, lang)}" for s, c in cats.items())
        rows.append((_L(label, lang), f"{who} — {text}"))
    rows.append((_L("agreed" if ctx.agreed else "reconciled", lang), ""))
    return rows


def with_judgements(html: str, ctx: FinalContext, final: Report, lang: str) -> str:
    """The report's HTML with the three judgements and the reasons before its signature lines."""
    e = lambda s: escape(str(s), quote=True)  # noqa: E731
    cells = "".join(f"<tr><th align='left' width='28%'>{e(k)}</th><td>{e(v)}</td></tr>"
                    for k, v in judgement_rows(ctx, final, lang))
    parts = [f"<h3>{e(_L('double', lang))}</h3>",
             f"<table width='100%' cellspacing='0' cellpadding='3' border='1'>{cells}</table>"]
    if ctx.changes:
        items = "".join(f"<li>{e(key)}: {e(reason)}</li>" for key, reason in ctx.changes)
        parts.append(f"<p>{e(_L('changes', lang))}</p><ul>{items}</ul>")
    section = "\n".join(parts)
    at = html.rfind("<hr/>")
    return html[:at] + section + "\n" + html[at:] if at >= 0 else html.replace("</body>", section + "</body>")
