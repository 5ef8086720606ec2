"""Coded concepts of the SR, each traced to the reference's TID 1500 section (section 4).

Codes the reference marks 'verify' or 'unverified' are listed in VERIFY so a conformance
statement can name them; JSCTS has no standard codes, so it uses the private scheme 99YOMI.
"""
from __future__ import annotations

from highdicom.sr import CodedConcept
from pydicom.sr.codedict import codes

__all__ = ["LOBE_SITES", "NODULE_TYPE", "NODULE_TYPE_NAME", "LUNG_RADS_NAME", "LUNG_RADS_VALUES",
           "JSCTS_NAME", "jscts_value", "QUALITATIVE_EVALUATIONS", "OVERRIDE_REASON", "LUNG_RADS_S", "VERIFY",
           "CRITICAL_RESULT", "NODULE_CHANGE_NAME", "NODULE_CHANGE", "NODULE_CHANGE_SUGGESTED",
           "NODULE_CHANGE_REASON", "CRITICAL_NOTE", "CRITICAL_KINDS", "MEAN_CTDIVOL", "DLP"]

# CID 6170 Lobe of Lung + laterality [D2][D3]. The lingula is part of the left upper lobe and
# the reference gives no code of its own for it, so it is coded as the left upper lobe.
LOBE_SITES: dict[str, tuple[CodedConcept, CodedConcept | None]] = {
    "RUL": (codes.SCT.UpperLobeOfLung, codes.SCT.Right),
    "RML": (codes.SCT.MiddleLobeOfRightLung, codes.SCT.Right),
    "RLL": (codes.SCT.LowerLobeOfLung, codes.SCT.Right),
    "LUL": (codes.SCT.UpperLobeOfLung, codes.SCT.Left),
    "lingula": (codes.SCT.UpperLobeOfLung, codes.SCT.Left),
    "LLL": (codes.SCT.LowerLobeOfLung, codes.SCT.Left),
}

# Composition: RadLex Solidness RID46010 [R1] (reference: verify).
NODULE_TYPE_NAME = CodedConcept("RID46010", "RADLEX", "Solidness")
NODULE_TYPE: dict[str, CodedConcept] = {
    "solid": CodedConcept("RID5741", "RADLEX", "Solid"),
    "part_solid": CodedConcept("RID46011", "RADLEX", "Partially solid"),
    "ground_glass": CodedConcept("RID46016", "RADLEX", "Non-solid"),
}

# Change since the prior CT, as the reader recorded it and as the comparison suggested it, and
# why they differ (codes of at most 16 characters: a Code Value is SH). The reference gives no standard concept for "interval change of a nodule",
# so these are private (99YOMI), like the JSCTS judgement.
NODULE_CHANGE_NAME = CodedConcept("NODULE-CHANGE", "99YOMI", "Change since the prior CT")
NODULE_CHANGE_SUGGESTED = CodedConcept("NODULE-CHG-SUGG", "99YOMI", "Change suggested by the prior comparison")
NODULE_CHANGE_REASON = CodedConcept("NODULE-CHG-WHY", "99YOMI", "Reason for changing the suggested change")
NODULE_CHANGE: dict[str, CodedConcept] = {
    "baseline": CodedConcept("NODULE-BASELINE", "99YOMI", "Baseline: no prior CT"),
    "new": CodedConcept("NODULE-NEW", "99YOMI", "New since the prior CT"),
    "stable": CodedConcept("NODULE-STABLE", "99YOMI", "Stable since the prior CT"),
    "growing": CodedConcept("NODULE-GROWING", "99YOMI", "Growing since the prior CT"),
    "shrinking": CodedConcept("NODULE-SHRINKING", "99YOMI", "Smaller than on the prior CT"),
}

# Lung-RADS: RadLex RID50134 with values RID50135-RID50141 for 0,1,2,3,4A,4B,4X [R1] (verify).
LUNG_RADS_NAME = CodedConcept("RID50134", "RADLEX", "Lung-RADS assessment")
LUNG_RADS_VALUES: dict[str, CodedConcept] = {
    cat: CodedConcept(f"RID{50135 + i}", "RADLEX", f"Lung-RADS {cat}")
    for i, cat in enumerate(("0", "1", "2", "3", "4A", "4B", "4X"))
}
LUNG_RADS_S = CodedConcept("LUNG-RADS-S", "99YOMI", "Lung-RADS S modifier: significant finding other than lung cancer")

JSCTS_NAME = CodedConcept("JSCTS6-JUDGEMENT", "99YOMI", "JSCTS 6th ed. screening judgement")


def jscts_value(code: str, meaning: str) -> CodedConcept:
    return CodedConcept(f"JSCTS6-{code.upper().replace('_', '-')}", "99YOMI", meaning[:64])


# Report-level "Qualitative Evaluations" container, TID 1500 row 12 (UMLS code: unverified).
QUALITATIVE_EVALUATIONS = CodedConcept("C0034375", "UMLS", "Qualitative Evaluations")
OVERRIDE_REASON = CodedConcept("CATEGORY-OVERRIDE-REASON", "99YOMI", "Reason for overriding the suggested category")

# Critical results. No DCM code names "critical result"/"urgent finding", so the concept is
# private (99YOMI); the kinds with a SNOMED CT disorder use it (pydicom's PS3.16 copy:
# Pneumothorax 36118008 in CIDs 6062/6102, Aortic dissection 308546005 in CID 3700); a
# suspected cancer needing prompt contact and "other" have no single SNOMED finding: private.
CRITICAL_RESULT = CodedConcept("CRIT-RESULT", "99YOMI", "Critical result requiring prompt communication")
CRITICAL_NOTE = CodedConcept("CRIT-NOTE", "99YOMI", "Critical result description")
CRITICAL_KINDS: dict[str, CodedConcept] = {
    "suspected_cancer": CodedConcept("CRIT-SUSP-CANCER", "99YOMI", "Suspected cancer needing prompt contact"),
    "pneumothorax": codes.SCT.Pneumothorax,
    "aortic_dissection": CodedConcept("308546005", "SCT", "Aortic dissection"),
    "other": CodedConcept("CRIT-OTHER", "99YOMI", "Other urgent finding"),
}

# Dose of the examination, from the report's fields: DCM codes of TID 10013 (CT Irradiation Event).
MEAN_CTDIVOL = CodedConcept("113830", "DCM", "Mean CTDIvol")
DLP = CodedConcept("113838", "DCM", "DLP")

VERIFY = ("RID46010", "RID5741", "RID46011", "RID46016", "RID50134", "RID50135-RID50141", "C0034375 (UMLS)")
