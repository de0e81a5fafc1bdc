"""Console: the programme's dashboards (KPIs, each chart beside its table, every table as CSV
and XLSX). Staff limited to some communities see only theirs ("view_insights")."""

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET

from jifen.insights import exports
from jifen.insights.tables import KPIS, table_of
from jifen.programmes.access import access_programme
from jifen.web import simulator
from jifen.web.common import render_console

CAN = "view_insights"
# How each table is drawn: the chart type, the column on the x axis, the columns drawn, the
# columns drawn against a second axis on the right, and the target line (in the table's unit).
CHARTS: dict[str, dict[str, object]] = {
    "growth": {"type": "line", "x": 0, "series": [2, 3]},
    "people": {"type": "bar", "x": 0, "series": [1, 2, 3]},
    "participation": {"type": "bar", "x": 0, "series": [5, 6], "target": 70},
    "retention": {"type": "bar", "x": 0, "series": [3], "target": 60},
    "satisfaction": {"type": "bar", "x": 0, "series": [3], "target": 80},
    "flows": {"type": "bar", "x": 0, "series": [1, 2, 3, 4]},
    "liability": {"type": "bar", "x": 0, "series": [2]},
    "buckets": {"type": "bar", "x": 0, "series": [1]},
    "matthew": {"type": "line", "x": 0, "series": [4], "right": [5]},
    "undersubscribed": {"type": "bar", "x": 0, "series": [4], "target": 70},
    "organizers": {"type": "bar", "x": 0, "series": [5], "target": 70},
}
FORMATS = {"csv": (exports.table_csv, exports.CSV), "xlsx": (exports.table_xlsx, exports.XLSX)}


@require_GET
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    scope = access_programme(request.user, slug, CAN)
    tables = [table_of(scope, key) for key in KPIS]
    charts = {
        t.key: {**CHARTS[t.key], "headers": t.headers, "rows": t.rows}
        for t in tables
        if t.key in CHARTS
    }
    context = {"tables": tables, "charts": charts}
    return render_console(request, scope, "web/insights/dashboard.html", context)


@require_GET
def export(request: HttpRequest, slug: str, key: str, fmt: str) -> HttpResponse:
    """One table as a file: the same rows as the page, in the page's language."""
    scope = access_programme(request.user, slug, CAN)
    if key not in KPIS or fmt not in FORMATS:
        raise Http404
    write, content_type = FORMATS[fmt]
    response = HttpResponse(write(table_of(scope, key)), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{slug}-{key}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns: list[URLPattern] = [
    path("insights/", dashboard, name="console-insights"),
    path("insights/<slug:key>.<slug:fmt>", export, name="console-insights-export"),
]
urlpatterns += simulator.urlpatterns  # the rule-change simulator (jifen/web/simulator.py)
