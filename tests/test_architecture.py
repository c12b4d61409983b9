"""Dependencies point one way: a domain imports only from domains before it in DOMAINS.

``storage`` is an infrastructure leaf (it imports no domain) and the only place
that may import boto3 or botocore. TOOLS (the scale-data generator) sit above
every domain: they may import any of them, and nothing in a domain or leaf
imports a tool.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from lms import DOMAINS, LEAVES, TOOLS

LMS = Path(__file__).resolve().parent.parent / "lms"
AWS_LIBRARIES = ("boto3", "botocore")


def imported_modules(source: str, module: str) -> set[str]:
    """Every module ``source`` imports, anywhere in it, with relative imports resolved.

    ``from lms import catalog`` counts as importing ``lms.catalog``.
    """
    found: set[str] = set()
    package = module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = resolve(node, package)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def resolve(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    parts = package.split(".")
    base = ".".join(parts[: len(parts) - node.level + 1])
    return f"{base}.{node.module}" if node.module else base


def domain_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "lms" else None


def modules_under(folder: Path):
    for path in sorted(folder.rglob("*.py")):
        relative = path.relative_to(LMS.parent).with_suffix("")
        name = ".".join(relative.parts).removesuffix(".__init__")
        if path.name == "__init__.py":
            name += ".__init__"  # so relative imports resolve against the package itself
        yield name, path


def allowed_targets(own: str | None) -> set[str]:
    """The domains and leaves that code in ``own`` may import."""
    if own in LEAVES:
        return {own}
    if own in DOMAINS:
        return set(DOMAINS[: DOMAINS.index(own) + 1]) | set(LEAVES)
    return set(DOMAINS) | set(LEAVES) | set(TOOLS)  # tools, and shared modules such as lms/cli.py


def wrong_way_imports(module: str, source: str) -> list[str]:
    """The ``lms.<domain>`` imports of ``module`` that point to a higher domain."""
    targets = {domain_of(name) for name in imported_modules(source, module)}
    known = set(DOMAINS) | set(LEAVES) | set(TOOLS)
    return sorted(targets & known - allowed_targets(domain_of(module)))


def test_packages_under_lms_are_known_domains_or_leaves():
    packages = {p.parent.name for p in LMS.glob("*/__init__.py")}
    unknown = packages - set(DOMAINS) - set(LEAVES) - set(TOOLS)
    assert not unknown, f"add {sorted(unknown)} to DOMAINS or TOOLS in lms/__init__.py or to LEAVES"


@pytest.mark.parametrize("domain", [*DOMAINS, *LEAVES, *TOOLS])
def test_imports_point_only_to_lower_domains(domain):
    folder = LMS / domain
    if not folder.is_dir():
        pytest.skip(f"lms/{domain} does not exist yet")
    problems = [f"{module} imports lms.{target}"
                for module, path in modules_under(folder)
                for target in wrong_way_imports(module, path.read_text(encoding="utf-8"))]
    assert not problems, "wrong-way imports (send a signal from lms/signals.py instead):\n" + (
        "\n".join(problems))


def test_only_storage_imports_boto3_or_botocore():
    offenders = []
    for module, path in modules_under(LMS):
        if domain_of(module) in LEAVES:
            continue
        imported = imported_modules(path.read_text(encoding="utf-8"), module)
        if any(name.split(".")[0] in AWS_LIBRARIES for name in imported):
            offenders.append(module)
    assert not offenders, f"only lms/storage may import boto3/botocore: {offenders}"


@pytest.mark.parametrize(("module", "source", "expected"), [
    ("lms.catalog.service", "from lms.progress.models import ItemProgress", ["progress"]),
    ("lms.catalog.service", "import lms.certificates.pdf", ["certificates"]),
    ("lms.catalog.service", "from lms import reports", ["reports"]),
    ("lms.catalog.service", "def f():\n    from ..quizzes import grading", ["quizzes"]),
    ("lms.catalog.__init__", "from ..progress import x", ["progress"]),
    ("lms.catalog.service", "from lms.accounts.models import User\nfrom . import models", []),
    ("lms.catalog.service", "from lms.storage import get_storage\nfrom lms import errors", []),
    ("lms.storage.s3", "from lms.media.models import MediaAsset", ["media"]),
    ("lms.reports.cli", "from lms.scaledata.plan import SIZES", ["scaledata"]),
    ("lms.storage.base", "from lms import scaledata", ["scaledata"]),
    ("lms.scaledata.seed", "from lms.reports.models import X\nfrom lms.storage import s", []),
])
def test_the_checker_itself(module, source, expected):
    assert wrong_way_imports(module, source) == expected
