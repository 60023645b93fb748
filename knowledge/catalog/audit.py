"""`dalil catalog audit`: how far the catalog covers the bodies' published services and how
far its facts can be traced: deep-link sources, fee statuses, `unsure` fields, oldest sources."""
from __future__ import annotations

from collections import Counter

from knowledge.catalog.schema import Catalog

# Services a body says it offers, as the project's founding sources state them
# (shared/DESIGN.md: "Metrash2 offers 330+ services", "281 e-services through Sak",
# "~400 services" at the Municipality, "80+" at Labour).
PUBLISHED = {"moi": 330, "moj": 281, "mm": 400, "mol": 80}
OLDEST = 10


def audit(catalog: Catalog) -> dict:
    """The figures `dalil catalog audit` prints (and gives as JSON)."""
    services = catalog.services
    n = len(services)
    deep = [s for s in services if s.source_kind == "page"]
    per_body = []
    for e in sorted(catalog.entities, key=lambda e: e.id):
        own = [s for s in services if s.entity.id == e.id]
        published = PUBLISHED.get(e.id)
        per_body.append({
            "body": e.id, "services": len(own), "published": published,
            "coverage": round(len(own) / published, 4) if published else None,
            "deep_link_share": round(sum(1 for s in own if s.source_kind == "page") / len(own), 4) if own else 0.0,
        })
    unsure = Counter(f for s in services for f in s.unsure)
    oldest = sorted(services, key=lambda s: (s.last_verified, s.id))[:OLDEST]
    return {
        "services": n,
        "bodies": len(catalog.entities),
        "deep_link_share": round(len(deep) / n, 4) if n else 0.0,
        "portal_only": sorted(s.id for s in services if s.source_kind == "portal"),
        "fees": {status: sum(1 for s in services if s.fees.status == status)
                 for status in ("known", "varies", "free", "unknown")},
        "with_unsure_fields": sum(1 for s in services if s.unsure),
        "unsure_fields": dict(sorted(unsure.items(), key=lambda kv: (-kv[1], kv[0]))),
        "per_body": per_body,
        "oldest_sources": [{"id": s.id, "last_verified": s.last_verified, "source": s.source} for s in oldest],
    }


def audit_table(report: dict) -> list[str]:
    """The audit as lines of text for the terminal."""
    lines = [f"{report['services']} services from {report['bodies']} bodies; "
             f"{report['deep_link_share']:.0%} cite a page that states their facts "
             f"({len(report['portal_only'])} only a portal or home page)",
             "fees: " + ", ".join(f"{k} {v}" for k, v in report["fees"].items()),
             f"services with unsure fields: {report['with_unsure_fields']} ("
             + ", ".join(f"{k} {v}" for k, v in report["unsure_fields"].items()) + ")",
             "", f"{'body':<12}{'services':>9}{'published':>11}{'coverage':>10}{'deep links':>12}"]
    for b in report["per_body"]:
        published = str(b["published"]) if b["published"] else "-"
        coverage = f"{b['coverage']:.0%}" if b["coverage"] is not None else "-"
        lines.append(f"{b['body']:<12}{b['services']:>9}{published:>11}{coverage:>10}{b['deep_link_share']:>12.0%}")
    lines += ["", "oldest sources:"]
    lines += [f"  {o['last_verified']}  {o['id']}  {o['source']}" for o in report["oldest_sources"]]
    return lines
