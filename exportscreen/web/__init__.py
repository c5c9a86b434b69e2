"""The analysts' web UI: server-rendered pages on the same services as the API.

One module per page group; ``pages`` holds what they share (templates, the logged-in user, CSRF,
the error page).
"""

from exportscreen.web import (
    account,
    alerts,
    audit,
    batch,
    changes,
    determine,
    entries,
    evidence,
    lists,
    search,
)

PAGES = (account, search, determine, entries, alerts, batch, changes, evidence, lists, audit)
PAGE_ROUTERS = tuple(page.router for page in PAGES)
