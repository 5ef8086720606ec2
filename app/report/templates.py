"""Report templates: versioned JSON data (resources/templates/) loaded into typed dataclasses.

A template lists sections of fields and, for screening templates, the fields each nodule
carries. Field types: text, multiline, number (with a unit), choice (options with a code and
ja/en labels), flag (yes/no), computed (derived by the report model, never typed).
"""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from .errors import TemplateError

__all__ = [
    "LANGUAGES",
    "FIELD_TYPES",
    "COMPUTED",
    "Option",
    "Field",
    "Section",
    "Template",
    "load_template",
    "list_templates",
    "parse_template",
    "expand_macros",
]

log = logging.getLogger(__name__)

LANGUAGES = ("ja", "en")
FIELD_TYPES = ("text", "multiline", "number", "choice", "flag", "computed")
COMPUTED = ("mean_diameter", "solid_mean_diameter", "recommendation")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_MACRO = re.compile(r"^\.[a-z]+$")


@dataclass(frozen=True)
class Option:
    code: str
    ja: str
    en: str

    def label(self, lang: str) -> str:
        return self.ja if lang == "ja" else self.en


@dataclass(frozen=True)
class Field:
    id: str
    type: str
    label: dict[str, str]
    required: bool = False
    unit: str = ""
    options: tuple[Option, ...] = ()
    compute: str = ""
    macros: bool = False
    normal: dict[str, str] | None = None  # this field's normal text (the ".n" macro)

    def option(self, code: str) -> Option | None:
        return next((o for o in self.options if o.code == code), None)


@dataclass(frozen=True)
class Section:
    id: str
    label: dict[str, str]
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Template:
    id: str
    version: str
    title: dict[str, str]
    procedure: dict[str, str]
    schemes: tuple[str, ...]
    normal_text: dict[str, str]
    macros: dict[str, dict[str, str]]
    sections: tuple[Section, ...]
    nodule_fields: tuple[Field, ...] = ()
    version_notes: tuple[str, ...] = field(default=())
    # '.nl' in the first field gives the normal report: these choices (field -> option code),
    # where still empty, and the normal text in `normal_text_field` (data: "normal_report")
    normal_choices: dict[str, str] = field(default_factory=dict)
    normal_text_field: str = ""

    @property
    def fields(self) -> tuple[Field, ...]:
        """Every report-level field, in section order."""
        return tuple(f for s in self.sections for f in s.fields)

    def field(self, field_id: str) -> Field:
        for f in self.fields:
            if f.id == field_id:
                return f
        raise TemplateError(f"template {self.id} has no field {field_id!r}")

    def nodule_field(self, field_id: str) -> Field:
        for f in self.nodule_fields:
            if f.id == field_id:
                return f
        raise TemplateError(f"template {self.id} has no nodule field {field_id!r}")


def _bilingual(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or any(not isinstance(value.get(lang), str) or not value[lang] for lang in LANGUAGES):
        raise TemplateError(f"{where}: needs non-empty 'ja' and 'en' texts")
    return {lang: value[lang] for lang in LANGUAGES}


def _parse_field(raw: Any, where: str) -> Field:
    if not isinstance(raw, dict):
        raise TemplateError(f"{where}: a field must be an object")
    fid = raw.get("id")
    if not isinstance(fid, str) or not _ID.match(fid):
        raise TemplateError(f"{where}: bad field id {fid!r}")
    where = f"{where}.{fid}"
    ftype = raw.get("type")
    if ftype not in FIELD_TYPES:
        raise TemplateError(f"{where}: unknown type {ftype!r}")
    required = raw.get("required", False)
    if not isinstance(required, bool):
        raise TemplateError(f"{where}: 'required' must be true or false")
    options: tuple[Option, ...] = ()
    if ftype == "choice":
        raw_opts = raw.get("options")
        if not isinstance(raw_opts, list) or not raw_opts:
            raise TemplateError(f"{where}: a choice needs options")
        opts = []
        for o in raw_opts:
            if not isinstance(o, dict) or not isinstance(o.get("code"), str) or not o["code"]:
                raise TemplateError(f"{where}: every option needs a code")
            labels = _bilingual(o, f"{where} option {o['code']}")
            opts.append(Option(o["code"], labels["ja"], labels["en"]))
        codes = [o.code for o in opts]
        if len(set(codes)) != len(codes):
            raise TemplateError(f"{where}: duplicate option codes")
        options = tuple(opts)
    elif "options" in raw:
        raise TemplateError(f"{where}: only a choice has options")
    compute = raw.get("compute", "")
    if (ftype == "computed") != bool(compute) or (compute and compute not in COMPUTED):
        raise TemplateError(f"{where}: a computed field needs one of {COMPUTED} and only it has 'compute'")
    unit = raw.get("unit", "")
    if ftype == "number" and "unit" not in raw:
        raise TemplateError(f"{where}: a number needs a unit ('' for a count)")
    macros = raw.get("macros", False)
    if macros and ftype not in ("text", "multiline"):
        raise TemplateError(f"{where}: only text fields expand macros")
    normal = _bilingual(raw["normal"], f"{where}.normal") if "normal" in raw else None
    return Field(fid, ftype, _bilingual(raw.get("label"), f"{where}.label"), required, unit, options,
                 compute, bool(macros), normal)


def parse_template(data: Any, source: str = "<template>") -> Template:
    """Validate a template's JSON data and build the Template; TemplateError names what is wrong."""
    if not isinstance(data, dict) or data.get("schema") != 1:
        raise TemplateError(f"{source}: not a schema-1 template")
    tid, version = data.get("id"), data.get("version")
    if not isinstance(tid, str) or not re.match(r"^[a-z0-9-]+$", tid):
        raise TemplateError(f"{source}: bad template id {tid!r}")
    if not isinstance(version, str) or not re.match(r"^\d+\.\d+\.\d+$", version):
        raise TemplateError(f"{source}: version must be MAJOR.MINOR.PATCH")
    macros_raw = data.get("macros", {})
    if not isinstance(macros_raw, dict):
        raise TemplateError(f"{source}: 'macros' must be an object")
    macros = {}
    for name, texts in macros_raw.items():
        if not _MACRO.match(name) or name == ".n":
            raise TemplateError(f"{source}: bad macro name {name!r} ('.n' is reserved for a field's normal text)")
        macros[name] = _bilingual(texts, f"{source} macro {name}")
    sections = []
    for s in data.get("sections", []):
        sid = s.get("id") if isinstance(s, dict) else None
        if not isinstance(sid, str) or not _ID.match(sid):
            raise TemplateError(f"{source}: bad section id {sid!r}")
        fields = tuple(_parse_field(f, f"{source}:{sid}") for f in s.get("fields", []))
        sections.append(Section(sid, _bilingual(s.get("label"), f"{source}:{sid}.label"), fields))
    nodule_fields = tuple(_parse_field(f, f"{source}:nodule") for f in data.get("nodule_fields", []))
    for group, ids in (("report", [f.id for s in sections for f in s.fields]), ("nodule", [f.id for f in nodule_fields])):
        if len(set(ids)) != len(ids):
            raise TemplateError(f"{source}: duplicate {group} field ids")
    procedure = data.get("procedure")
    if not isinstance(procedure, dict) or not all(isinstance(procedure.get(k), str) for k in ("code", "scheme", "meaning")):
        raise TemplateError(f"{source}: 'procedure' needs code, scheme and meaning")
    schemes = data.get("schemes", [])
    if not isinstance(schemes, list) or not all(isinstance(s, str) for s in schemes):
        raise TemplateError(f"{source}: 'schemes' must be a list of scheme ids")
    normal_choices, normal_text_field = _parse_normal_report(data.get("normal_report", {}), sections, source)
    return Template(
        id=tid,
        version=version,
        title=_bilingual(data.get("title"), f"{source}.title"),
        procedure=dict(procedure),
        schemes=tuple(schemes),
        normal_text=_bilingual(data.get("normal_text"), f"{source}.normal_text"),
        macros=macros,
        sections=tuple(sections),
        nodule_fields=nodule_fields,
        version_notes=tuple(str(n) for n in data.get("version_notes", [])),
        normal_choices=normal_choices,
        normal_text_field=normal_text_field,
    )


def _parse_normal_report(raw: Any, sections: list[Section], source: str) -> tuple[dict[str, str], str]:
    """`{"text_field": id, "choices": {field: code}}`: every id a field of the template, every
    code one of that choice's options (a typo would fill nothing and stop no signature)."""
    if not isinstance(raw, dict):
        raise TemplateError(f"{source}: 'normal_report' must be an object")
    by_id = {f.id: f for s in sections for f in s.fields}
    text_field = raw.get("text_field", "")
    if text_field and (text_field not in by_id or by_id[text_field].type not in ("text", "multiline")):
        raise TemplateError(f"{source}: normal_report.text_field {text_field!r} is not a text field")
    choices = raw.get("choices", {})
    if not isinstance(choices, dict):
        raise TemplateError(f"{source}: normal_report.choices must be an object")
    for fid, code in choices.items():
        f = by_id.get(fid)
        if f is None or f.type != "choice" or f.option(code) is None:
            raise TemplateError(f"{source}: normal_report.choices: {fid!r} has no option {code!r}")
    return dict(choices), text_field


_parsed: dict[tuple[str, int, int], Template] = {}   # (path, mtime, size): a file read once


def list_templates() -> list[Template]:
    """Every bundled template, validated. Each file is parsed once while it stays the same:
    a study's opening looked its template up by reading and parsing all of them on the GUI thread."""
    from resources.templates import template_files

    out = []
    for f in template_files():
        try:
            st = f.stat()
            key = (str(f), st.st_mtime_ns, st.st_size)
            t = _parsed.get(key)
            if t is None:
                data = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise TemplateError(f"{f.name}: unreadable ({exc.__class__.__name__})") from exc
        if t is None:
            t = _parsed[key] = parse_template(data, f.name)
        out.append(t)
    return out


def load_template(template_id: str, version: str | None = None) -> Template:
    """The bundled template with this id (and version, if given: a draft keeps its version)."""
    for t in list_templates():
        if t.id == template_id:
            if version is not None and t.version != version:
                raise TemplateError(f"template {template_id} is at version {t.version}, not {version}")
            return t
    raise TemplateError(f"no template {template_id!r}")


_TOKEN = re.compile(r"(?<!\S)(\.[a-z]+)(?!\S)")


def expand_macros(text: str, template: Template, lang: str, field_id: str | None = None) -> str:
    """Replace whole-word macros ('.nl' = the template's normal text, '.n' = the field's own
    normal text, others from the template) with their text in `lang`; unknown words stay."""
    if lang not in LANGUAGES:
        raise TemplateError(f"unknown language {lang!r}")
    own_normal = None
    if field_id is not None:
        f = next((f for f in template.fields if f.id == field_id), None)
        own_normal = f.normal if f is not None else None

    def repl(m: re.Match[str]) -> str:
        name = m.group(1)
        if name == ".n" and own_normal is not None:
            return own_normal[lang]
        if name in template.macros:
            return template.macros[name][lang]
        if name == ".nl":
            return template.normal_text[lang]
        return name

    return _TOKEN.sub(repl, text)
