"""A CT Radiation Dose SR (X-Ray Radiation Dose SR IOD, TID 10011) for tests, built with pydicom.

shared/data holds no dose SR (its SRs are TID 1500 measurement reports and a basic text
report), so the tests build one the way a scanner writes it: a CT Accumulated Dose Data
container with the DLP total, and one CT Acquisition per irradiation event with its Mean
CTDIvol and DLP. The tests check it with dciodvfy before trusting it.
"""
from __future__ import annotations

from collections.abc import Sequence

import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

DOSE_SR_CLASS = "1.2.840.10008.5.1.4.1.1.88.67"


def _code(value: str, scheme: str, meaning: str) -> Dataset:
    c = Dataset()
    c.CodeValue, c.CodingSchemeDesignator, c.CodeMeaning = value, scheme, meaning
    return c


def _item(value_type: str, relationship: str | None, concept: tuple[str, str, str]) -> Dataset:
    item = Dataset()
    if relationship:
        item.RelationshipType = relationship
    item.ValueType = value_type
    item.ConceptNameCodeSequence = [_code(*concept)]
    if value_type == "CONTAINER":
        item.ContinuityOfContent = "SEPARATE"
    return item


def _num(concept: tuple[str, str, str], value: float, unit: tuple[str, str, str]) -> Dataset:
    item = _item("NUM", "CONTAINS", concept)
    mv = Dataset()
    mv.NumericValue = f"{value:g}"
    mv.MeasurementUnitsCodeSequence = [_code(*unit)]
    item.MeasuredValueSequence = [mv]
    return item


def _code_item(concept: tuple[str, str, str], value: tuple[str, str, str], rel: str = "HAS CONCEPT MOD") -> Dataset:
    item = _item("CODE", rel, concept)
    item.ConceptCodeSequence = [_code(*value)]
    return item


def _text(concept: tuple[str, str, str], value: str, rel: str = "CONTAINS") -> Dataset:
    item = _item("TEXT", rel, concept)
    item.TextValue = value
    return item


MGY = ("mGy", "UCUM", "mGy")
MGYCM = ("mGy.cm", "UCUM", "mGy.cm")


def build_dose_sr(image: Dataset, acquisitions: Sequence[tuple[float, float]], *,
                  dlp_total: float | None = None) -> Dataset:
    """A dose SR for `image`'s study: one CT Acquisition per (CTDIvol mGy, DLP mGy.cm)."""
    ds = Dataset()
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = DOSE_SR_CLASS
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta = meta
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID, ds.SOPInstanceUID = DOSE_SR_CLASS, meta.MediaStorageSOPInstanceUID
    for kw in ("PatientName", "PatientID", "PatientBirthDate", "PatientSex", "StudyInstanceUID", "StudyDate",
               "StudyTime", "AccessionNumber", "StudyID", "ReferringPhysicianName"):
        setattr(ds, kw, image.get(kw, ""))
    ds.Modality = "SR"
    ds.SeriesInstanceUID, ds.SeriesNumber = generate_uid(), 999
    ds.ReferencedPerformedProcedureStepSequence = []
    ds.Manufacturer = "Philips"
    ds.ManufacturerModelName = "Brilliance 16"
    ds.DeviceSerialNumber = "TEST-0001"
    ds.SoftwareVersions = "1.0"
    ds.InstanceNumber = 1
    ds.ContentDate, ds.ContentTime = image.get("StudyDate", "20240105"), "120000"
    ds.CompletionFlag, ds.VerificationFlag = "COMPLETE", "UNVERIFIED"
    ds.PerformedProcedureCodeSequence = []
    ev = Dataset()
    ev.StudyInstanceUID = image.StudyInstanceUID
    series = Dataset()
    series.SeriesInstanceUID = image.SeriesInstanceUID
    ref = Dataset()
    ref.ReferencedSOPClassUID, ref.ReferencedSOPInstanceUID = image.SOPClassUID, image.SOPInstanceUID
    series.ReferencedSOPSequence = [ref]
    ev.ReferencedSeriesSequence = [series]
    ds.CurrentRequestedProcedureEvidenceSequence = [ev]

    ds.ValueType = "CONTAINER"
    ds.ConceptNameCodeSequence = [_code("113701", "DCM", "X-Ray Radiation Dose Report")]
    ds.ContinuityOfContent = "SEPARATE"
    tpl = Dataset()
    tpl.MappingResource, tpl.TemplateIdentifier = "DCMR", "10011"
    ds.ContentTemplateSequence = [tpl]
    root = [
        _code_item(("121058", "DCM", "Procedure reported"), ("P5-08000", "SRT", "Computed Tomography X-Ray")),
        _code_item(("G-C0E8", "SRT", "Has Intent"), ("R-408C3", "SRT", "Diagnostic Intent")),
    ]
    observer = _code_item(("121005", "DCM", "Observer Type"), ("121007", "DCM", "Device"), "HAS OBS CONTEXT")
    uid = _item("UIDREF", "HAS OBS CONTEXT", ("121012", "DCM", "Device Observer UID"))
    uid.UID = "1.2.826.0.1.3680043.8.498.99"
    root = [observer, uid] + root
    start = _item("DATETIME", "HAS OBS CONTEXT", ("113809", "DCM", "Start of X-Ray Irradiation"))
    start.DateTime = f"{ds.ContentDate}115000"
    end = _item("DATETIME", "HAS OBS CONTEXT", ("113810", "DCM", "End of X-Ray Irradiation"))
    end.DateTime = f"{ds.ContentDate}115500"
    root += [start, end, _code_item(("113705", "DCM", "Scope of Accumulation"), ("113014", "DCM", "Study"),
                                     "HAS OBS CONTEXT")]
    root[-1].ContentSequence = [_uidref(image.StudyInstanceUID)]
    accumulated = _item("CONTAINER", "CONTAINS", ("113811", "DCM", "CT Accumulated Dose Data"))
    total = dlp_total if dlp_total is not None else sum(d for _, d in acquisitions)
    accumulated.ContentSequence = [
        _num(("113812", "DCM", "Total Number of Irradiation Events"), len(acquisitions), ("{events}", "UCUM", "events")),
        _num(("113813", "DCM", "CT Dose Length Product Total"), total, MGYCM),
    ]
    root.append(accumulated)
    for ctdi, dlp in acquisitions:
        acq = _item("CONTAINER", "CONTAINS", ("113819", "DCM", "CT Acquisition"))
        dose = _item("CONTAINER", "CONTAINS", ("113829", "DCM", "CT Dose"))
        dose.ContentSequence = [_num(("113830", "DCM", "Mean CTDIvol"), ctdi, MGY),
                                _code_item(("113835", "DCM", "CTDIw Phantom Type"),
                                           ("113691", "DCM", "IEC Body Dosimetry Phantom"), "CONTAINS"),
                                _num(("113838", "DCM", "DLP"), dlp, MGYCM)]
        ev_uid = _item("UIDREF", "CONTAINS", ("113769", "DCM", "Irradiation Event UID"))
        ev_uid.UID = generate_uid()
        acq.ContentSequence = [
            _text(("125203", "DCM", "Acquisition Protocol"), "Low-dose chest"),
            _code_item(("123014", "DCM", "Target Region"), ("T-D3000", "SRT", "Chest"), "CONTAINS"),
            _code_item(("113820", "DCM", "CT Acquisition Type"), ("P5-08001", "SRT", "Spiral Acquisition"),
                       "CONTAINS"),
            ev_uid, dose]
        root.append(acq)
    ds.ContentSequence = root
    return ds


def _uidref(study_uid: str) -> Dataset:
    item = _item("UIDREF", "HAS PROPERTIES", ("110180", "DCM", "Study Instance UID"))
    item.UID = study_uid
    return item


def save(ds: Dataset, path) -> None:
    pydicom.dcmwrite(path, ds, enforce_file_format=True)
