"""Structured reports: templates, category rules, the report model, drafts, SR and signed PDF.

Qt-free except `pdf` (QTextDocument/QPdfWriter only). Entry points: `model.Report`,
`finding.Finding`, `editing.EditSession`, `draft_store.DraftStore` (written in the background by
`draft_saver.DraftSaver`), `render.render_html`,
`signing.sign`. Nothing is imported here so that loading one part does not load highdicom or Qt.
"""
