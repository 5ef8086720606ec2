"""The signed PDF wrapped as a DICOM Encapsulated PDF instance in the report's study."""
from __future__ import annotations

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import Comprehensive3DSRStorage, EncapsulatedPDFStorage, ExplicitVRLittleEndian, PYDICOM_IMPLEMENTATION_UID

from common.dicom_dates import dicom_datetime

from .errors import SrError
from .model import Report, SignatureRecord

__all__ = ["ENCAPSULATED_PDF", "build_encapsulated_pdf", "extract_pdf"]

ENCAPSULATED_PDF = EncapsulatedPDFStorage
PDF_SERIES_NUMBER = 9002


def build_encapsulated_pdf(report: Report, record: SignatureRecord, pdf: bytes) -> Dataset:
    """An Encapsulated PDF Storage instance holding `pdf` byte for byte."""
    ident = report.identity
    da, tm, off = dicom_datetime(record.signed_at)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ENCAPSULATED_PDF
    meta.MediaStorageSOPInstanceUID = record.encapsulated_sop_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    ds = Dataset()
    ds.file_meta = meta
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID, ds.SOPInstanceUID = ENCAPSULATED_PDF, record.encapsulated_sop_uid
    ds.InstanceCreationDate, ds.InstanceCreationTime, ds.TimezoneOffsetFromUTC = da, tm, off
    # Patient and General Study modules, from the report (the study on screen)
    ds.PatientName, ds.PatientID = ident.patient_name, ident.patient_id
    ds.PatientBirthDate, ds.PatientSex = ident.patient_birth_date, ident.patient_sex
    ds.StudyInstanceUID, ds.StudyID = ident.study_uid, ident.study_id
    ds.StudyDate, ds.StudyTime = ident.study_date, ident.study_time
    ds.AccessionNumber, ds.ReferringPhysicianName = ident.accession_number, ""
    # Encapsulated Document Series, General Equipment, SC Equipment
    ds.Modality, ds.SeriesInstanceUID, ds.SeriesNumber = "DOC", record.pdf_series_uid, PDF_SERIES_NUMBER
    ds.SeriesDescription = "Yomi signed report (PDF)"
    ds.Manufacturer, ds.ConversionType = "Yomi", "WSD"
    # Encapsulated Document module
    ds.InstanceNumber = 1
    ds.ContentDate, ds.ContentTime = da, tm
    ds.AcquisitionDateTime = f"{da}{tm}{off}"
    ds.BurnedInAnnotation = "YES"  # the PDF shows the patient's name and ID
    ds.DocumentTitle = report.template.title[report.language][:64]
    ds.ConceptNameCodeSequence = []
    # the SR it renders: the centre (packaging/centre) tells a reading's PDF from the final one by it
    source = Dataset()
    source.ReferencedSOPClassUID, source.ReferencedSOPInstanceUID = Comprehensive3DSRStorage, record.sr_sop_uid
    ds.SourceInstanceSequence = [source]
    ds.MIMETypeOfEncapsulatedDocument = "application/pdf"
    ds.EncapsulatedDocument = pdf + (b"\0" if len(pdf) % 2 else b"")
    ds.EncapsulatedDocumentLength = len(pdf)
    if not pdf.startswith(b"%PDF"):
        raise SrError("encapsulated document is not a PDF")
    return ds


def extract_pdf(ds: Dataset) -> bytes:
    """The PDF bytes of an Encapsulated PDF instance, without the even-length padding."""
    data = bytes(ds.EncapsulatedDocument)
    length = int(ds.get("EncapsulatedDocumentLength", len(data)))
    return data[:length]
