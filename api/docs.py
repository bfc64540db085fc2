"""OpenAPI documentation at /docs with Swagger UI served from this app (no CDN).

Swagger UI's files come from the ``swagger-ui-bundle`` package; without it /docs is a plain page
listing the operations, generated from the same OpenAPI document.
"""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from .deps import base_path
from .templates import esc, link, page, table


def install(app: FastAPI) -> None:
    try:
        from swagger_ui_bundle import swagger_ui_path
        from starlette.staticfiles import StaticFiles
        app.mount("/static/swagger-ui", StaticFiles(directory=str(swagger_ui_path)), name="swagger-ui")
        bundled = True
    except ImportError:
        bundled = False

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        base = base_path(request)
        if bundled:
            return get_swagger_ui_html(openapi_url=f"{base}/openapi.json", title=f"{app.title} · API",
                                       swagger_js_url=f"{base}/static/swagger-ui/swagger-ui-bundle.js",
                                       swagger_css_url=f"{base}/static/swagger-ui/swagger-ui.css",
                                       swagger_favicon_url=f"{base}/static/swagger-ui/favicon-32x32.png")
        rows = []
        for path, operations in app.openapi()["paths"].items():
            for method, operation in operations.items():
                rows.append([esc(method.upper()), f"<code>{esc(path)}</code>", esc(operation.get("summary", ""))])
        body = (f"<p>The machine-readable description is {link(base + '/openapi.json', 'openapi.json')}.</p>"
                + table(["Method", "Path", "What it does"], rows))
        return HTMLResponse(page("API", body, base=base))
