"""``pithtex report``: one status per reference, shown as HTML, JSON or SARIF.

:mod:`pithtex.report.model` decides each reference's status offline from
``pith.lock``; :mod:`pithtex.report.html` (jinja2, imported only there),
:mod:`pithtex.report.sarif` and :mod:`pithtex.report.model` (``to_json``)
give it its three shapes.
"""
