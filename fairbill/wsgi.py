import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fairbill.settings")
application = get_wsgi_application()

# The garbage collector, tuned for a web worker (docs/performance.md, "Garbage collection").
# A request leaves a few thousand objects in reference cycles (querysets and the model
# instances they prefetch). With Python's defaults they outlive two young collections while
# the request runs, pile up in the oldest generation, and a full collection every few dozen
# requests walks them and the ~160,000 objects the app loaded at start: 70-190 ms added to
# one request, the slowest requests of a worker. So: every view and API schema is loaded
# now (Django would at the first request), what is loaded is set aside for good
# (`gc.freeze`), and young collections run every 20,000 new objects instead of 700, so a
# request's garbage is mostly freed young, a few milliseconds at a time.
GC_YOUNG_THRESHOLD = 20_000


def _tune_garbage_collection() -> None:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (imports every view and the API)
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)


_tune_garbage_collection()
