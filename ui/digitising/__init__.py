"""Digitising at the desk: the scan folder, the camera, choosing a document's pages."""
