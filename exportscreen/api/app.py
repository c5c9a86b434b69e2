"""The FastAPI application: routers, middleware, error handling and the web UI.

``create_app(config)`` builds one application on one store; ``workers.serve`` runs it (in each
worker process of ``exportscreen serve``, from the config the command made).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request as StarletteRequest

from exportscreen import __version__
from exportscreen.api.audit_writer import AuditWriter
from exportscreen.api.auth import KeyAuthenticator, presented_key
from exportscreen.api.config import ApiConfig, session_secret
from exportscreen.api.errors import (
    ERROR_RESPONSES,
    http_error,
    internal_error_response,
    store_failure_response,
    validation_error,
)
from exportscreen.api.jobs import JobStore
from exportscreen.api.limits import (
    BodySizeLimit,
    Capacity,
    LoadShedder,
    RateLimiter,
    Scope,
    WorkBudget,
)
from exportscreen.api.metrics import Metrics, MetricsMiddleware
from exportscreen.api.routers import (
    accounts,
    audit,
    batch,
    csl,
    determine,
    entries,
    evidence,
    lists,
    ops,
    review,
    screen,
    versions,
    yente,
)
from exportscreen.api.security import SecurityHeaders
from exportscreen.api.state import ScreenerHolder, Services
from exportscreen.casework.register import Register
from exportscreen.casework.rescreen import SignatureCache, last_screening, signature_version
from exportscreen.casework.rescreen import rescreen as run_rescreen
from exportscreen.ops.scheduler import Scheduler, VersionChange
from exportscreen.ops.updater import UpdateReport, run_update
from exportscreen.screening.index_cache import load_or_build
from exportscreen.screening.screener import Screener
from exportscreen.screening.tabular import ReadLimits
from exportscreen.store import Store
from exportscreen.store.errors import DatabaseUnavailable
from exportscreen.web import PAGE_ROUTERS, account, apidocs, pages

log = logging.getLogger(__name__)

OPS_PATHS = ("/healthz", "/readyz", "/metrics")
UPLOAD_PATHS = ("/v1/batch", "/ui/batch")
SESSION_COOKIE = "exportscreen_session"

DESCRIPTION = """\
Export-control screening against the US lists (Entity List, MEU, UVL, DPL, SDN and the rest of
the Consolidated Screening List), every version kept, every answer explained and audited.

* `/v1/...`: the native API (screen, batch, determine, lists, entries, register, alerts, audit).
* `/consolidated_screening_list/v1/search`: the trade.gov CSL API's search, same parameters and
  response, plus the alias that matched.
* `/match/{dataset}`, `/search/{dataset}`, `/entities/{id}`, `/algorithms`, `/catalog`: yente's API.

Authenticate with `Authorization: Bearer <key>` or `ApiKey <key>` (or `X-API-Key`, or the CSL's
`subscription-key`). Roles: viewer (search, screen), analyst (decide alerts), admin (audit).
"""


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    if request.url.path.startswith("/ui/"):
        page = pages.error_page(request, error.status_code, str(error.detail))
        # Retry-After of a 429 or 503, as the API's answer carries it.
        page.headers.update(error.headers or {})
        return page
    if error.status_code in (204, 304):  # no body allowed
        return Response(status_code=error.status_code, headers=error.headers)
    return http_error(error)


def _validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    if request.url.path.startswith("/ui/"):
        return pages.validation_page(request, error.errors())
    return validation_error(request, error)


def _internal_error(request: Request, error: Exception) -> JSONResponse:
    # The trace goes to the server log only: it can name files, queries and data.
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    if isinstance(error, DatabaseUnavailable):
        return store_failure_response(error)
    return internal_error_response()


def create_app(
    config: ApiConfig,
    *,
    store: Store | None = None,
    load_in_background: bool = True,
) -> FastAPI:
    """The application on ``store`` (opened from ``config.db_url`` when not given, and then
    closed with the app). The screening index is built at startup, in the background unless
    ``load_in_background`` is False; until it is ready, screening answers 503."""
    owned_store = store is None
    the_store = store if store is not None else Store.open(config.db_url)
    metrics = Metrics()
    holder = ScreenerHolder(the_store, check_seconds=config.reload_check_seconds)
    capacity = Capacity(config.max_in_flight)

    def current_lists() -> tuple[Screener, dict[str, int]] | None:
        # A job taken over from a dead worker runs against this worker's current lists.
        found = holder.current()
        return (found.screener, found.version_ids) if found is not None else None

    services = Services(
        config=config,
        store=the_store,
        lists=holder,
        keys=KeyAuthenticator(the_store.engine),
        rate_limiter=RateLimiter(config.rate_per_second, config.rate_burst),
        metrics=metrics,
        jobs=JobStore(
            config.jobs_dir,
            the_store,
            workers=config.batch_workers,
            current=current_lists,
            lease_seconds=config.jobs_lease_seconds,
            retention=config.jobs_retention,
            max_bytes=config.jobs_max_bytes,
            limits=ReadLimits(config.max_upload_rows, config.max_inflated_bytes),
        ),
        audit=AuditWriter(the_store.engine, in_flight=lambda: capacity.in_flight),
        work=WorkBudget(config.work_per_second, config.work_burst),
        batch_rows=WorkBudget(config.batch_rows_per_second, config.batch_rows_burst),
        capacity=capacity,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services.audit.start(asyncio.get_running_loop())
        services.jobs.start()
        if load_in_background:
            threading.Thread(target=_first_load, args=(services,), daemon=True).start()
        else:
            _first_load(services)
        scheduler = _scheduler(services) if config.update_every else None
        if scheduler is not None:
            scheduler.start()
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.stop(timeout=30)
            services.jobs.close()
            # Requests in progress have finished (uvicorn waits for them before the lifespan
            # ends): this writes any record they handed over, before the store closes.
            services.audit.close()
            services.keys.close()
            if owned_store:
                the_store.close()

    app = FastAPI(
        title="exportscreen",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        # Served offline by web.apidocs (FastAPI's own pages load Swagger UI from a CDN).
        docs_url=None,
        redoc_url=None,
        # FastAPI's own OpenTelemetry spans, metrics and logs: this API reports through its
        # Prometheus metrics (``api.metrics``) and installs no OpenTelemetry provider, yet with
        # them on, FastAPI asks the global providers on every request whether they are set
        # (about 1% of a screening request's CPU, issue 19).
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    app.state.services = services
    modules = (
        screen,
        batch,
        determine,
        evidence,
        lists,
        versions,
        entries,
        review,
        audit,
        accounts,
        csl,
        yente,
        ops,
    )
    for module in modules:
        app.include_router(module.router, responses=ERROR_RESPONSES)
    for page_router in PAGE_ROUTERS:
        app.include_router(page_router)
    app.include_router(apidocs.router)
    app.mount(apidocs.VENDOR_PATH, StaticFiles(directory=apidocs.VENDOR_DIR), name="vendor")
    app.mount("/static", StaticFiles(directory=pages.STATIC_DIR), name="static")
    app.include_router(account.root_router)
    app.add_exception_handler(Exception, _internal_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(pages.LoginRequired, pages.login_redirect)

    # Added innermost first: a request meets them in the reverse order.
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(config),
        session_cookie=SESSION_COOKIE,
        max_age=config.session_max_age_seconds,
        same_site="lax",
        https_only=config.cookie_secure,
    )
    app.add_middleware(
        BodySizeLimit,
        max_bytes=config.max_body_bytes,
        max_upload=config.max_upload_bytes,
        upload_prefixes=UPLOAD_PATHS,
        body_seconds=config.body_seconds,
    )
    app.add_middleware(
        LoadShedder,
        capacity=services.capacity,
        exempt=OPS_PATHS,
        on_shed=metrics.shed.inc,
        authenticated=_key_checker(services),
        anonymous_max=config.anonymous_in_flight,
        anonymous_per_address=config.anonymous_per_address,
    )
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.add_middleware(SecurityHeaders)
    return app


def _key_checker(services: Services) -> Callable[[Scope], Awaitable[bool]]:
    """Whether a request carries a valid API key, before its body is read: one lookup in the
    store (``KeyAuthenticator.ask``), kept in the request's scope for the route's own check."""

    async def authenticated(scope: Scope) -> bool:
        key = presented_key(StarletteRequest(scope))
        if not key:
            return False
        found = await services.keys.ask(key)
        KeyAuthenticator.remember(scope, key, found)
        return found is not None

    return authenticated


def _scheduler(services: Services) -> Scheduler:
    """Scheduled list updates; after one lands, the register is re-screened against the new and
    changed entries (each worker's index reloads on its own at its next version check)."""
    config, store = services.config, services.store
    assert config.update_every is not None

    signatures = SignatureCache(signature_version(Screener.algorithm))

    def update() -> UpdateReport:
        return run_update(store, mirror=config.mirror or None)

    def rescreen(change: VersionChange) -> None:
        screener = load_or_build(store, change.after)
        register = Register(store, actor="scheduler", threshold=config.threshold)
        if last_screening(register) is None:
            return  # never screened: nothing to compare with; the next full screen sets the base
        run_rescreen(store, register, screener, since=change.before, cache=signatures)

    return Scheduler(store, every=config.update_every, run=update, on_new_versions=rescreen)


def _first_load(services: Services) -> None:
    try:
        services.lists.refresh()
    except Exception:  # readyz reports it; the next check retries
        log.exception("building the screening index failed")
