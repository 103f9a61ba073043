"""Output formats of ``vifspec check``: text for people, GitHub annotations, JUnit XML, JSON for tools.

Each formatter takes a :class:`vifspec.check.CheckOutcome` and returns the whole output as a string.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import asdict
from typing import Callable

from vifspec.check.outcome import AMENDED, ERROR, FAILED_RECORD, SKIPPED, CheckOutcome, RecordCheck
from vifspec.errors import Problem

GITHUB_TITLE = "vifspec check"


def format_text(outcome: CheckOutcome) -> str:
    """``path:line:col: key.path: message`` per problem, one status line per record, then the summary."""
    lines = [str(p) for p in outcome.problems]
    for record in outcome.records:
        lines.append(f"{record.path}: {record.status}")
        lines += [f"  {p}" for p in record.findings()]
    lines.append(outcome.summary())
    return "\n".join(lines) + "\n"


def format_github(outcome: CheckOutcome) -> str:
    """GitHub workflow commands: ``::error file=PATH,line=L,col=C,title=vifspec check::MESSAGE``."""
    lines = [_annotation("error", p) for p in outcome.problems]
    for record in outcome.records:
        level = "notice" if record.status == SKIPPED else "error"
        lines += [_annotation(level, p) for p in record.findings()]
    lines.append(outcome.summary())
    return "\n".join(lines) + "\n"


def _annotation(level: str, problem: Problem) -> str:
    props = [f"file={_escape_property(problem.file or '')}"]
    if problem.line is not None:
        props.append(f"line={problem.line}")
        if problem.col is not None:
            props.append(f"col={problem.col}")
    props.append(f"title={_escape_property(GITHUB_TITLE)}")
    message = f"{problem.key}: {problem.message}" if problem.key else problem.message
    return f"::{level} {','.join(props)}::{_escape_data(message)}"


def _escape_data(text: str) -> str:
    """Escaping of a workflow command's message (as in @actions/core ``escapeData``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    """Escaping of a workflow command's property value (as in @actions/core ``escapeProperty``)."""
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_junit(outcome: CheckOutcome) -> str:
    """JUnit XML: one ``<testcase>`` per spec file (classname ``spec``) and per record (``record``)."""
    suite = ET.Element("testsuite", name="vifspec check")
    for file in outcome.files:
        case = ET.SubElement(suite, "testcase", classname="spec", name=file)
        problems = outcome.problems_of(file)
        if problems:
            _child(case, "failure", problems)
    for record in outcome.records:
        _record_case(suite, record)
    cases = list(suite)
    counts = {tag: sum(case.find(tag) is not None for case in cases) for tag in ("failure", "error", "skipped")}
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(counts["failure"]))
    suite.set("errors", str(counts["error"]))
    suite.set("skipped", str(counts["skipped"]))
    root = ET.Element("testsuites", name="vifspec", tests=suite.get("tests", "0"),
                      failures=suite.get("failures", "0"), errors=suite.get("errors", "0"))
    root.append(suite)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _record_case(suite: ET.Element, record: RecordCheck) -> None:
    case = ET.SubElement(suite, "testcase", classname="record", name=record.path)
    tag = {ERROR: "error", SKIPPED: "skipped", AMENDED: "failure", FAILED_RECORD: "failure"}.get(record.status)
    if tag:
        _child(case, tag, record.findings())


def _child(case: ET.Element, tag: str, problems: list[Problem]) -> None:
    element = ET.SubElement(case, tag, message=problems[0].message if problems else tag)
    element.text = "\n".join(str(p) for p in problems)


def format_json(outcome: CheckOutcome) -> str:
    """Everything as one JSON object (problems with file, line, col, key, message)."""
    data = {
        "exit_code": outcome.exit_code,
        "summary": outcome.summary(),
        "files": outcome.files,
        "variants": outcome.variants,
        "problems": [asdict(p) for p in outcome.problems],
        "records": [_record_json(r) for r in outcome.records],
    }
    return json.dumps(data, indent=2) + "\n"


def _record_json(record: RecordCheck) -> dict[str, object]:
    return {
        "path": record.path,
        "spec": record.spec_path,
        "status": record.status,
        "verdict": record.verdict,
        "amendment": record.amendment,
        "findings": [asdict(p) for p in record.findings()],
    }


FORMATS: dict[str, Callable[[CheckOutcome], str]] = {
    "text": format_text,
    "github": format_github,
    "junit": format_junit,
    "json": format_json,
}
