"""The question bank: per service, the questions people really type, tagged by register.

`questions/<body>.yaml` next to the catalog file of the same body (format in SCHEMA.md).
Search indexes every question as a text of its service: a short query is matched far
more reliably against other short questions than against a service description.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from knowledge.text import normalize

REGISTERS = ("msa", "gulf", "en", "arabizi", "mixed", "typo", "indirect")
MIN_QUESTIONS = 20  # per service
MIN_PER_REGISTER = {"msa": 3, "gulf": 3, "en": 3, "arabizi": 2, "mixed": 2, "typo": 1, "indirect": 2}


@dataclass(frozen=True)
class BankQuestion:
    service: str
    register: str
    text: str


NEGATIVES_FILE = "_out_of_scope.yaml"
NEGATIVE_KINDS = ("foreign", "private", "general", "chat")


def bank_files(directory: Path) -> list[Path]:
    return sorted(p for p in Path(directory).glob("*.yaml") if not p.name.startswith("_"))


def load_negatives(directory: Path, bank: list[BankQuestion], errors: list) -> tuple[list[str], list[bytes]]:
    """`questions/_out_of_scope.yaml`: questions that are not about any service of ours (other
    countries' services, companies, general chat), by kind. Search measures how close a query
    is to them: without them, "renew iqama on Absher" only looks like a good match for ours."""
    from knowledge.catalog.loader import ValidationError

    path = Path(directory) / NEGATIVES_FILE
    if not path.exists():
        return [], []
    name = f"questions/{path.name}"
    raw = [name.encode() + b"\0" + path.read_bytes()]
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        errors.append(ValidationError(name, None, None, f"not valid YAML: {exc}"))
        return [], raw
    if not isinstance(data, dict):
        errors.append(ValidationError(name, None, None, f"must map kinds ({', '.join(NEGATIVE_KINDS)}) to lists of questions"))
        return [], raw
    ours = {" ".join(normalize(q.text).split()): q.service for q in bank}
    out: list[str] = []
    seen: set[str] = set()
    for kind, questions in data.items():
        for field, q, key in _questions(errors, name, None, "kind", NEGATIVE_KINDS, kind, questions):
            if key in ours:
                errors.append(ValidationError(name, None, field, f"{q!r} is also a bank question of {ours[key]}"))
            elif key not in seen:
                seen.add(key)
                out.append(q)
    return out, raw


def _questions(errors: list, name: str, sid: str | None, what: str, allowed: tuple[str, ...], group: object,
               questions: object):
    """(field, question, normalized text) of each usable question listed under `group` (a
    register or a kind), appending a ValidationError for an unknown group or a bad entry."""
    from knowledge.catalog.loader import ValidationError

    if group not in allowed:
        errors.append(ValidationError(name, sid, str(group), f"unknown {what}; use {', '.join(allowed)}"))
        return
    if not isinstance(questions, list):
        errors.append(ValidationError(name, sid, str(group), "must be a list of questions"))
        return
    for i, q in enumerate(questions):
        field = f"{group}[{i + 1}]"
        if not isinstance(q, str) or not q.strip():
            errors.append(ValidationError(name, sid, field, "must be a non-empty string"))
            continue
        yield field, q, " ".join(normalize(q).split())


def load_bank(directory: Path, services_by_file: dict[str, set[str]], errors: list) -> tuple[list[BankQuestion], list[bytes]]:
    """Questions of every bank file, appending a ValidationError for each problem:
    unknown body or service, unknown register, too few questions, duplicates."""
    from knowledge.catalog.loader import ValidationError

    out: list[BankQuestion] = []
    raw: list[bytes] = []
    seen: dict[str, tuple[str, str]] = {}  # normalized text -> (service, file)
    for path in bank_files(directory):
        name = f"questions/{path.name}"
        raw.append(name.encode() + b"\0" + path.read_bytes())
        try:
            data = yaml.safe_load(path.read_text("utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            errors.append(ValidationError(name, None, None, f"not valid YAML: {exc}"))
            continue
        body = path.stem
        if body not in services_by_file:
            errors.append(ValidationError(name, None, None, f"no catalog file {body}.yaml for this bank file"))
            continue
        if not isinstance(data, dict):
            errors.append(ValidationError(name, None, None, "must map service ids to registers"))
            continue
        for sid, registers in data.items():
            if sid not in services_by_file[body]:
                errors.append(ValidationError(name, str(sid), None, f"no such service in {body}.yaml"))
                continue
            if not isinstance(registers, dict):
                errors.append(ValidationError(name, sid, None, "must map registers to lists of questions"))
                continue
            for register, questions in registers.items():
                for field, q, key in _questions(errors, name, sid, "register", REGISTERS, register, questions):
                    if key in seen:
                        other, ofile = seen[key]
                        where = "again" if other == sid else f"also under {other} in {ofile}"
                        errors.append(ValidationError(name, sid, field, f"duplicate question {q!r} ({where})"))
                        continue
                    seen[key] = (sid, name)
                    out.append(BankQuestion(sid, str(register), " ".join(q.split())))
    return out, raw


def count_problems(questions: list[BankQuestion], services_by_file: dict[str, set[str]], errors: list) -> None:
    """Every service needs MIN_QUESTIONS questions and a few of each register."""
    from knowledge.catalog.loader import ValidationError

    total = Counter(q.service for q in questions)
    per_register = Counter((q.service, q.register) for q in questions)
    for body, sids in sorted(services_by_file.items()):
        for sid in sorted(sids):
            if total[sid] < MIN_QUESTIONS:
                errors.append(ValidationError(f"questions/{body}.yaml", sid, None,
                                              f"{total[sid]} questions; at least {MIN_QUESTIONS} are needed"))
                continue
            for register, n in MIN_PER_REGISTER.items():
                if per_register[(sid, register)] < n:
                    errors.append(ValidationError(f"questions/{body}.yaml", sid, register,
                                                  f"{per_register[(sid, register)]} questions; at least {n} are needed"))
