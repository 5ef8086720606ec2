"""Key images through signing: the KOS (TID 2010) passes dciodvfy and references the image, the
signed PDF carries the images (poppler's pdfimages), the preview HTML shows them, and the KOS is
one of the objects queued for the centre. The view is a real render of the TCIA chest CT slice."""
from __future__ import annotations

import io
import shutil
import subprocess

import pydicom
import pytest

# The PDF is printed by Qt and the view rendered by VTK: this module stays out of the Qt-free run.
pytest.importorskip("PySide6", reason="the signed PDF is printed with Qt")
pytest.importorskip("vtkmodules", reason="the key image is a VTK render of the real slice")

from app.report.errors import FieldValueError
from app.report.key_images import KeyImage
from app.report.render import render_html, render_text
from app.report.signing import read_signed_outputs, sign
from tests.report.conftest import make_report, fill_required
from tests.report.pki import make_pki
from tests.report.test_signing import SIGNER, need


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def view_png(lung_slice, tmp_path_factory) -> bytes:
    """The slice rendered as the reading window draws it (labels, banner), headless."""
    from viewer.views.headless import prefer_headless_gl
    prefer_headless_gl()
    from viewer.views.offscreen import OffscreenView
    from viewer.volume import load_volume

    view = OffscreenView(load_volume(lung_slice.parent), "axial", size=256)
    try:
        path = view.save_png(tmp_path_factory.mktemp("png") / "view.png")
    finally:
        view.close()
    return path.read_bytes()


@pytest.fixture()
def report_with_key_images(lung_slice, view_png):
    img = pydicom.dcmread(lung_slice, stop_before_pixels=True)
    r = make_report()
    r = type(r).from_dict({**r.to_dict(), "identity": {**r.to_dict()["identity"], "study_uid": img.StudyInstanceUID}})
    fill_required(r)
    for caption in ("右下葉 結節", ""):
        r.add_key_image(KeyImage.from_png(view_png, sop_class_uid=img.SOPClassUID, sop_instance_uid=img.SOPInstanceUID,
                                          series_uid=img.SeriesInstanceUID, caption=caption, slice_index=20))
    return r, img


def test_key_image_checks_its_data(view_png) -> None:
    good = dict(sop_class_uid="1.2.840.10008.5.1.4.1.1.2", sop_instance_uid="1.2.3", series_uid="1.2.4")
    with pytest.raises(FieldValueError):
        KeyImage.from_png(b"GIF89a....", **good)
    with pytest.raises(FieldValueError):
        KeyImage.from_png(view_png, **{**good, "sop_instance_uid": "not a uid"})
    k = KeyImage.from_png(view_png, **good, caption="x")
    assert KeyImage.from_dict(k.to_dict()) == k and k.png == view_png


def test_preview_and_text_show_the_key_images(report_with_key_images) -> None:
    report, _ = report_with_key_images
    html = render_html(report, "ja")
    assert html.count("<img src='data:image/png;base64,") == 2 and "キー画像" in html and "右下葉 結節" in html
    assert "[Key images]" in render_text(report, "en")


def test_signed_outputs_carry_kos_and_pdf_images(report_with_key_images, pki, tmp_path) -> None:
    report, img = report_with_key_images
    signed = sign(report, SIGNER, tmp_path / "out", pki.p12, pki.password, study_on_screen=img.StudyInstanceUID)
    assert signed.kos is not None
    assert [uid for uid, _ in signed.objects()] == [signed.sr_sop_uid, signed.encapsulated_sop_uid, signed.kos_sop_uid]
    kos_path = tmp_path / "kos.dcm"
    kos_path.write_bytes(signed.kos)
    out = subprocess.run([need("dciodvfy"), str(kos_path)], capture_output=True, text=True)
    assert "KeyObjectSelectionDocument" in out.stdout + out.stderr
    assert [line for line in (out.stdout + out.stderr).splitlines() if line.startswith("Error")] == []
    ds = pydicom.dcmread(io.BytesIO(signed.kos))
    assert ds.SOPClassUID == "1.2.840.10008.5.1.4.1.1.88.59" and ds.Modality == "KO"
    assert ds.StudyInstanceUID == img.StudyInstanceUID and ds.PatientID == "PID-0001"
    title = ds.ConceptNameCodeSequence[0]
    assert (title.CodeValue, title.CodingSchemeDesignator) == ("113000", "DCM")
    images = [i for i in ds.ContentSequence if i.ValueType == "IMAGE"]
    assert [i.ReferencedSOPSequence[0].ReferencedSOPInstanceUID for i in images] == [img.SOPInstanceUID]
    evidence = ds.CurrentRequestedProcedureEvidenceSequence[0].ReferencedSeriesSequence[0]
    assert evidence.SeriesInstanceUID == img.SeriesInstanceUID

    tool = shutil.which("pdfimages")
    if tool is None:
        pytest.skip("pdfimages not installed (Debian poppler-utils)")
    listing = subprocess.run([tool, "-list", str(signed.pdf_path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in listing.splitlines()[2:] if line.strip()]
    assert len(rows) == 2 and all(int(r[3]) == 256 and int(r[4]) == 256 for r in rows)  # width, height

    again = read_signed_outputs(signed.folder, None)
    assert again.kos == signed.kos and again.kos_sop_uid == signed.kos_sop_uid  # a re-send is byte-identical


def test_no_key_images_no_kos(pki, tmp_path, lung_slice) -> None:
    img = pydicom.dcmread(lung_slice, stop_before_pixels=True)
    r = make_report()
    fill_required(r)
    signed = sign(r, SIGNER, tmp_path / "out", pki.p12, pki.password)
    assert signed.kos is None and len(signed.objects()) == 2 and img is not None
