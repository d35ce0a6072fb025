"""The report as one self-contained HTML page (``pithtex/data/report.html.j2``).

No external assets: the CSS is inline, there is no JavaScript, the only links
are the Pith Number pages. jinja2 is imported here and nowhere on the path of
``pithtex check``.
"""

from __future__ import annotations

from pithtex.report.model import PROBLEM_STATUSES, STATUSES, Report

__all__ = ["TEMPLATE", "render_html"]

TEMPLATE = "report.html.j2"


def render_html(report: Report, *, title: str) -> str:
    from importlib import resources

    import jinja2

    import pithtex

    text = (resources.files("pithtex") / "data" / TEMPLATE).read_text(encoding="utf-8")
    env = jinja2.Environment(autoescape=True, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined)
    return env.from_string(text).render(
        report=report,
        rows=report.problems_first(),
        counts=report.counts,
        statuses=STATUSES,
        problem_statuses=PROBLEM_STATUSES,
        title=title,
        version=pithtex.__version__,
    )
