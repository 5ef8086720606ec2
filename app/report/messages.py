"""The report's own sentences (rule explanations, to-do items) in each report language.

The rules and the report model say *what* they mean with a typed `Message` (an id and its
values); the text is chosen here, per report language, when the report is rendered. The
interface's language plays no part (it is Qt's business, app/windows): a Japanese report is
Japanese whatever the reader's screen shows. `str(message)` is the English text, for logs.

Bracketed tags ([L1], [J2], [S1]) cite the rule sources of app/report/rules and stay as
written in both languages; "Lung-RADS", "LDCT", "CT", "TS-CT", "4X" are the scheme's and
the modality's own names.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

__all__ = ["MsgId", "Message", "msg", "text", "LANGUAGES", "KIND_WORDS", "STATUS_WORDS"]

LANGUAGES = ("ja", "en")


class MsgId(enum.Enum):
    # JSCTS judgement (rules/jscts.py)
    JSCTS_STRONGLY_SUSPICIOUS = enum.auto()
    JSCTS_MEAN_AT_LEAST_6 = enum.auto()
    JSCTS_NEW_AT_LEAST_4 = enum.auto()
    JSCTS_MEAN_BELOW_6 = enum.auto()
    JSCTS_NO_NODULE = enum.auto()
    JSCTS_MOST_URGENT = enum.auto()
    # Lung-RADS v2022 table rows (rules/lungrads.py TABLE, STEPPED)
    LR_SOLID_BASELINE_LT6 = enum.auto()
    LR_SOLID_BASELINE_6_8 = enum.auto()
    LR_SOLID_BASELINE_8_15 = enum.auto()
    LR_SOLID_BASELINE_GE15 = enum.auto()
    LR_SOLID_NEW_LT4 = enum.auto()
    LR_SOLID_NEW_4_6 = enum.auto()
    LR_SOLID_NEW_6_8 = enum.auto()
    LR_SOLID_NEW_GE8 = enum.auto()
    LR_SOLID_GROWING_LT8 = enum.auto()
    LR_SOLID_GROWING_GE8 = enum.auto()
    LR_PART_BASELINE_LT6 = enum.auto()
    LR_PART_BASELINE_SOLID_LT6 = enum.auto()
    LR_PART_BASELINE_SOLID_6_8 = enum.auto()
    LR_PART_BASELINE_SOLID_GE8 = enum.auto()
    LR_PART_NEW_LT6 = enum.auto()
    LR_PART_NEW_SOLID_LT4 = enum.auto()
    LR_PART_NEW_SOLID_GE4 = enum.auto()
    LR_PART_GROWING_SOLID_LT4 = enum.auto()
    LR_PART_GROWING_SOLID_GE4 = enum.auto()
    LR_GGN_LT30 = enum.auto()
    LR_GGN_GE30_STABLE = enum.auto()
    LR_GGN_GE30_BASELINE_NEW = enum.auto()
    LR_STEP_3 = enum.auto()
    LR_STEP_4A = enum.auto()
    LR_STEP_2 = enum.auto()
    LR_BENIGN_CALCIFICATION = enum.auto()
    LR_NOT_GROWTH = enum.auto()
    LR_JUXTAPLEURAL = enum.auto()
    LR_PROVEN_BENIGN = enum.auto()
    LR_STABLE_NEEDS_PRIOR = enum.auto()
    LR_STABLE_NO_STEP = enum.auto()
    LR_NO_ROW = enum.auto()
    LR_4X = enum.auto()
    LR_INCOMPLETE = enum.auto()
    LR_NO_NODULES = enum.auto()
    LR_MOST_SUSPICIOUS = enum.auto()
    NODULES_NEED_CATEGORY = enum.auto()
    NODULES_INCOMPLETE = enum.auto()
    # measurements the rules refuse (errors.RuleInputError)
    PART_SOLID_NEEDS_SOLID = enum.auto()
    SOLID_LARGER_THAN_NODULE = enum.auto()
    GROWING_NEEDS_PRIOR = enum.auto()
    LENGTH_INVALID = enum.auto()
    SHORT_LONGER_THAN_LONG = enum.auto()
    NODULE_INPUT_INVALID = enum.auto()
    # to do before signing (model.Report.problems)
    TODO_FIELD_EMPTY = enum.auto()
    TODO_NODULE_FIELD_EMPTY = enum.auto()
    TODO_PART_SOLID_SIZE = enum.auto()
    TODO_GROWING_PRIOR = enum.auto()
    TODO_CHOOSE_CATEGORY = enum.auto()
    # joins
    JOIN = enum.auto()


_TEXT: dict[MsgId, dict[str, str]] = {
    MsgId.JSCTS_STRONGLY_SUSPICIOUS: {"en": "strongly suspicious of cancer, any size -> refer for work-up [S1] (5th ed.)",
                                      "ja": "肺癌を強く疑う（大きさを問わない）→ 要精検 [S1]（第5版）"},
    MsgId.JSCTS_MEAN_AT_LEAST_6: {"en": "mean diameter >= 6 mm -> refer for work-up [J2][J4]",
                                  "ja": "平均径 6 mm 以上 → 要精検 [J2][J4]"},
    MsgId.JSCTS_NEW_AT_LEAST_4: {"en": "new nodule >= 4 mm, cancer not excludable -> refer if judged necessary [J2]",
                                 "ja": "新出結節 4 mm 以上、肺癌を否定できない → 必要に応じて精検 [J2]"},
    MsgId.JSCTS_MEAN_BELOW_6: {"en": "mean diameter < 6 mm -> CT again in 12 months [J2]",
                               "ja": "平均径 6 mm 未満 → 12か月後にCT再検 [J2]"},
    MsgId.JSCTS_NO_NODULE: {"en": "no nodule", "ja": "結節なし"},
    MsgId.JSCTS_MOST_URGENT: {"en": "most urgent finding: nodule {n} ({basis})",
                              "ja": "最も緊急度の高い所見: 結節{n}（{basis}）"},
    MsgId.LR_SOLID_BASELINE_LT6: {"en": "solid, baseline < 6 mm [L1]", "ja": "充実性、初回 6 mm 未満 [L1]"},
    MsgId.LR_SOLID_BASELINE_6_8: {"en": "solid, baseline >= 6 to < 8 mm [L1]",
                                  "ja": "充実性、初回 6 mm 以上 8 mm 未満 [L1]"},
    MsgId.LR_SOLID_BASELINE_8_15: {"en": "solid, baseline >= 8 to < 15 mm [L1]",
                                   "ja": "充実性、初回 8 mm 以上 15 mm 未満 [L1]"},
    MsgId.LR_SOLID_BASELINE_GE15: {"en": "solid, baseline >= 15 mm [L1]", "ja": "充実性、初回 15 mm 以上 [L1]"},
    MsgId.LR_SOLID_NEW_LT4: {"en": "solid, new < 4 mm [L1]", "ja": "充実性、新出 4 mm 未満 [L1]"},
    MsgId.LR_SOLID_NEW_4_6: {"en": "solid, new 4 to < 6 mm [L1]", "ja": "充実性、新出 4 mm 以上 6 mm 未満 [L1]"},
    MsgId.LR_SOLID_NEW_6_8: {"en": "solid, new 6 to < 8 mm [L1]", "ja": "充実性、新出 6 mm 以上 8 mm 未満 [L1]"},
    MsgId.LR_SOLID_NEW_GE8: {"en": "solid, new >= 8 mm [L1]", "ja": "充実性、新出 8 mm 以上 [L1]"},
    MsgId.LR_SOLID_GROWING_LT8: {"en": "solid, growing < 8 mm [L1]", "ja": "充実性、増大 8 mm 未満 [L1]"},
    MsgId.LR_SOLID_GROWING_GE8: {"en": "solid, growing >= 8 mm [L1]", "ja": "充実性、増大 8 mm 以上 [L1]"},
    MsgId.LR_PART_BASELINE_LT6: {"en": "part-solid, total < 6 mm at baseline [L1]",
                                 "ja": "部分充実性、初回 全体 6 mm 未満 [L1]"},
    MsgId.LR_PART_BASELINE_SOLID_LT6: {"en": "part-solid, total >= 6 mm with solid < 6 mm at baseline [L1]",
                                       "ja": "部分充実性、初回 全体 6 mm 以上・充実成分 6 mm 未満 [L1]"},
    MsgId.LR_PART_BASELINE_SOLID_6_8: {"en": "part-solid, solid >= 6 to < 8 mm at baseline [L1]",
                                       "ja": "部分充実性、初回 充実成分 6 mm 以上 8 mm 未満 [L1]"},
    MsgId.LR_PART_BASELINE_SOLID_GE8: {"en": "part-solid, solid >= 8 mm at baseline [L1]",
                                       "ja": "部分充実性、初回 充実成分 8 mm 以上 [L1]"},
    MsgId.LR_PART_NEW_LT6: {"en": "part-solid, new, total < 6 mm [L1]", "ja": "部分充実性、新出 全体 6 mm 未満 [L1]"},
    MsgId.LR_PART_NEW_SOLID_LT4: {"en": "part-solid, new solid component < 4 mm [L1]",
                                  "ja": "部分充実性、新出 充実成分 4 mm 未満 [L1]"},
    MsgId.LR_PART_NEW_SOLID_GE4: {"en": "part-solid, new solid component >= 4 mm [L1]",
                                  "ja": "部分充実性、新出 充実成分 4 mm 以上 [L1]"},
    MsgId.LR_PART_GROWING_SOLID_LT4: {"en": "part-solid, growing solid component < 4 mm [L1]",
                                      "ja": "部分充実性、充実成分の増大 4 mm 未満 [L1]"},
    MsgId.LR_PART_GROWING_SOLID_GE4: {"en": "part-solid, growing solid component >= 4 mm [L1]",
                                      "ja": "部分充実性、充実成分の増大 4 mm 以上 [L1]"},
    MsgId.LR_GGN_LT30: {"en": "non-solid, < 30 mm [L1]", "ja": "すりガラス（非充実性）、30 mm 未満 [L1]"},
    MsgId.LR_GGN_GE30_STABLE: {"en": "non-solid, >= 30 mm stable or slowly growing [L1]",
                               "ja": "すりガラス（非充実性）、30 mm 以上で不変または緩徐な増大 [L1]"},
    MsgId.LR_GGN_GE30_BASELINE_NEW: {"en": "non-solid, >= 30 mm baseline or new [L1]",
                                     "ja": "すりガラス（非充実性）、初回または新出で 30 mm 以上 [L1]"},
    MsgId.LR_STEP_3: {"en": "category 3 stable or smaller at the 6-month CT -> 2 [L1][L3]",
                      "ja": "カテゴリー3が6か月後のCTで不変または縮小 → 2 [L1][L3]"},
    MsgId.LR_STEP_4A: {"en": "category 4A stable or smaller at the 3-month CT -> 3 [L1][L3]",
                       "ja": "カテゴリー4Aが3か月後のCTで不変または縮小 → 3 [L1][L3]"},
    MsgId.LR_STEP_2: {"en": "category 2 nodule unchanged stays 2 (12-month LDCT) [L1]",
                      "ja": "カテゴリー2の結節が不変のため2のまま（12か月後に低線量CT） [L1]"},
    MsgId.LR_BENIGN_CALCIFICATION: {"en": "complete, central, popcorn or concentric calcification, or fat [L1]",
                                    "ja": "完全・中心性・ポップコーン状・同心円状の石灰化、または脂肪を含む [L1]"},
    MsgId.LR_NOT_GROWTH: {"en": "increase {mm} mm is not growth (> 1.5 mm) [L2]; {basis}",
                          "ja": "{mm} mm の増加は増大に当たらない（増大は 1.5 mm 超） [L2]; {basis}"},
    MsgId.LR_JUXTAPLEURAL: {"en": "juxtapleural solid nodule with benign features < 10 mm, baseline or new [L1]",
                            "ja": "良性所見を伴う胸膜接在の充実性結節 10 mm 未満（初回または新出） [L1]"},
    MsgId.LR_PROVEN_BENIGN: {"en": "category 4B proven benign -> 2 [L1]",
                             "ja": "カテゴリー4Bで良性と確定 → 2 [L1]"},
    MsgId.LR_STABLE_NEEDS_PRIOR: {"en": "stable nodule: the category given at the prior CT is needed "
                                        "(stepped management)",
                                  "ja": "不変の結節: 前回CTでのカテゴリーが必要（段階的管理）"},
    MsgId.LR_STABLE_NO_STEP: {"en": "stable nodule with prior category {prior}: no published step; reader decides",
                              "ja": "前回カテゴリー{prior}の不変結節: 公表された段階的管理なし。読影医が判定"},
    MsgId.LR_NO_ROW: {"en": "no Lung-RADS v2022 row for a {status} {kind} nodule of {mm} mm; reader decides",
                      "ja": "{mm} mm の{status}の{kind}結節に該当する Lung-RADS v2022 の区分なし。読影医が判定"},
    MsgId.LR_4X: {"en": "{basis}; category {category} with additional suspicious features -> 4X [L1]",
                  "ja": "{basis}; カテゴリー{category}に悪性を疑う追加所見あり → 4X [L1]"},
    MsgId.LR_INCOMPLETE: {"en": "prior CT being located, lungs not evaluable, or suspected infection/inflammation [L1]",
                          "ja": "前回CTの取り寄せ中、肺野評価不能、または感染・炎症の疑い [L1]"},
    MsgId.LR_NO_NODULES: {"en": "no lung nodules [L1]", "ja": "肺結節なし [L1]"},
    MsgId.LR_MOST_SUSPICIOUS: {"en": "most suspicious finding: nodule {n} ({basis}) [L4]",
                               "ja": "最も疑わしい所見: 結節{n}（{basis}） [L4]"},
    MsgId.NODULES_NEED_CATEGORY: {"en": "nodule(s) {numbers} need the reader's category",
                                  "ja": "結節 {numbers} は読影医によるカテゴリーの判定が必要"},
    MsgId.NODULES_INCOMPLETE: {"en": "nodule(s) {numbers} incomplete", "ja": "結節 {numbers} の入力が不足"},
    MsgId.PART_SOLID_NEEDS_SOLID: {"en": "part-solid nodule needs the size of its solid component",
                                   "ja": "部分充実性結節には充実成分の大きさが必要"},
    MsgId.SOLID_LARGER_THAN_NODULE: {"en": "solid component larger than the whole part-solid nodule",
                                     "ja": "充実成分が部分充実性結節の全体より大きい"},
    MsgId.GROWING_NEEDS_PRIOR: {"en": "growing nodule needs the prior size", "ja": "増大結節には前回の大きさが必要"},
    MsgId.LENGTH_INVALID: {"en": "length must be a finite number >= 0 mm", "ja": "長さは 0 mm 以上の数値で入力"},
    MsgId.SHORT_LONGER_THAN_LONG: {"en": "short axis {short} mm is longer than long axis {long} mm",
                                   "ja": "短径 {short} mm が長径 {long} mm より長い"},
    MsgId.NODULE_INPUT_INVALID: {"en": "the nodule cannot be classified as entered",
                                 "ja": "入力どおりでは結節を分類できない"},
    MsgId.TODO_FIELD_EMPTY: {"en": "required field {field} is empty", "ja": "必須項目「{field}」が未入力"},
    MsgId.TODO_NODULE_FIELD_EMPTY: {"en": "nodule {n}: required field {field} is empty",
                                    "ja": "結節{n}: 必須項目「{field}」が未入力"},
    MsgId.TODO_PART_SOLID_SIZE: {"en": "nodule {n}: part-solid needs the solid component size",
                                 "ja": "結節{n}: 部分充実性には充実成分の大きさが必要"},
    MsgId.TODO_GROWING_PRIOR: {"en": "nodule {n}: growing needs the prior size",
                               "ja": "結節{n}: 増大には前回の大きさが必要"},
    MsgId.TODO_CHOOSE_CATEGORY: {"en": "{scheme}: no suggestion ({basis}); choose a category with a reason",
                                 "ja": "{scheme}: 自動判定なし（{basis}）。理由を添えて判定を選択"},
    MsgId.JOIN: {"en": "{a}; {b}", "ja": "{a}; {b}"},
}


# the rules' nodule kinds and statuses (rules/nodule.py values), as a sentence names them
KIND_WORDS: dict[str, dict[str, str]] = {
    "solid": {"en": "solid", "ja": "充実性"},
    "part_solid": {"en": "part-solid", "ja": "部分充実性"},
    "ground_glass": {"en": "non-solid", "ja": "すりガラス"},
}
STATUS_WORDS: dict[str, dict[str, str]] = {
    "baseline": {"en": "baseline", "ja": "初回"},
    "new": {"en": "new", "ja": "新出"},
    "stable": {"en": "stable", "ja": "不変"},
    "growing": {"en": "growing", "ja": "増大"},
}


@dataclass(frozen=True)
class Message:
    """One sentence of the report, in no language yet: `text(lang)` words it."""

    id: MsgId
    values: tuple[tuple[str, Any], ...] = ()

    def text(self, lang: str) -> str:
        return text(self, lang)

    def __str__(self) -> str:
        return text(self, "en")


def msg(id: MsgId, **values: Any) -> Message:
    return Message(id, tuple(sorted(values.items())))


def text(message: Message | str, lang: str) -> str:
    """`message` worded in `lang` ("ja" or "en"); values that are messages too are worded in the
    same language, and a mapping value ({"ja": ..., "en": ...}) gives its `lang` entry."""
    if isinstance(message, str):
        return message
    if lang not in LANGUAGES:
        raise ValueError(f"no report language {lang!r}")
    values = {}
    for key, value in message.values:
        if isinstance(value, Message):
            value = text(value, lang)
        elif isinstance(value, dict):
            value = value.get(lang, value.get("en", ""))
        values[key] = value
    return _TEXT[message.id][lang].format(**values)
