"""Yomi's reading-centre side, run inside Orthanc by its Python plugin (orthanc-python 4.0).

Per-reader access to DICOMweb and a UPS-RS worklist (PS3.18 chapter 11) for an Orthanc 1.10
that has neither. Everything here uses the standard library only (Orthanc's embedded Python
has no pydicom); the `orthanc` module is touched only by `../yomi_centre_plugin.py` and
`orthanc_api.py`, so the logic can be read and tested without a server.
"""
